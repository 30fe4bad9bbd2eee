import type { ReplicaRow } from './view';

/** Whole seconds behind a replica's rate. */
const RATE_SECONDS = 5;

interface Replica {
  model: string;
  version: number;
  predictions: number;
  lastAt: number;
  /** Predictions by the second of their predictedAt, for the last few seconds. */
  perSecond: Map<number, number>;
}

/** Each predictor replica (the prediction record's `predictor`): the version it serves and its predictions per second. */
export class ReplicaBook {
  private readonly replicas = new Map<string, Replica>();

  onPrediction(replica: string, model: string, version: number, predictedAt: number): void {
    let r = this.replicas.get(replica);
    if (r === undefined) {
      r = { model, version, predictions: 0, lastAt: predictedAt, perSecond: new Map() };
      this.replicas.set(replica, r);
    }
    r.predictions++;
    // The version of its newest prediction is the one it serves.
    if (predictedAt >= r.lastAt) {
      r.lastAt = predictedAt;
      r.model = model;
      r.version = version;
    }
    const second = Math.floor(predictedAt / 1000);
    r.perSecond.set(second, (r.perSecond.get(second) ?? 0) + 1);
    if (r.perSecond.size > RATE_SECONDS * 3) {
      const newest = Math.floor(r.lastAt / 1000);
      for (const s of r.perSecond.keys()) if (s < newest - RATE_SECONDS * 2) r.perSecond.delete(s);
    }
  }

  /** Predictions per second over the RATE_SECONDS whole seconds before `now`. */
  private rate(r: Replica, now: number): number {
    const current = Math.floor(now / 1000);
    let sum = 0;
    for (let s = current - RATE_SECONDS; s < current; s++) sum += r.perSecond.get(s) ?? 0;
    return sum / RATE_SECONDS;
  }

  rows(now: number): ReplicaRow[] {
    return [...this.replicas.entries()]
      .map(([replica, r]) => ({
        replica,
        model: r.model,
        version: r.version,
        predictions: r.predictions,
        perSecond: this.rate(r, now),
        lastAt: r.lastAt,
      }))
      .sort((a, b) => (a.replica < b.replica ? -1 : a.replica > b.replica ? 1 : 0));
  }

  /** The model and version of the newest prediction, of whichever replica. */
  newest(): { model: string; version: number } | null {
    let best: Replica | null = null;
    for (const r of this.replicas.values()) if (best === null || r.lastAt > best.lastAt) best = r;
    return best === null ? null : { model: best.model, version: best.version };
  }

  /** Replicas by the version they serve (`model@version`), less those silent `silentMs` before the newest prediction. */
  servingCounts(silentMs: number): Map<string, number> {
    const counts = new Map<string, number>();
    const newest = Math.max(0, ...[...this.replicas.values()].map((r) => r.lastAt));
    for (const r of this.replicas.values()) {
      if (newest - r.lastAt > silentMs) continue;
      const key = `${r.model}@${r.version}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }
}
