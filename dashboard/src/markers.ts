import type { SeenControl } from './records';
import type { Marker } from './view';

/** Swaps closer than this on different replicas to the same version are one marker. */
const SAME_SWAP_MS = 60_000;

/**
 * The chart's vertical markers. A swap is seen in the predictions: a replica whose prediction is
 * by another version than its previous one. Every replica swaps on its own, so the swaps of
 * several replicas to one version within a minute are one marker that names them all. Control
 * records (pin, unpin, rollback, and any action added later) are markers of their own.
 */
export class MarkerLog {
  private readonly markers: Marker[] = [];
  private readonly servedBy = new Map<string, number>();
  private readonly versionsSeen = new Set<string>();

  constructor(private readonly maxMarkers = 200) {}

  /** Notes a prediction's version on its replica; true when it added or changed a marker. */
  onPrediction(replica: string, model: string, version: number, at: number): boolean {
    const key = `${replica}\u0000${model}`;
    const before = this.servedBy.get(key);
    if (before === version) return false;
    this.servedBy.set(key, version);
    const firstOfVersion = !this.versionsSeen.has(`${model}@${version}`);
    this.versionsSeen.add(`${model}@${version}`);
    // A replica that starts (or restarts) on a version already serving elsewhere is no swap.
    if (before === undefined && !firstOfVersion) return false;
    const kind = before === undefined ? (this.versionsSeen.size === 1 ? 'first' : 'swap') : 'swap';
    const same = this.markers.find(
      (m) => (m.kind === 'swap' || m.kind === 'first') && m.model === model && m.version === version && Math.abs(m.t - at) < SAME_SWAP_MS,
    );
    if (same !== undefined) {
      if (!same.replicas.includes(replica)) same.replicas.push(replica);
      return true;
    }
    this.push({ t: at, kind, model, version, from: before ?? null, replicas: [replica], detail: '' });
    return true;
  }

  onControl(control: SeenControl, recordTime: number): void {
    const who = control.requestedBy === null ? '' : `by ${control.requestedBy}`;
    const why = control.reason === null ? '' : `: ${control.reason}`;
    this.push({
      t: control.requestedAt ?? recordTime,
      kind: control.action,
      model: control.model,
      version: control.version,
      from: null,
      replicas: [],
      detail: `${who}${why}`.trim(),
    });
  }

  private push(marker: Marker): void {
    // Kept in time order: a control record may be read after predictions made later.
    let i = this.markers.length;
    while (i > 0 && (this.markers[i - 1]?.t ?? 0) > marker.t) i--;
    this.markers.splice(i, 0, marker);
    if (this.markers.length > this.maxMarkers) this.markers.shift();
  }

  all(): Marker[] {
    return this.markers.map((m) => ({ ...m, replicas: [...m.replicas] }));
  }
}
