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
  const length = featureCount(contract.featureShape);
  const features = new Float32Array(records.length * length);
  const accepted: AssembledBatch<R>['accepted'] = [];
  const rejected: AssembledBatch<R>['rejected'] = [];
  for (const source of records) {
    const reject = (reason: SampleRejection, detail: string): void => {
      rejected.push({ source, reason, detail });
    };
    if (source.value === null || source.value.length === 0) {
      reject('empty-record', 'record has no value');
      continue;
    }
    let sample: SampleRecord;
    try {
      sample = sampleCodec.decode(source.value, source.headers);
    } catch (e) {
      if (e instanceof DecodeError) reject(e.reason, e.message);
      else reject('invalid-record', (e as Error).message);
      continue;
    }
    if (featureCount(sample.shape) !== length) {
      reject('wrong-shape', `shape [${sample.shape.join(',')}] does not match [${contract.featureShape.join(',')}]`);
      continue;
    }
    const bytesPerFeature = sample.dtype === 'UINT8' ? 1 : 4;
    if (sample.features.length !== length * bytesPerFeature) {
      reject('wrong-shape', `${sample.features.length} feature bytes, shape and ${sample.dtype} need ${length * bytesPerFeature}`);
      continue;
    }
    if (sample.label !== null && (sample.label < 0 || sample.label >= contract.classCount)) {
      reject('bad-label', `label ${sample.label} is not a class index below ${contract.classCount}`);
      continue;
    }
    const row = features.subarray(accepted.length * length, (accepted.length + 1) * length);
    if (sample.dtype === 'UINT8') {
      for (let i = 0; i < length; i++) row[i] = (sample.features[i] as number) / 255;
    } else {
      for (let i = 0; i < length; i++) row[i] = sample.features.readFloatLE(i * 4);
      const bad = row.findIndex((v) => !Number.isFinite(v));
      if (bad !== -1) {
        reject('bad-features', `feature ${bad} is ${row[bad]}`);
        continue;
      }
    }
    accepted.push({ source, sample });
  }
  return { accepted, rejected, features: features.subarray(0, accepted.length * length) };
}

/** Splits a fetched run into chunks of at most `size`, so one tensor call never grows unbounded. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size ${size} is not a positive integer`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
