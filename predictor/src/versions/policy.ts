import type { CatalogSnapshot, VersionSnapshot } from './states';

/**
 * Which version should serve, and what to do next to get there: stateless and idempotent, a
 * function of the catalog's snapshot only, so the swap, the status, pin and rollback all ask the
 * same rule. Versions only move forward, unless an operator pinned one.
 */
export type Action =
  /** Nothing to do: the version that should serve is the one serving, or next to. */
  | { kind: 'none' }
  /** A load is in progress: decide again once it is done. */
  | { kind: 'wait'; version: number }
  /** Load this version (then stage it if it is still wanted). */
  | { kind: 'load'; version: number; pinned: boolean }
  /** The serving version should go on serving: drop the ready one before it takes over. */
  | { kind: 'unstage'; version: number };

/** The version the next batch takes: the ready one, else the serving one. */
export function nextToServe(snapshot: CatalogSnapshot): number | null {
  return find(snapshot, 'ready') ?? find(snapshot, 'serving');
}

/**
 * The version that should serve: the pinned one when it can, else the newest that can, so a pin
 * that cannot be met (unknown, rejected, or its record dropped) never leaves a replica serving nothing.
 */
export function target(snapshot: CatalogSnapshot): { version: number; pinned: boolean } | null {
  const pinned = snapshot.versions.find((v) => v.version === snapshot.pin);
  if (pinned !== undefined && canServe(pinned)) return { version: pinned.version, pinned: true };
  const newest = snapshot.versions.find(canServe);
  return newest === undefined ? null : { version: newest.version, pinned: false };
}

export function nextAction(snapshot: CatalogSnapshot): Action {
  const loading = find(snapshot, 'loading');
  if (loading !== null) return { kind: 'wait', version: loading };
  const wanted = target(snapshot);
  if (wanted === null || !movesTo(snapshot, wanted)) return { kind: 'none' };
  const ready = find(snapshot, 'ready');
  if (ready !== null && wanted.version === find(snapshot, 'serving')) return { kind: 'unstage', version: ready };
  return { kind: 'load', version: wanted.version, pinned: wanted.pinned };
}

/** Whether a version that finished loading should be staged: it is still the one that should serve. */
export function keepLoaded(snapshot: CatalogSnapshot, version: number): boolean {
  const wanted = target(snapshot);
  return wanted !== null && wanted.version === version && movesTo(snapshot, wanted);
}

/** Why a version just read will not serve now (for the log), or null when it may. */
export function notServingYet(snapshot: CatalogSnapshot, version: number): 'not-newer' | 'pinned-elsewhere' | null {
  if (snapshot.pin !== null) return snapshot.pin === version ? null : 'pinned-elsewhere';
  const next = nextToServe(snapshot);
  return next !== null && version <= next ? 'not-newer' : null;
}

/** True when a pin is set that this replica cannot follow (the newest valid version serves instead). */
export function pinUnmet(snapshot: CatalogSnapshot): boolean {
  return snapshot.pin !== null && target(snapshot)?.pinned !== true;
}

/** Where a rollback without a version goes: the newest valid version older than the one next to serve. */
export function rollbackTarget(snapshot: CatalogSnapshot): number | null {
  const from = find(snapshot, 'serving') ?? find(snapshot, 'ready');
  if (from === null) return null;
  return snapshot.versions.find((v) => v.version < from && canServe(v))?.version ?? null;
}

/** A version can serve when it never failed and is loaded, or can be loaded from its kept record. */
function canServe(v: VersionSnapshot): boolean {
  return v.state !== 'rejected' && (v.loadable || v.state === 'ready' || v.state === 'serving');
}

/** Forward only, unless pinned; and never to the version already next. */
function movesTo(snapshot: CatalogSnapshot, wanted: { version: number; pinned: boolean }): boolean {
  const next = nextToServe(snapshot);
  if (wanted.version === next) return false;
  return wanted.pinned || next === null || wanted.version > next;
}

function find(snapshot: CatalogSnapshot, state: 'ready' | 'serving' | 'loading'): number | null {
  return snapshot.versions.find((v) => v.state === state)?.version ?? null;
}
