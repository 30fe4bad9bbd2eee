import type { HeldOutMetrics, ModelRecord } from '@hotswap/shared/contracts';
import { InvalidMove, canMove, type CatalogSnapshot, type Standing, type VersionState } from './states';

/** What the predictor knows about one published version, whether or not it is loaded. */
export interface CatalogEntry {
  version: number;
  architecture: string;
  createdAt: number;
  heldOut: HeldOutMetrics;
  /** Where the version is in its life: the one place this is kept (see states.ts). */
  state: VersionState;
  /** Release, or a candidate and what was decided about it (see states.ts). */
  standing: Standing;
  /** Why the version can never serve (failed verification or loading, or lost on live data), else null. */
  rejection: string | null;
  /** The record, kept so the version can be loaded again (a pin, a rollback); null once dropped. */
  record: ModelRecord | null;
}

/**
 * Every version of one model read from the model topic, each with its state, and the operator's
 * pin. Pure: which version should serve is the policy's (policy.ts), loading is the caller's.
 * Records (the weights) are kept for the newest `keepRecords` versions, the pinned one and any
 * loaded one; older entries keep their metadata only.
 */
export class ModelCatalog {
  private readonly entries = new Map<number, CatalogEntry>();
  /** Decisions read before their candidate (a topic replayed out of order): applied when it arrives. */
  private readonly decisions = new Map<number, { promoted: boolean; reason: string }>();
  private pin: number | null = null;
  /** Off while the topic is read from its start: a pin later in the log must find its version's record kept. */
  private trimming = false;

  constructor(private readonly keepRecords: number) {
    if (!Number.isInteger(keepRecords) || keepRecords < 1) throw new RangeError(`keepRecords ${keepRecords} is not a positive integer`);
  }

  get pinned(): number | null {
    return this.pin;
  }

  /** Starts dropping old records (once the topic has been read to its end and the pin is known). */
  startTrimming(): void {
    this.trimming = true;
    this.dropOldRecords();
  }

  /**
   * Adds a published version as seen; a republished one replaces its record, and a rejected one may
   * be tried again. A candidate serves only once promoted; a decision already made about it stands.
   */
  add(record: ModelRecord, candidate = false): void {
    const known = this.entries.get(record.version);
    const state = known === undefined || known.state === 'rejected' ? 'seen' : known.state;
    const standing: Standing = !candidate
      ? 'release'
      : known?.standing === 'promoted' || known?.standing === 'lost'
        ? known.standing
        : 'candidate';
    this.entries.set(record.version, {
      version: record.version,
      architecture: record.architecture,
      createdAt: record.createdAt,
      heldOut: record.metrics,
      standing,
      state,
      rejection: standing === 'lost' ? (known?.rejection ?? null) : null,
      record,
    });
    const decided = this.decisions.get(record.version);
    if (decided !== undefined && candidate) {
      this.decisions.delete(record.version);
      this.decide(record.version, decided.promoted, decided.reason);
    }
    this.dropOldRecords();
  }

  /**
   * A decision on a candidate: promoted, it may serve; lost, it never will. A release is not
   * touched (decisions are about candidates); a decision is final, so a second one is ignored.
   * Returns whether it changed anything.
   */
  decide(version: number, promoted: boolean, reason: string): boolean {
    const entry = this.entries.get(version);
    if (entry === undefined) {
      this.decisions.set(version, { promoted, reason });
      return false;
    }
    if (entry.standing !== 'candidate') return false;
    entry.standing = promoted ? 'promoted' : 'lost';
    if (!promoted) entry.rejection = reason;
    return true;
  }

  get(version: number): CatalogEntry | undefined {
    return this.entries.get(version);
  }

  /** Moves a version to another state, as the table in states.ts allows; anything else is a bug and throws. */
  move(version: number, to: VersionState): void {
    const entry = this.entries.get(version);
    if (entry === undefined || !canMove(entry.state, to)) throw new InvalidMove(version, entry?.state, to);
    entry.state = to;
    this.dropOldRecords();
  }

  /** A load failed: the version can never serve, and its record is dropped. */
  reject(version: number, reason: string): void {
    this.move(version, 'rejected');
    const entry = this.entries.get(version) as CatalogEntry;
    entry.rejection = reason;
    entry.record = null;
  }

  /** Pins a version (null unpins). A pin may name a version not read yet: it serves once it arrives. */
  setPin(version: number | null): void {
    this.pin = version;
    this.dropOldRecords();
  }

  newestFirst(): CatalogEntry[] {
    return [...this.entries.values()].sort((a, b) => b.version - a.version);
  }

  /** What the policy decides on. */
  snapshot(): CatalogSnapshot {
    return {
      versions: this.newestFirst().map((e) => ({ version: e.version, state: e.state, standing: e.standing, loadable: e.record !== null })),
      pin: this.pin,
    };
  }

  private dropOldRecords(): void {
    if (!this.trimming) return;
    let kept = 0;
    for (const entry of this.newestFirst()) {
      if (entry.record === null || entry.version === this.pin || ['loading', 'ready', 'serving', 'shadow'].includes(entry.state)) continue;
      if (kept < this.keepRecords) kept++;
      else entry.record = null;
    }
  }
}
