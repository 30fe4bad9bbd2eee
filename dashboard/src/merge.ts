import type { AccuracyPoint, DeltaMessage, SnapshotMessage } from './view';

/** The page's state after a message: a snapshot replaces it, a delta replaces its points from `pointsFrom` on and the rest. */
export function applyMessage(
  current: SnapshotMessage | null,
  kind: 'snapshot' | 'delta',
  message: SnapshotMessage | DeltaMessage,
): SnapshotMessage | null {
  if (kind === 'snapshot') return message as SnapshotMessage;
  // A delta before any snapshot cannot be placed: wait for the next snapshot.
  if (current === null) return null;
  const delta = message as DeltaMessage;
  if (delta.pointsFrom > current.points.length) return null;
  const points: AccuracyPoint[] = current.points.slice(0, delta.pointsFrom).concat(delta.points);
  const { pointsFrom: _from, ...state } = delta;
  return { ...state, points };
}
