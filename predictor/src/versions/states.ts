/**
 * Each published version's state, in one place, and the moves between states that are allowed:
 *
 *   seen ──▶ loading ──▶ ready ──▶ serving ──▶ retired
 *     ▲         │  │  │     ▲  │                     │
 *     └─────────┘  │  │     │  └──▶ seen            └──▶ loading (a pin or rollback back to it)
 *   (load result   │  └──▶ shadow ──▶ seen (dropped as challenger)
 *    not wanted)   └──▶ rejected
 *
 * seen: read from the model topic, not loaded. loading: being verified, loaded and warmed up.
 * ready: loaded, takes the traffic at the next batch. serving: takes the traffic. retired: served,
 * then replaced (disposed once its last batch ends). rejected: failed verification or loading; never
 * serves. shadow: a candidate loaded as the challenger, predicting every batch beside the serving
 * version without writing; promoted, it is staged as it is, without loading again. Pure: no I/O, no TensorFlow; the caller does the work a move stands for.
 */
export type VersionState = 'seen' | 'loading' | 'ready' | 'serving' | 'retired' | 'rejected' | 'shadow';

const MOVES: Readonly<Record<VersionState, readonly VersionState[]>> = {
  seen: ['loading'],
  // A load whose result is no longer wanted (a newer version or a pin came meanwhile) goes back to seen.
  loading: ['ready', 'rejected', 'seen', 'shadow'],
  // Superseded before it ever served: disposed, back to seen.
  ready: ['serving', 'seen'],
  serving: ['retired'],
  retired: ['loading'],
  rejected: [],
  // Promoted: staged as loaded. Decided otherwise, or superseded by an earlier candidate: unloaded.
  shadow: ['ready', 'seen'],
};

/** A move the table does not allow: a bug in the caller, never a user's error. */
export class InvalidMove extends Error {
  constructor(version: number, from: VersionState | undefined, to: VersionState) {
    super(`version ${version}: no move from ${from ?? 'unknown'} to ${to}`);
    this.name = 'InvalidMove';
  }
}

/**
 * A version's standing apart from its state: a release may serve once valid; a candidate only once
 * promoted on live evidence, and a rejected candidate never.
 */
export type Standing = 'release' | 'candidate' | 'promoted' | 'lost';

/** What the policy knows of one version: its state, and whether its record is still kept to load it from. */
export interface VersionSnapshot {
  version: number;
  state: VersionState;
  standing: Standing;
  /** False when its record (the weights) was dropped to save memory: it cannot be loaded again. */
  loadable: boolean;
}

/** Every version of one model, newest first, and the operator's pin: all that nextAction decides on. */
export interface CatalogSnapshot {
  versions: readonly VersionSnapshot[];
  pin: number | null;
}

/** Whether the table allows a move. */
export function canMove(from: VersionState, to: VersionState): boolean {
  return MOVES[from].includes(to);
}
