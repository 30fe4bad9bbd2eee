import assert from 'node:assert/strict';
import { ModelRejected, type ModelControl } from '@hotswap/shared/contracts';
import { ControlRefused } from '../http/serving';
import { HotSwap, type SwapEvent } from './hot-swap';
import { publishedRecord } from './record-fixture';

const record = publishedRecord;

function control(action: ModelControl['action'], version: number | null): ModelControl {
  return { id: `c-${action}-${version}`, model: 'm', action, version, requestedAt: 1, requestedBy: 'test', reason: null };
}

/** A model as the fake loader makes it: which version, and which load made it. */
interface FakeModel {
  version: number;
  load: number;
}

/** The swap with a loader that loads at once unless told to fail a version or hold its load. */
function swapWithFakeLoader() {
  const loads: number[] = [];
  const disposed: number[] = [];
  const events: SwapEvent<FakeModel>[] = [];
  const failing = new Set<number>();
  const held = new Map<number, () => void>();
  const holding = new Set<number>();
  const swap = new HotSwap<FakeModel>(
    'm',
    10,
    {
      load: async (r) => {
        loads.push(r.version);
        const load = loads.length;
        if (holding.has(r.version)) {
          holding.delete(r.version);
          await new Promise<void>((resolve) => held.set(r.version, resolve));
        }
        if (failing.has(r.version)) throw new ModelRejected('checksum-mismatch', 'm', r.version, 'checksum mismatch');
        return { version: r.version, load };
      },
      dispose: (model) => disposed.push(model.version),
    },
    (e) => events.push(e),
  );
  /** The version the next batch predicts with. */
  const serving = () => {
    const lease = swap.acquire();
    swap.release(lease);
    return lease.version.version;
  };
  const states = () =>
    Object.fromEntries(swap.status(() => ({ accuracy: null, labelled: 0, predictions: 0 })).versions.map((v) => [v.version, v.state]));
  return { swap, loads, disposed, events, failing, held, holding, serving, states };
}

async function caughtUpWith(versions: number[]) {
  const t = swapWithFakeLoader();
  for (const v of versions) await t.swap.add(record(v));
  await t.swap.catchUp();
  return t;
}

describe('HotSwap: versions move forward', () => {
  it('serves only the newest version found while the topic was read, loading nothing before', async () => {
    const t = swapWithFakeLoader();
    for (const v of [1, 3, 2]) await t.swap.add(record(v));
    assert.deepEqual(t.loads, [], 'nothing loads during catch-up');
    await t.swap.catchUp();
    assert.deepEqual(t.loads, [3]);
    assert.equal(t.serving(), 3);
    assert.deepEqual(t.states(), { 3: 'serving', 2: 'available', 1: 'available' });
  });

  it('swaps a newer version in at the next batch, and retires the one before once its batch ends', async () => {
    const t = await caughtUpWith([1]);
    const batch = t.swap.acquire();
    await t.swap.add(record(2));
    assert.deepEqual(t.states(), { 2: 'staged', 1: 'serving' }, 'v2 waits for the next batch');
    assert.equal(batch.version.version, 1, 'the batch in flight keeps v1');
    assert.equal(t.serving(), 2);
    assert.deepEqual(t.disposed, [], 'v1 is still leased by the batch in flight');
    t.swap.release(batch);
    assert.deepEqual(t.disposed, [1]);
    assert.deepEqual(t.states(), { 2: 'serving', 1: 'available' });
  });

  it('never loads a version older than the one serving, and says why', async () => {
    const t = await caughtUpWith([3]);
    await t.swap.add(record(2));
    await t.swap.add(record(3));
    assert.deepEqual(t.loads, [3]);
    assert.equal(t.serving(), 3);
    const why = t.events.filter((e) => e.kind === 'not-serving').map((e) => e.kind === 'not-serving' && [e.version, e.why, e.next]);
    assert.deepEqual(why, [
      [2, 'not-newer', 3],
      [3, 'not-newer', 3],
    ]);
  });

  it('keeps serving v1 when v2 fails to load, marks v2 rejected with its reason, then takes v3', async () => {
    const t = await caughtUpWith([1]);
    t.failing.add(2);
    await t.swap.add(record(2));
    assert.equal(t.serving(), 1);
    const status = t.swap.status(() => ({ accuracy: null, labelled: 0, predictions: 0 }));
    assert.deepEqual(
      status.versions.map((v) => [v.version, v.state, v.rejection]),
      [
        [2, 'rejected', 'model m v2 rejected (checksum-mismatch): checksum mismatch'],
        [1, 'serving', null],
      ],
    );
    assert.ok(t.events.some((e) => e.kind === 'rejected' && e.reason === 'checksum-mismatch'));
    await t.swap.add(record(3));
    assert.equal(t.serving(), 3);
  });

  it('falls back past a rejected newest version to the one before it at catch-up', async () => {
    const t = swapWithFakeLoader();
    for (const v of [1, 2, 3]) await t.swap.add(record(v));
    t.failing.add(3);
    await t.swap.catchUp();
    assert.deepEqual(t.loads, [3, 2]);
    assert.equal(t.serving(), 2);
  });

  it('shows a version as loading while it loads, and drops a load overtaken by a newer version', async () => {
    const t = await caughtUpWith([1]);
    t.holding.add(2);
    const adding2 = t.swap.add(record(2));
    await new Promise((r) => setImmediate(r));
    assert.equal(t.states()[2], 'loading');
    // v3 arrives while v2 loads: one load at a time, so v3 waits for v2's to end.
    const adding3 = t.swap.add(record(3));
    assert.deepEqual(t.loads, [1, 2]);
    t.held.get(2)?.();
    await Promise.all([adding2, adding3]);
    assert.deepEqual(t.loads, [1, 2, 3], 'v3 loaded once v2 was done');
    assert.deepEqual(t.disposed, [2], 'v2, no longer wanted when its load ended, was disposed before it ever served');
    assert.ok(t.events.some((e) => e.kind === 'unwanted' && e.version === 2));
    assert.equal(t.serving(), 3);
    assert.deepEqual(t.states(), { 3: 'serving', 2: 'available', 1: 'available' });
  });
});

