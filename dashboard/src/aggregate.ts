import { LagTracker } from './lag';
import { MarkerLog } from './markers';
import { MistakeGallery, type SampleFeatures } from './mistakes';
import type { SeenControl, SeenModel, SeenPrediction } from './records';
import { ReplicaBook } from './replicas';
import { AccuracyTimeline } from './timeline';
import { VersionBook } from './versions';
import type { DashboardState, DeltaMessage, SnapshotMessage } from './view';

export interface AggregateLimits {
  /** Labelled predictions behind the window accuracy. */
  window: number;
  maxPoints: number;
  mistakes: number;
  featurePoints: number;
  /** Samples kept for the join with predictions that come later. */
  recentSamples: number;
  /** Predictions kept waiting for a sample that comes later. */
  wantedSamples: number;
}

export const DEFAULT_LIMITS: AggregateLimits = {
  window: 500,
  maxPoints: 1000,
  mistakes: 12,
  featurePoints: 600,
  recentSamples: 20_000,
  wantedSamples: 2_000,
};

/** A replica silent this long before the newest prediction no longer counts as serving its version. */
const SILENT_MS = 30_000;

/**
 * Everything the page shows, aggregated from the three topics' records as they are read. Pure: no
 * I/O, no clock of its own (the reader passes the time a record arrived); the server takes
 * snapshots and deltas from it at most a few times a second, so it keeps up with the topic.
 */
export class DashboardAggregate {
  private readonly timeline: AccuracyTimeline;
  private readonly markers = new MarkerLog();
  private readonly versions = new VersionBook();
  private readonly replicas = new ReplicaBook();
  private readonly gallery: MistakeGallery;
  private readonly lag = new LagTracker();
  private readonly datasets = new Set<string>();
  private unreadable = 0;
  private caughtUp = false;
  private changed = true;

  constructor(readonly limits: AggregateLimits = DEFAULT_LIMITS) {
    this.timeline = new AccuracyTimeline(limits.window, limits.maxPoints);
    this.gallery = new MistakeGallery(limits.mistakes, limits.featurePoints, {
      recent: limits.recentSamples,
      wanted: limits.wantedSamples,
    });
  }

  /** A prediction read at `receivedAt`; its lag counts once the topic's backlog has been read (`live`). */
  addPrediction(p: SeenPrediction, receivedAt: number, live: boolean): void {
    this.changed = true;
    if (live) this.lag.add(Math.max(0, receivedAt - p.predictedAt));
    this.timeline.add(p.predictedAt, p.correct);
    this.versions.onPrediction(p);
    this.replicas.onPrediction(p.predictor, p.model.name, p.model.version, p.predictedAt);
    this.markers.onPrediction(p.predictor, p.model.name, p.model.version, p.predictedAt);
    if (p.label === null) return;
    const { name, version } = p.model;
    this.gallery.onLabelled({
      sampleId: p.sampleId,
      at: p.predictedAt,
      model: name,
      version,
      predicted: p.predicted,
      predictedClass: p.predictedClass,
      label: p.label,
      labelClass: this.versions.className(name, version, p.label),
      confidence: p.confidence,
      replica: p.predictor,
    });
  }

  addModel(model: SeenModel): void {
    this.changed = true;
    this.datasets.add(model.dataset);
    this.versions.onModel(model);
  }

  addControl(control: SeenControl, recordTime: number): void {
    this.changed = true;
    this.markers.onControl(control, recordTime);
  }

  addSample(sampleId: string, dataset: string, features: SampleFeatures): void {
    if (!this.datasets.has(dataset)) {
      this.datasets.add(dataset);
      this.changed = true;
    }
    this.gallery.onSample(sampleId, features);
  }

  /** A record that could not be read (counted on the page). */
  addUnreadable(): void {
    this.changed = true;
    this.unreadable++;
  }

  /** The prediction topic's backlog has been read: from now on records are live. */
  markCaughtUp(): void {
    this.changed = true;
    this.caughtUp = true;
  }

  /** Whether anything changed since the last call: nothing to push otherwise. */
  takeChanged(): boolean {
    const changed = this.changed || this.gallery.takeChanged();
    this.changed = false;
    return changed;
  }

  private state(now: number): DashboardState {
    const replicas = this.replicas.rows(now);
    const serving = this.replicas.newest();
    const totals = this.timeline.totals;
    return {
      now,
      datasets: [...this.datasets].sort(),
      caughtUp: this.caughtUp,
      totals: {
        ...totals,
        running: this.timeline.running,
        window: this.timeline.window,
        windowSize: this.timeline.windowSize,
        perSecond: replicas.reduce((sum, r) => sum + r.perSecond, 0),
        unreadable: this.unreadable,
      },
      bucketMs: this.timeline.bucket,
      markers: this.markers.all(),
      versions: this.versions.rows(this.replicas.servingCounts(SILENT_MS)),
      replicas,
      confusion: serving === null ? null : this.versions.confusion(serving.model, serving.version),
      mistakes: this.gallery.latest(),
      features: this.gallery.featurePoints(),
      lag: this.lag.figures(),
    };
  }

  /** Everything, for a page that just connected. Does not disturb the deltas other pages get. */
  snapshot(now: number): SnapshotMessage {
    return { ...this.state(now), points: this.timeline.all() };
  }

  /** What changed since the last delta (points), and the rest whole: what every connected page gets. */
  delta(now: number): DeltaMessage {
    const { from, points } = this.timeline.takeChanges();
    return { ...this.state(now), pointsFrom: from, points };
  }

  get joinSizes(): { recent: number; wanted: number } {
    return this.gallery.joinSizes;
  }
}
