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
  | { kind: 'unstage'; version: number }
  /** The version that should serve is the challenger, loaded already: stage it as it is. */
  | { kind: 'stage-challenger'; version: number }
  /** Load this candidate as the challenger, to be scored beside the serving version. */
  | { kind: 'load-challenger'; version: number }
  /** The challenger is decided or no longer the one to score: unload it. */
  | { kind: 'drop-challenger'; version: number };

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

/** What serves comes first; then the challenger. One load at a time. */
export function nextAction(snapshot: CatalogSnapshot): Action {
  const loading = find(snapshot, 'loading');
  if (loading !== null) return { kind: 'wait', version: loading };
  const wanted = target(snapshot);
  if (wanted !== null && movesTo(snapshot, wanted)) {
    const ready = find(snapshot, 'ready');
    if (ready !== null && wanted.version === find(snapshot, 'serving')) return { kind: 'unstage', version: ready };
    if (wanted.version === find(snapshot, 'shadow')) return { kind: 'stage-challenger', version: wanted.version };
    return { kind: 'load', version: wanted.version, pinned: wanted.pinned };
  }
  const scoring = find(snapshot, 'shadow');
  const challenger = challengerTarget(snapshot);
  if (scoring !== null && scoring !== challenger) return { kind: 'drop-challenger', version: scoring };
  if (scoring === null && challenger !== null) return { kind: 'load-challenger', version: challenger };
  return { kind: 'none' };
}

/**
 * The candidate to score beside the serving version: the oldest undecided one that can load, so
 * candidates are decided in the order they were published. None while nothing serves (nothing to
 * pair it with) or before the catalog is read.
 */
export function challengerTarget(snapshot: CatalogSnapshot): number | null {
  if (find(snapshot, 'serving') === null) return null;
  const waiting = snapshot.versions.filter(
    (v) => v.standing === 'candidate' && v.state !== 'rejected' && (v.loadable || v.state === 'shadow'),
  );
  return waiting.at(-1)?.version ?? null;
}

/** Whether a candidate that finished loading should stay loaded as the challenger. */
export function keepChallenger(snapshot: CatalogSnapshot, version: number): boolean {
  return challengerTarget(snapshot) === version && target(snapshot)?.version !== version;
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

/** A version can serve when it never failed, is a release or a promoted candidate, and is loaded or can be loaded. */
function canServe(v: VersionSnapshot): boolean {
  if (v.state === 'rejected' || v.standing === 'candidate' || v.standing === 'lost') return false;
  return v.loadable || v.state === 'ready' || v.state === 'serving' || v.state === 'shadow';
}

/** Forward only, unless pinned; and never to the version already next. */
function movesTo(snapshot: CatalogSnapshot, wanted: { version: number; pinned: boolean }): boolean {
  const next = nextToServe(snapshot);
  if (wanted.version === next) return false;
  return wanted.pinned || next === null || wanted.version > next;
}

function find(snapshot: CatalogSnapshot, state: 'ready' | 'serving' | 'loading' | 'shadow'): number | null {
  return snapshot.versions.find((v) => v.state === state)?.version ?? null;
}
