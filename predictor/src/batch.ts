import { DecodeError, sampleCodec, type DataContract, type MessageHeaders, type SampleRecord } from '@hotswap/shared';

/** Why a data record was not predicted; stable strings, used as metric labels. */
export const SAMPLE_REJECTIONS = [
  'empty-record',
  'missing-headers',
  'unknown-content-type',
  'unknown-schema',
  'not-avro',
  'invalid-record',
  'wrong-shape',
  'bad-features',
  'bad-label',
  // Request/reply requests that cannot be answered: no reply address, or a topic we may not write to.
  'no-reply-address',
  'bad-reply-topic',
] as const;
export type SampleRejection = (typeof SAMPLE_REJECTIONS)[number];

export interface RawRecord {
  value: Buffer | null;
  headers: MessageHeaders;
}

export interface AssembledBatch<R extends RawRecord> {
  accepted: { source: R; sample: SampleRecord }[];
  rejected: { source: R; reason: SampleRejection; detail: string }[];
  /** accepted.length rows of featureLength floats, ready for one tensor. */
  features: Float32Array;
}

function featureCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Decodes and checks a run of data records, writing the usable ones' features, normalized as in
 * training (pixels / 255), into one float array. Records that cannot be used are set aside with
 * the reason; they never stop the batch.
 */
export function assembleBatch<R extends RawRecord>(records: readonly R[], contract: DataContract): AssembledBatch<R> {
  const rows = new FeatureRows(contract, records.length);
  const accepted: AssembledBatch<R>['accepted'] = [];
  const rejected: AssembledBatch<R>['rejected'] = [];
  for (const source of records) {
    if (source.value === null || source.value.length === 0) {
      rejected.push({ source, reason: 'empty-record', detail: 'record has no value' });
      continue;
    }
    let sample: SampleRecord;
    try {
      sample = sampleCodec.decode(source.value, source.headers);
    } catch (e) {
      if (e instanceof DecodeError) rejected.push({ source, reason: e.reason, detail: e.message });
      else rejected.push({ source, reason: 'invalid-record', detail: (e as Error).message });
      continue;
    }
    const problem = rows.add(sample);
    if (problem === null) accepted.push({ source, sample });
    else rejected.push({ source, ...problem });
  }
  return { accepted, rejected, features: rows.features };
}

/**
 * Decoded samples checked against the data contract, their features normalized as in training
 * (pixels / 255) into consecutive rows of one float array, ready for one tensor.
 */
export class FeatureRows {
  private readonly buffer: Float32Array;
  private readonly length: number;
  count = 0;

  constructor(
    private readonly contract: DataContract,
    capacity: number,
  ) {
    this.length = featureCount(contract.featureShape);
    this.buffer = new Float32Array(capacity * this.length);
  }

  /** The rows added so far. */
  get features(): Float32Array {
    return this.buffer.subarray(0, this.count * this.length);
  }

  /** Adds the sample as the next row; returns why it cannot be used instead (and adds nothing). */
  add(sample: SampleRecord): { reason: SampleRejection; detail: string } | null {
    const { length, contract } = this;
    if (featureCount(sample.shape) !== length) {
      return { reason: 'wrong-shape', detail: `shape [${sample.shape.join(',')}] does not match [${contract.featureShape.join(',')}]` };
    }
    const bytesPerFeature = sample.dtype === 'UINT8' ? 1 : 4;
    if (sample.features.length !== length * bytesPerFeature) {
      return {
        reason: 'wrong-shape',
        detail: `${sample.features.length} feature bytes, shape and ${sample.dtype} need ${length * bytesPerFeature}`,
      };
    }
    if (sample.label !== null && (sample.label < 0 || sample.label >= contract.classCount)) {
      return { reason: 'bad-label', detail: `label ${sample.label} is not a class index below ${contract.classCount}` };
    }
    if ((this.count + 1) * length > this.buffer.length) throw new RangeError(`more than ${this.buffer.length / length} rows added`);
    const row = this.buffer.subarray(this.count * length, (this.count + 1) * length);
    if (sample.dtype === 'UINT8') {
      for (let i = 0; i < length; i++) row[i] = (sample.features[i] as number) / 255;
    } else {
      for (let i = 0; i < length; i++) row[i] = sample.features.readFloatLE(i * 4);
      const bad = row.findIndex((v) => !Number.isFinite(v));
      if (bad !== -1) return { reason: 'bad-features', detail: `feature ${bad} is ${row[bad]}` };
    }
    this.count++;
    return null;
  }
}

/** Splits a fetched run into chunks of at most `size`, so one tensor call never grows unbounded. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size ${size} is not a positive integer`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
