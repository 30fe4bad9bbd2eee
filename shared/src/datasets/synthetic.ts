import type { Dataset } from './dataset';
import { seededRandom } from './split';

export const SYNTHETIC_FEATURES = 8;
export const SYNTHETIC_CLASSES = ['negative', 'positive'] as const;

export interface SyntheticOptions {
  seed: number;
  /** Rotation of the class boundary, in radians per 10,000 samples of stream time. */
  drift: number;
}

/**
 * A two-class tabular stream: class 1 lies on the positive side of a hyperplane whose normal
 * turns with stream time when drift > 0, so a model trained early loses accuracy later.
 * Sample i is a pure function of (seed, i), so any process can regenerate any sample.
 */
export class SyntheticBinaryStream {
  constructor(private readonly options: SyntheticOptions) {}

  /** Writes sample i's features into `out` (length SYNTHETIC_FEATURES) and returns its label. */
  sample(i: number, out: Float32Array): number {
    const random = seededRandom((this.options.seed * 2654435761 + i) >>> 0);
    for (let f = 0; f < SYNTHETIC_FEATURES; f++) {
      // Box-Muller: standard normal features.
      const u = Math.max(random(), 1e-12);
      out[f] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    }
    const angle = (this.options.drift * i) / 10_000;
    // The boundary's normal turns in the plane of the first two features.
    const score = Math.cos(angle) * (out[0] as number) + Math.sin(angle) * (out[1] as number) + 0.3 * (out[2] as number);
    return score > 0 ? 1 : 0;
  }

  /** Materializes samples [0, size) as a dataset. */
  materialize(size: number): Dataset {
    const features = new Float32Array(size * SYNTHETIC_FEATURES);
    const labels = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      labels[i] = this.sample(i, features.subarray(i * SYNTHETIC_FEATURES, (i + 1) * SYNTHETIC_FEATURES));
    }
    return {
      name: 'synthetic',
      classNames: SYNTHETIC_CLASSES,
      featureShape: [SYNTHETIC_FEATURES],
      dtype: 'FLOAT32',
      size,
      features,
      labels,
    };
  }
}
