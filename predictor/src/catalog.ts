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

  constructor(private readonly keepRecords: number) {
    if (!Number.isInteger(keepRecords) || keepRecords < 1) throw new RangeError(`keepRecords ${keepRecords} is not a positive integer`);
  }

  get pinned(): number | null {
    return this.pin;
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

  /** The version that should serve now, or null when none can (nothing valid, or the pin cannot be met). */
  target(): number | null {
    if (this.pin !== null) {
      const pinned = this.entries.get(this.pin);
      return pinned !== undefined && pinned.rejection === null && pinned.record !== null ? this.pin : null;
    }
    for (const entry of this.newestFirst()) {
      if (entry.rejection === null && entry.record !== null) return entry.version;
    }
    return null;
  }

  /** The newest version older than `version` that could serve: where a rollback goes by default. */
  previousServable(version: number): number | null {
    for (const entry of this.newestFirst()) {
      if (entry.version < version && entry.rejection === null && entry.record !== null) return entry.version;
    }
    return null;
  }

  newestFirst(): CatalogEntry[] {
    return [...this.entries.values()].sort((a, b) => b.version - a.version);
  }

  private dropOldRecords(): void {
    let kept = 0;
    for (const entry of this.newestFirst()) {
      if (entry.record === null || entry.version === this.pin) continue;
      if (kept < this.keepRecords) kept++;
      else entry.record = null;
    }
  }
}
