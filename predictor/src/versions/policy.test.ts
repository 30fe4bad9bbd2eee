import assert from 'node:assert/strict';
import { keepLoaded, nextAction, rollbackTarget } from './policy';
import type { CatalogSnapshot, VersionState } from './states';

/** A snapshot from `version:state` pairs, newest first, every record kept. */
function snapshot(pin: number | null, ...versions: [number, VersionState][]): CatalogSnapshot {
  return { pin, versions: versions.map(([version, state]) => ({ version, state, loadable: true })) };
}

describe('version policy: nextAction', () => {
  it('loads the newest version that can serve, and nothing while one loads', () => {
    assert.deepEqual(nextAction(snapshot(null)), { kind: 'none' });
    assert.deepEqual(nextAction(snapshot(null, [2, 'seen'], [1, 'serving'])), { kind: 'load', version: 2, pinned: false });
    assert.deepEqual(nextAction(snapshot(null, [3, 'seen'], [2, 'loading'], [1, 'serving'])), { kind: 'wait', version: 2 });
    assert.deepEqual(nextAction(snapshot(null, [2, 'ready'], [1, 'serving'])), { kind: 'none' }, 'v2 is next already');
  });

  it('moves forward only, unless pinned, and skips rejected versions and dropped records', () => {
    assert.deepEqual(nextAction(snapshot(null, [3, 'rejected'], [2, 'serving'], [1, 'seen'])), { kind: 'none' });
    assert.deepEqual(nextAction(snapshot(1, [2, 'serving'], [1, 'retired'])), { kind: 'load', version: 1, pinned: true });
    const dropped: CatalogSnapshot = {
      pin: 1,
      versions: [
        { version: 2, state: 'serving', loadable: true },
        { version: 1, state: 'seen', loadable: false },
      ],
    };
    assert.deepEqual(nextAction(dropped), { kind: 'none' }, 'a pin whose record was dropped cannot be met');
  });

  it('keeps the serving version when it is pinned while a newer one is staged: the staged one goes', () => {
    assert.deepEqual(nextAction(snapshot(1, [2, 'ready'], [1, 'serving'])), { kind: 'unstage', version: 2 });
  });

  it('keeps a finished load only if it is still the version that should serve', () => {
    assert.equal(keepLoaded(snapshot(null, [2, 'loading'], [1, 'serving']), 2), true);
    assert.equal(keepLoaded(snapshot(null, [3, 'seen'], [2, 'loading'], [1, 'serving']), 2), false);
    assert.equal(keepLoaded(snapshot(1, [2, 'loading'], [1, 'serving']), 2), false, 'pinned to the serving v1 meanwhile');
  });

  it('rolls back to the newest valid version older than the serving (or, before its first batch, the staged) one', () => {
    assert.equal(rollbackTarget(snapshot(null, [4, 'serving'], [3, 'rejected'], [2, 'seen'], [1, 'retired'])), 2);
    assert.equal(rollbackTarget(snapshot(null, [2, 'ready'], [1, 'seen'])), 1);
    assert.equal(rollbackTarget(snapshot(null, [1, 'serving'])), null);
  });
});
