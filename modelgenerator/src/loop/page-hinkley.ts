/** Page-Hinkley's settings: how much rise to tolerate, and how much accumulated rise is a change. */
export interface PageHinkleySettings {
  /** Rise per sample ignored as noise (delta), in the unit of the values (an error rate here). */
  tolerance: number;
  /** Accumulated rise above the lowest point that signals a change (lambda). */
  threshold: number;
  /** Values seen before any change can be signalled: the mean needs some to mean anything. */
  minSamples: number;
}

export const DEFAULT_PAGE_HINKLEY: PageHinkleySettings = { tolerance: 0.05, threshold: 25, minSamples: 100 };

/**
 * The Page-Hinkley test for a rise in the mean of a stream (here: 1 for a wrong prediction, 0 for a
 * right one). It accumulates each value's excess over the running mean less the tolerance, and
 * signals when that sum climbs `threshold` above its lowest point. Pure: values in, a verdict out.
 */
export class PageHinkley {
  private count = 0;
  private mean = 0;
  private cumulative = 0;
  private lowest = 0;

  constructor(readonly settings: PageHinkleySettings = DEFAULT_PAGE_HINKLEY) {
    const { tolerance, threshold, minSamples } = settings;
    if (!(tolerance >= 0)) throw new RangeError(`Page-Hinkley tolerance ${tolerance} is not >= 0`);
    if (!(threshold > 0)) throw new RangeError(`Page-Hinkley threshold ${threshold} is not > 0`);
    if (!Number.isInteger(minSamples) || minSamples < 1)
      throw new RangeError(`Page-Hinkley minSamples ${minSamples} is not a positive integer`);
  }

  /** Values seen since the start or the last reset. */
  get samples(): number {
    return this.count;
  }

  /** The test statistic: how far the sum stands above its lowest point. */
  get statistic(): number {
    return this.cumulative - this.lowest;
  }

  /** Adds one value; true when a rise is signalled (the caller resets once it has acted on it). */
  add(value: number): boolean {
    this.count++;
    this.mean += (value - this.mean) / this.count;
    this.cumulative += value - this.mean - this.settings.tolerance;
    this.lowest = Math.min(this.lowest, this.cumulative);
    return this.count >= this.settings.minSamples && this.statistic > this.settings.threshold;
  }

  /** Starts afresh: the stream after a change is a new stream. */
  reset(): void {
    this.count = 0;
    this.mean = 0;
    this.cumulative = 0;
    this.lowest = 0;
  }
}
