import { PageHinkley, type PageHinkleySettings } from './page-hinkley';

/** A rise in the serving version's error rate, as detected. */
export interface Drift {
  champion: number;
  /** Labelled predictions by it the detector had seen since it last started afresh. */
  observed: number;
  statistic: number;
}

/**
 * Watches the serving version's live errors for a rise. A new serving version starts the watch
 * afresh (its error level is its own); while the loop acts on a drift (training, then judging a
 * challenger) the watch is paused, so one drift yields one challenger. Pure.
 */
export class DriftWatch {
  private readonly detector: PageHinkley;
  private champion: number | null = null;
  private paused = false;

  constructor(settings: PageHinkleySettings) {
    this.detector = new PageHinkley(settings);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** One labelled prediction by `version`; the drift when one is detected (the watch then pauses). */
  observe(version: number, correct: boolean): Drift | null {
    if (version !== this.champion) {
      this.champion = version;
      this.detector.reset();
      this.paused = false;
    }
    if (this.paused) return null;
    if (!this.detector.add(correct ? 0 : 1)) return null;
    this.paused = true;
    return { champion: version, observed: this.detector.samples, statistic: this.detector.statistic };
  }

  /** Watches again from scratch (the challenger was rejected, or could not be trained). */
  resume(): void {
    this.detector.reset();
    this.paused = false;
  }
}
