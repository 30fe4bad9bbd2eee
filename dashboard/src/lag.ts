import type { LagFigures } from './view';

/** Lags above this count in the last millisecond bucket of the overall figures. */
const HISTOGRAM_MS = 60_000;

/**
 * How long after its predictedAt each live prediction was aggregated here: p50 and p99 over the
 * latest `capacity` (what the page shows) and over every one so far (to 1 ms, up to a minute).
 * Records read while catching up on the topic's backlog are not counted: their lag is the age of
 * the backlog, not the dashboard's.
 */
export class LagTracker {
  private readonly recent: Float64Array;
  private readonly histogram = new Uint32Array(HISTOGRAM_MS + 1);
  private filled = 0;
  private next = 0;
  private count = 0;
  private max: number | null = null;
  private last: number | null = null;

  constructor(private readonly capacity = 8192) {
    this.recent = new Float64Array(capacity);
  }

  add(lagMs: number): void {
    this.recent[this.next] = lagMs;
    this.next = (this.next + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
    this.count++;
    this.histogram[Math.min(HISTOGRAM_MS, Math.max(0, Math.round(lagMs)))]! += 1;
    this.max = this.max === null ? lagMs : Math.max(this.max, lagMs);
    this.last = lagMs;
  }

  private overall(q: number): number {
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let ms = 0; ms < this.histogram.length; ms++) {
      seen += this.histogram[ms] ?? 0;
      if (seen >= rank) return ms;
    }
    return HISTOGRAM_MS;
  }

  figures(): LagFigures {
    if (this.filled === 0)
      return { samples: 0, p50Ms: null, p99Ms: null, maxMs: null, lastMs: null, overallP50Ms: null, overallP99Ms: null };
    const sorted = this.recent.slice(0, this.filled).sort();
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
    return {
      samples: this.count,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: this.max,
      lastMs: this.last,
      overallP50Ms: this.overall(0.5),
      overallP99Ms: this.overall(0.99),
    };
  }
}
