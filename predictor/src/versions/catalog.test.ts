import assert from 'node:assert/strict';
import { ModelCatalog } from './catalog';
import { target } from './policy';
import { publishedRecord } from './record-fixture';

const record = publishedRecord;

/** A catalog past catch-up, trimming records as it goes. */
function ready(keep: number): ModelCatalog {
  const catalog = new ModelCatalog(keep);
  catalog.startTrimming();
  return catalog;
}

describe('ModelCatalog', () => {
  it('targets the newest version that was not rejected', () => {
    const catalog = ready(10);
    assert.equal(target(catalog.snapshot()), null);
    for (const v of [1, 3, 2]) catalog.add(record(v));
    assert.deepEqual(target(catalog.snapshot()), { version: 3, pinned: false });
    catalog.move(3, 'loading'); // only a load can reject a version
    catalog.reject(3, 'bad checksum');
    assert.deepEqual(target(catalog.snapshot()), { version: 2, pinned: false }, 'a rejected newest version falls back to the one before');
  });

  it('targets the pinned version, older or not, until unpinned', () => {
    const catalog = ready(10);
    for (const v of [1, 2, 3]) catalog.add(record(v));
    catalog.setPin(1);
    catalog.add(record(4));
    assert.deepEqual(target(catalog.snapshot()), { version: 1, pinned: true }, 'a newer version does not move a pin');
    catalog.setPin(null);
    assert.deepEqual(target(catalog.snapshot()), { version: 4, pinned: false });
  });

  it('falls back to the newest valid version for a pin it cannot meet: unknown or rejected version', () => {
    const catalog = ready(10);
    catalog.add(record(1));
    catalog.setPin(5);
    assert.deepEqual(target(catalog.snapshot()), { version: 1, pinned: false }, 'v5 has not been read yet');
    catalog.add(record(5));
    assert.deepEqual(target(catalog.snapshot()), { version: 5, pinned: true }, 'the pin is met once v5 arrives');
    catalog.move(5, 'loading'); // only a load can reject a version
    catalog.reject(5, 'unsigned');
    assert.deepEqual(target(catalog.snapshot()), { version: 1, pinned: false });
  });

  it('keeps every record while the topic is read from its start, so a pin later in the log finds its version', () => {
    const catalog = new ModelCatalog(2);
    for (const v of [1, 2, 3, 4]) catalog.add(record(v));
    catalog.setPin(1);
    catalog.startTrimming();
    assert.deepEqual(target(catalog.snapshot()), { version: 1, pinned: true });
    assert.deepEqual(
      catalog.newestFirst().map((e) => e.record !== null),
      [true, true, false, true],
      'then only the newest two and the pinned one keep their records',
    );
  });

  it("keeps the records of the newest versions and of the pin only, but every version's metadata", () => {
    const catalog = ready(2);
    catalog.add(record(1));
    catalog.setPin(1);
    for (const v of [2, 3, 4]) catalog.add(record(v));
    assert.deepEqual(
      catalog.newestFirst().map((e) => [e.version, e.record !== null]),
      [
        [4, true],
        [3, true],
        [2, false],
        [1, true],
      ],
    );
    assert.equal(catalog.get(2)?.heldOut.accuracy, 0.2);
  });
});

describe('version states', () => {
  it('allows only the moves of the table, and says which move it refused', () => {
    const catalog = ready(10);
    catalog.add(record(1));
    assert.throws(() => catalog.move(1, 'serving'), /version 1: no move from seen to serving/);
    catalog.move(1, 'loading');
    catalog.move(1, 'ready');
    catalog.move(1, 'serving');
    assert.throws(() => catalog.move(1, 'seen'), /version 1: no move from serving to seen/);
    catalog.move(1, 'retired');
    catalog.move(1, 'loading');
    catalog.reject(1, 'bad');
    assert.throws(() => catalog.move(1, 'loading'), /no move from rejected to loading/, 'a rejected version never loads again');
    assert.throws(() => catalog.move(9, 'loading'), /version 9: no move from unknown to loading/);
  });

  it('lets a republished version that was rejected be tried again', () => {
    const catalog = ready(10);
    catalog.add(record(1));
    catalog.move(1, 'loading');
    catalog.reject(1, 'bad');
    catalog.add(record(1));
    assert.equal(catalog.get(1)?.state, 'seen');
    assert.equal(catalog.get(1)?.rejection, null);
  });
});
