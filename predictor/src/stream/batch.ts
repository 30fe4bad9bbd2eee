import {
  DecodeError,
  bufferView,
  featureLength,
  sampleCodec,
  type DataContract,
  type MessageHeaders,
  type SampleRecord,
} from '@hotswap/shared/contracts';

/** Each byte value / 255 as a float32: the same numbers as dividing, at a table load per pixel instead of a division. */
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

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

/**
 * A chunk of data records as the main thread hands it to the inference thread: the values of those
 * whose headers name a sample, packed end to end into one buffer (one transfer, no copy per
 * record), and those refused on their headers alone.
 */
export interface PackedChunk<R extends RawRecord> {
  /** The records whose values are packed, in order. */
  packed: R[];
  bytes: Uint8Array;
  /** Where each packed value ends in `bytes` (it starts where the previous one ends). */
  ends: Uint32Array;
  rejected: { source: R; reason: SampleRejection; detail: string }[];
}

/** Checks each record's headers and packs the values of the ones that name a sample. */
export function packChunk<R extends RawRecord>(records: readonly R[]): PackedChunk<R> {
  const packed: R[] = [];
  const rejected: PackedChunk<R>['rejected'] = [];
  let total = 0;
  for (const source of records) {
    if (source.value === null || source.value.length === 0) {
      rejected.push({ source, reason: 'empty-record', detail: 'record has no value' });
      continue;
    }
    try {
      sampleCodec.checkHeaders(source.headers);
    } catch (e) {
      rejected.push({ source, reason: (e as DecodeError).reason, detail: (e as Error).message });
      continue;
    }
    packed.push(source);
    total += source.value.length;
  }
  const bytes = new Uint8Array(total);
  const ends = new Uint32Array(packed.length);
  let at = 0;
  packed.forEach((source, i) => {
    bytes.set(source.value as Buffer, at);
    at += (source.value as Buffer).length;
    ends[i] = at;
  });
  return { packed, bytes, ends, rejected };
}

/** Packed samples decoded: the fields a prediction repeats for each usable one, and their features as rows. */
export interface DecodedChunk {
  /** Index among the packed records of each row. */
  index: Uint32Array;
  sampleIds: string[];
  datasets: string[];
  createdAt: Float64Array;
  /** The true class per row, -1 when the sample has none. */
  labels: Int32Array;
  /** index.length rows of the contract's feature count, normalized as in training. */
  features: Float32Array;
  rejected: { index: number; reason: SampleRejection; detail: string }[];
}

/**
 * Decodes packed sample values (their headers already checked) and checks each against the data
 * contract. Records that cannot be used are set aside with the reason; they never stop the chunk.
 * With `into`, the rows are written there and the features returned are a view of it, valid until
 * `into` is written again.
 */
export function decodePacked(bytes: Uint8Array, ends: Uint32Array, contract: DataContract, into?: Float32Array): DecodedChunk {
  const rows = new FeatureRows(contract, ends.length, into);
  const index = new Uint32Array(ends.length);
  const sampleIds: string[] = [];
  const datasets: string[] = [];
  const createdAt = new Float64Array(ends.length);
  const labels = new Int32Array(ends.length);
  const rejected: DecodedChunk['rejected'] = [];
  const view = bufferView(bytes);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    let sample: SampleRecord;
    try {
      sample = sampleCodec.decodeBody(view.subarray(start, end));
    } catch (e) {
      rejected.push({ index: i, reason: e instanceof DecodeError ? e.reason : 'invalid-record', detail: (e as Error).message });
      continue;
    } finally {
      start = end;
    }
    const problem = rows.add(sample);
    if (problem !== null) {
      rejected.push({ index: i, ...problem });
      continue;
    }
    const row = rows.count - 1;
    index[row] = i;
    sampleIds.push(sample.sampleId);
    datasets.push(sample.dataset);
    createdAt[row] = sample.createdAt;
    labels[row] = sample.label ?? -1;
  }
  const n = rows.count;
  return {
    // Views, not copies: the arrays are this chunk's alone (and are moved whole to the main thread).
    index: index.subarray(0, n),
    sampleIds,
    datasets,
    createdAt: createdAt.subarray(0, n),
    labels: labels.subarray(0, n),
    features: rows.features,
    rejected,
  };
}

/**
 * Decoded samples checked against the data contract, their features normalized as in training
 * (pixels / 255) into consecutive rows of one float array, ready for one tensor.
 */
export class FeatureRows {
  private readonly buffer: Float32Array;
  private readonly length: number;
  count = 0;

  /** `into`, when given, holds the rows instead of a new array; it must fit `capacity` rows. */
  constructor(
    private readonly contract: DataContract,
    capacity: number,
    into?: Float32Array,
  ) {
    this.length = featureLength(contract.featureShape);
    if (into !== undefined && into.length < capacity * this.length) {
      throw new RangeError(`a feature buffer of ${into.length} floats cannot hold ${capacity} rows of ${this.length}`);
    }
    this.buffer = into ?? new Float32Array(capacity * this.length);
  }

  /** The rows added so far. */
  get features(): Float32Array {
    return this.buffer.subarray(0, this.count * this.length);
  }

  /** Adds the sample as the next row; returns why it cannot be used instead (and adds nothing). */
  add(sample: SampleRecord): { reason: SampleRejection; detail: string } | null {
    const { length, contract } = this;
    if (featureLength(sample.shape) !== length) {
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
      const pixels = sample.features;
      for (let i = 0; i < length; i++) row[i] = PIXEL_SCALE[pixels[i] as number] as number;
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