describe('HotSwap: pin, unpin and rollback', () => {
  it('serves a pinned older version at the next batch, holds newer ones, and serves the newest once unpinned', async () => {
    const t = await caughtUpWith([1, 2, 3]);
    await t.swap.control(control('pin', 1));
    assert.equal(t.serving(), 1);
    await t.swap.add(record(4));
    assert.deepEqual(t.loads, [3, 1], 'v4 is held back by the pin');
    assert.ok(t.events.some((e) => e.kind === 'not-serving' && e.version === 4 && e.why === 'pinned-elsewhere'));
    await t.swap.control(control('unpin', null));
    assert.equal(t.serving(), 4);
  });

  it('pinned to the serving version while a newer one is staged: keeps serving it, and drops the staged one unserved', async () => {
    const t = await caughtUpWith([1]);
    const batch = t.swap.acquire(); // a batch in flight, so v2 stays staged
    await t.swap.add(record(2));
    assert.deepEqual(t.states(), { 2: 'staged', 1: 'serving' });
    await t.swap.control(control('pin', 1));
    t.swap.release(batch);
    assert.deepEqual(t.states(), { 2: 'available', 1: 'serving' });
    assert.deepEqual(t.disposed, [2]);
    assert.equal(t.serving(), 1);
  });

  it('honours a pin read during catch-up: loads only the pinned version', async () => {
    const t = swapWithFakeLoader();
    for (const v of [1, 2, 3]) await t.swap.add(record(v));
    await t.swap.control(control('pin', 2));
    await t.swap.catchUp();
    assert.deepEqual(t.loads, [2]);
    assert.equal(t.serving(), 2);
  });

  it('reports a pin it cannot meet once, and serves the newest valid version meanwhile', async () => {
    const t = await caughtUpWith([1]);
    await t.swap.control(control('pin', 7));
    await t.swap.add(record(2));
    assert.equal(t.serving(), 2);
    assert.equal(t.events.filter((e) => e.kind === 'pin-unmet').length, 1);
    await t.swap.add(record(7));
    assert.equal(t.serving(), 7, 'the pin is met once v7 arrives');
  });

  it('sends a rollback without a version to the newest valid older version, after checking that it loads', async () => {
    const t = swapWithFakeLoader();
    for (const v of [1, 2]) await t.swap.add(record(v));
    t.failing.add(3);
    await t.swap.add(record(3));
    await t.swap.catchUp(); // v3 fails, v2 serves
    await t.swap.add(record(4)); // v4 serves
    assert.equal(t.serving(), 4);
    const to = await t.swap.checkControl('rollback', null, 10);
    assert.equal(to, 2, 'v3 was rejected, so the rollback skips it');
    assert.deepEqual(t.loads, [3, 2, 4, 2], 'v2 was loaded again to check it, and disposed');
    assert.ok(t.events.some((e) => e.kind === 'loaded' && e.trial && e.record.version === 2));
    await t.swap.control(control('rollback', 2));
    assert.equal(t.serving(), 2);
  });

  it('refuses management requests it cannot follow, with the HTTP status that says why', async () => {
    const t = await caughtUpWith([1, 2]);
    t.failing.add(3);
    await t.swap.add(record(3));
    const refused = async (action: 'pin' | 'rollback', version: number | null) => {
      try {
        await t.swap.checkControl(action, version, 10);
      } catch (e) {
        assert.ok(e instanceof ControlRefused);
        return [e.status, e.message];
      }
      return null;
    };
    assert.deepEqual(await refused('pin', 9), [404, 'model m has no version 9 (known: 3, 2, 1)']);
    assert.deepEqual(await refused('pin', 3), [409, 'm v3 cannot serve: model m v3 rejected (checksum-mismatch): checksum mismatch']);
    assert.deepEqual(await refused('rollback', 2), [409, 'rollback goes to an earlier version: v2 is not older than the serving v2']);
    const fresh = await caughtUpWith([1]);
    await assert.rejects(
      fresh.swap.checkControl('rollback', null, 10),
      /no valid version of m older than the serving one to roll back to \(v1 serves\)/,
    );
  });

  it('refuses a pin to a version whose trial load fails, and rejects it', async () => {
    const t = await caughtUpWith([1, 2]);
    t.failing.add(1);
    await assert.rejects(t.swap.checkControl('pin', 1, 10), (e: unknown) => e instanceof ControlRefused && e.status === 409);
    assert.equal(t.states()[1], 'rejected');
    assert.equal(t.serving(), 2);
  });
});

