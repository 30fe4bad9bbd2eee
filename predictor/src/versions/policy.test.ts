import assert from 'node:assert/strict';
import { challengerTarget, keepChallenger, keepLoaded, nextAction, rollbackTarget } from './policy';
import type { CatalogSnapshot, Standing, VersionState } from './states';

/** A snapshot from `version:state[:standing]` tuples, newest first, every record kept; releases unless said. */
function snapshot(pin: number | null, ...versions: ([number, VersionState] | [number, VersionState, Standing])[]): CatalogSnapshot {
  return {
    pin,
    versions: versions.map(([version, state, standing]) => ({ version, state, standing: standing ?? 'release', loadable: true })),
  };
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
        { version: 2, state: 'serving', standing: 'release', loadable: true },
        { version: 1, state: 'seen', standing: 'release', loadable: false },
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

describe('version policy: candidates and the challenger', () => {
  it('never serves a candidate before it is promoted: it is loaded as the challenger instead', () => {
    assert.deepEqual(nextAction(snapshot(null, [2, 'seen', 'candidate'], [1, 'serving'])), { kind: 'load-challenger', version: 2 });
    assert.equal(keepLoaded(snapshot(null, [2, 'loading', 'candidate'], [1, 'serving']), 2), false);
    assert.equal(keepChallenger(snapshot(null, [2, 'loading', 'candidate'], [1, 'serving']), 2), true);
  });

  it('scores nothing while no version serves: there is no champion to pair with', () => {
    assert.equal(challengerTarget(snapshot(null, [2, 'seen', 'candidate'], [1, 'loading'])), null);
    assert.deepEqual(nextAction(snapshot(null, [1, 'seen', 'candidate'])), { kind: 'none' });
  });

  it('decides candidates in the order they were published: the oldest undecided is the challenger', () => {
    assert.equal(challengerTarget(snapshot(null, [4, 'seen', 'candidate'], [3, 'seen', 'candidate'], [2, 'serving'])), 3);
    assert.equal(challengerTarget(snapshot(null, [4, 'seen', 'candidate'], [3, 'seen', 'lost'], [2, 'serving'])), 4);
    assert.equal(challengerTarget(snapshot(null, [4, 'seen', 'candidate'], [3, 'rejected', 'candidate'], [2, 'serving'])), 4);
  });

  it('promoted: the loaded challenger is staged as it is, not loaded again', () => {
    assert.deepEqual(nextAction(snapshot(null, [2, 'shadow', 'promoted'], [1, 'serving'])), { kind: 'stage-challenger', version: 2 });
  });

  it('rejected on evidence: the challenger is unloaded, and the next candidate takes its place after', () => {
    assert.deepEqual(nextAction(snapshot(null, [3, 'seen', 'candidate'], [2, 'shadow', 'lost'], [1, 'serving'])), {
      kind: 'drop-challenger',
      version: 2,
    });
    assert.deepEqual(nextAction(snapshot(null, [3, 'seen', 'candidate'], [2, 'seen', 'lost'], [1, 'serving'])), {
      kind: 'load-challenger',
      version: 3,
    });
  });

  it('a pin overrides a promotion: the pinned version serves, the promoted one waits like any newer release', () => {
    assert.deepEqual(nextAction(snapshot(1, [2, 'shadow', 'promoted'], [1, 'serving'])), { kind: 'drop-challenger', version: 2 });
    assert.deepEqual(nextAction(snapshot(1, [2, 'seen', 'promoted'], [1, 'serving'])), { kind: 'none' });
    assert.deepEqual(nextAction(snapshot(null, [2, 'seen', 'promoted'], [1, 'serving'])), { kind: 'load', version: 2, pinned: false });
  });

  it('a newer release replacing the champion comes first; the challenger stays and is scored against it', () => {
    assert.deepEqual(nextAction(snapshot(null, [3, 'seen'], [2, 'shadow', 'candidate'], [1, 'serving'])), {
      kind: 'load',
      version: 3,
      pinned: false,
    });
    assert.deepEqual(nextAction(snapshot(null, [3, 'serving'], [2, 'shadow', 'candidate'], [1, 'retired'])), { kind: 'none' });
  });
});
