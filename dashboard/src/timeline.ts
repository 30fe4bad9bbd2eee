import type { AccuracyPoint } from './view';

/**
 * The running and window accuracy of every prediction, all replicas together, as points over time.
 * One point per time bucket (the state at its end); when the points exceed `maxPoints` every pair
 * becomes one and the bucket doubles, so hours of history stay a few hundred points.
 */
export class AccuracyTimeline {
  private readonly points: AccuracyPoint[] = [];
  private bucketMs: number;
  /** Index of the first point changed since the last takeChanges(). */
  private changedFrom = 0;
  private labelled = 0;
  private correct = 0;
  private predictions = 0;
  private readonly windowOutcomes: Uint8Array;
  private windowFilled = 0;
  private windowNext = 0;
  private windowCorrect = 0;
  /** The newest predictedAt seen: records from replicas a little behind count in the current bucket. */
  private clock = 0;

  constructor(
    readonly windowSize: number,
    private readonly maxPoints = 1000,
    initialBucketMs = 1000,
  ) {
    if (windowSize < 1) throw new Error(`window size ${windowSize} is not >= 1`);
    if (maxPoints < 4) throw new Error(`maxPoints ${maxPoints} is not >= 4`);
    this.windowOutcomes = new Uint8Array(windowSize);
    this.bucketMs = initialBucketMs;
  }

  /** Counts one prediction: `correct` is null for an unlabelled sample. */
  add(predictedAt: number, correct: boolean | null): void {
    this.predictions++;
    if (correct !== null) {
      this.labelled++;
      if (correct) this.correct++;
      this.addToWindow(correct ? 1 : 0);
    }
    this.clock = Math.max(this.clock, predictedAt);
    const bucket = Math.floor(this.clock / this.bucketMs);
    const last = this.points[this.points.length - 1];
    const point = { t: this.clock, running: this.running, window: this.window, predictions: this.predictions };
    if (last !== undefined && Math.floor(last.t / this.bucketMs) === bucket) {
      this.points[this.points.length - 1] = point;
      this.changedFrom = Math.min(this.changedFrom, this.points.length - 1);
    } else {
      this.points.push(point);
      this.changedFrom = Math.min(this.changedFrom, this.points.length - 1);
      if (this.points.length > this.maxPoints) this.halve();
    }
  }

  private addToWindow(outcome: 0 | 1): void {
    if (this.windowFilled === this.windowSize) this.windowCorrect -= this.windowOutcomes[this.windowNext] ?? 0;
    else this.windowFilled++;
    this.windowOutcomes[this.windowNext] = outcome;
    this.windowCorrect += outcome;
    this.windowNext = (this.windowNext + 1) % this.windowSize;
  }

  /** Doubles the bucket: of the points in one new bucket the last stands for it (each is a state, not a sum). */
  private halve(): void {
    this.bucketMs *= 2;
    const kept: AccuracyPoint[] = [];
    for (const p of this.points) {
      const last = kept[kept.length - 1];
      if (last !== undefined && Math.floor(last.t / this.bucketMs) === Math.floor(p.t / this.bucketMs)) kept[kept.length - 1] = p;
      else kept.push(p);
    }
    this.points.splice(0, this.points.length, ...kept);
    this.changedFrom = 0;
  }

  get running(): number | null {
    return this.labelled === 0 ? null : this.correct / this.labelled;
  }

  get window(): number | null {
    return this.windowFilled === 0 ? null : this.windowCorrect / this.windowFilled;
  }

  get totals(): { predictions: number; labelled: number; correct: number } {
    return { predictions: this.predictions, labelled: this.labelled, correct: this.correct };
  }

  get bucket(): number {
    return this.bucketMs;
  }

  all(): AccuracyPoint[] {
    return this.points.slice();
  }

  /** The points changed since the last call, from the index where the page's copy must be replaced. */
  takeChanges(): { from: number; points: AccuracyPoint[] } {
    const from = Math.min(this.changedFrom, this.points.length);
    this.changedFrom = this.points.length;
    return { from, points: this.points.slice(from) };
  }
}
