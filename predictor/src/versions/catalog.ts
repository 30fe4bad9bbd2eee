import type { HeldOutMetrics, ModelRecord } from '@hotswap/shared';

/** What the predictor knows about one published version, whether or not it is loaded. */
export interface CatalogEntry {
  version: number;
  architecture: string;
  createdAt: number;
  heldOut: HeldOutMetrics;
  /** Why the version can never serve (failed verification or loading), else null. */
  rejection: string | null;
  /** The record, kept so the version can be loaded again (a pin, a rollback); null once dropped. */
  record: ModelRecord | null;
}

/**
 * Every version of one model read from the model topic, and the operator's pin. Decides which
 * version should serve: the pinned one, else the newest that was not rejected. Pure: loading and
 * serving are the caller's. Records (the weights) are kept for the newest `keepRecords` versions
 * and the pinned one; older entries keep their metadata only.
 */
export class ModelCatalog {
  private readonly entries = new Map<number, CatalogEntry>();
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

  /** Adds a published version; a republished version replaces its entry. */
  add(record: ModelRecord): void {
    this.entries.set(record.version, {
      version: record.version,
      architecture: record.architecture,
      createdAt: record.createdAt,
      heldOut: record.metrics,
      rejection: null,
      record,
    });
    this.dropOldRecords();
  }

  get(version: number): CatalogEntry | undefined {
    return this.entries.get(version);
  }

  reject(version: number, reason: string): void {
    const entry = this.entries.get(version);
    if (entry === undefined) return;
    entry.rejection = reason;
    entry.record = null;
  }

  /** Pins a version (null unpins). A pin may name a version not read yet: it serves once it arrives. */
  setPin(version: number | null): void {
    this.pin = version;
    this.dropOldRecords();
  }

  /**
   * The version that should serve now: the pinned one when it can (`pinned` true), else the newest
   * valid one, so a pin that cannot be met (unknown, rejected, or its record dropped) never leaves a
   * replica serving nothing. Null when no version can serve.
   */
  target(): { version: number; pinned: boolean } | null {
    if (this.pin !== null && this.servable(this.entries.get(this.pin))) return { version: this.pin, pinned: true };
    const newest = this.newestFirst().find((entry) => this.servable(entry));
    return newest === undefined ? null : { version: newest.version, pinned: false };
  }

  private servable(entry: CatalogEntry | undefined): boolean {
    return entry !== undefined && entry.rejection === null && entry.record !== null;
  }

  newestFirst(): CatalogEntry[] {
    return [...this.entries.values()].sort((a, b) => b.version - a.version);
  }

  private dropOldRecords(): void {
    if (!this.trimming) return;
    let kept = 0;
    for (const entry of this.newestFirst()) {
      if (entry.record === null || entry.version === this.pin) continue;
      if (kept < this.keepRecords) kept++;
      else entry.record = null;
    }
  }
}
