import {
  SYNTHETIC_FEATURES,
  SYNTHETIC_POOL_SIZE,
  SyntheticBinaryStream,
  featureBytes,
  featuresOf,
  seededRandom,
  type Dataset,
  type SampleRecord,
} from '@hotswap/shared';

/** A source of sample records in stream order: position 0, 1, 2, ... */
export interface SampleSource {
  /** Positions before the source starts to repeat itself; Infinity when it never does. */
  readonly length: number;
  sampleAt(position: number, createdAt: number): SampleRecord;
}

export interface SourceOptions {
  runId: string;
  /** Fraction of samples whose label is withheld, drawn with `seed`. */
  unlabelledRatio: number;
  seed: number;
}

function withheld(options: SourceOptions, position: number): boolean {
  return options.unlabelledRatio > 0 && seededRandom((options.seed ^ 0x5bd1e995) + position)() < options.unlabelledRatio;
}

/** Streams one split of a dataset in its (seeded, shuffled) split order, cycling when endless. */
export class SplitSource implements SampleSource {
  readonly length: number;

  constructor(
    private readonly ds: Dataset,
    private readonly indices: Uint32Array,
    private readonly splitName: string,
    private readonly options: SourceOptions,
  ) {
    if (indices.length === 0) throw new Error(`split ${splitName} of ${ds.name} is empty`);
    this.length = indices.length;
  }

  sampleAt(position: number, createdAt: number): SampleRecord {
    const index = this.indices[position % this.indices.length] as number;
    const pass = Math.floor(position / this.indices.length);
    return {
      sampleId: `${this.options.runId}:${this.splitName}:${index}${pass === 0 ? '' : `:r${pass}`}`,
      dataset: this.ds.name,
      createdAt,
      shape: [...this.ds.featureShape],
      dtype: this.ds.dtype,
      features: featureBytes(featuresOf(this.ds, index)),
      label: withheld(this.options, position) ? null : (this.ds.labels[index] as number),
    };
  }
}

/**
 * The synthetic stream beyond the training pool: fresh samples that no model trained on, whose
 * class boundary keeps turning when drift > 0.
 */
export class SyntheticSource implements SampleSource {
  readonly length = Number.POSITIVE_INFINITY;
  private readonly stream: SyntheticBinaryStream;

  constructor(
    seed: number,
    drift: number,
    private readonly options: SourceOptions,
  ) {
    this.stream = new SyntheticBinaryStream({ seed, drift });
  }

  sampleAt(position: number, createdAt: number): SampleRecord {
    const features = new Float32Array(SYNTHETIC_FEATURES);
    const label = this.stream.sample(SYNTHETIC_POOL_SIZE + position, features);
    return {
      sampleId: `${this.options.runId}:stream:${position}`,
      dataset: 'synthetic',
      createdAt,
      shape: [SYNTHETIC_FEATURES],
      dtype: 'FLOAT32',
      features: featureBytes(features),
      label: withheld(this.options, position) ? null : label,
    };
  }
}

/**
 * Paces sending at `rate` samples/s: how many samples are due by `elapsedMs` since the start,
 * so a slow send is caught up on rather than lost. rate 0 means no pacing.
 */
export function samplesDue(rate: number, elapsedMs: number, sent: number, maxBatch: number): number {
  if (rate === 0) return maxBatch;
  const due = Math.floor((elapsedMs / 1000) * rate) + 1 - sent;
  return Math.max(0, Math.min(due, maxBatch));
}