describe('HotSwap: swap latency', () => {
  it('gives the time from a load start to the first prediction by that version, once', async () => {
    const before = Date.now();
    const t = await caughtUpWith([1]);
    const after = Date.now();
    const ms = t.swap.firstPrediction(1, after + 5000);
    // The load started between `before` and `after`.
    assert.ok(ms !== null && ms >= 5000 && ms <= 5000 + (after - before), String(ms));
    assert.equal(t.swap.firstPrediction(1, after + 6000), null);
  });
});

function decision(action: 'promote' | 'reject', version: number, champion: number): ModelControl {
  const evidence = {
    champion,
    challenger: version,
    pairs: 200,
    bothRight: 120,
    bothWrong: 10,
    challengerOnly: 60,
    championOnly: 10,
    pValue: 1e-9,
    threshold: 0.001,
  };
  return { ...control(action, version), requestedBy: 'modelgenerator', evidence };
}

describe('HotSwap: a candidate is scored as the challenger and serves only once promoted', () => {
  it('loads a candidate beside the serving version; every batch leases both; the serving version does not change', async () => {
    const t = await caughtUpWith([1]);
    await t.swap.add(record(2), true);
    assert.deepEqual(t.loads, [1, 2]);
    const lease = t.swap.acquire();
    assert.equal(lease.version.version, 1);
    assert.equal(lease.challenger?.version, 2);
    t.swap.release(lease);
    assert.equal(t.states()[2], 'challenger');
  });

  it('promoted: the challenger serves from the next batch, as loaded (no second load)', async () => {
    const t = await caughtUpWith([1]);
    await t.swap.add(record(2), true);
    await t.swap.control(decision('promote', 2, 1));
    assert.deepEqual(t.loads, [1, 2], 'v2 was not loaded again');
    assert.equal(t.serving(), 2);
    assert.deepEqual(t.disposed, [1], 'the old champion goes once its batches end');
    assert.equal(t.swap.acquire().challenger, null);
  });

  it('rejected: the challenger is unloaded once its batches end, never serves, and the status says why', async () => {
    const t = await caughtUpWith([1]);
    await t.swap.add(record(2), true);
    const inFlight = t.swap.acquire();
    await t.swap.control(decision('reject', 2, 1));
    assert.deepEqual(t.disposed, [], 'a batch still predicts with it');
    t.swap.release(inFlight);
    assert.deepEqual(t.disposed, [2]);
    assert.equal(t.serving(), 1);
    const v2 = t.swap.status(() => ({ accuracy: null, labelled: 0, predictions: 0 })).versions.find((v) => v.version === 2);
    assert.equal(v2?.state, 'rejected');
    assert.match(v2?.rejection ?? '', /rejected by modelgenerator against v1 on 200 paired samples: 60 right only by v2, 10 only by v1/);
  });

  it('a decision read before its candidate (a replay out of order) stands when the candidate arrives', async () => {
    const t = await caughtUpWith([1]);
    await t.swap.control(decision('reject', 2, 1));
    await t.swap.add(record(2), true);
    assert.deepEqual(t.loads, [1], 'the rejected candidate is never loaded');
  });

  it('a pin overrides a promotion: the pinned version goes on serving', async () => {
    const t = await caughtUpWith([1]);
    await t.swap.control(control('pin', 1));
    await t.swap.add(record(2), true);
    await t.swap.control(decision('promote', 2, 1));
    assert.equal(t.serving(), 1);
    await t.swap.control(control('unpin', null));
    assert.equal(t.serving(), 2);
  });

  it('a newer release replacing the champion mid-trial serves; the challenger stays loaded and is scored against it', async () => {
    const t = await caughtUpWith([1]);
    await t.swap.add(record(2), true);
    await t.swap.add(record(3));
    const lease = t.swap.acquire();
    assert.equal(lease.version.version, 3);
    assert.equal(lease.challenger?.version, 2);
    t.swap.release(lease);
    assert.deepEqual(t.loads, [1, 2, 3]);
  });

  it('a candidate newer than every release does not serve by being the newest', async () => {
    const t = await caughtUpWith([1]);
    await t.swap.add(record(5), true);
    assert.equal(t.serving(), 1);
    assert.equal(t.states()[5], 'challenger');
  });
});
