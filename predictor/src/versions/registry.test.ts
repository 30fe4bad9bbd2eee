import assert from 'node:assert/strict';
import { ModelRegistry, type ModelVersion, type RegistryEvent } from './registry';

function version(v: number): ModelVersion<string> {
  return { name: 'm', version: v, model: `model-v${v}` };
}

function setup() {
  const disposed: number[] = [];
  const events: RegistryEvent<string>[] = [];
  const registry = new ModelRegistry<string>(
    (v) => disposed.push(v.version),
    (e) => events.push(e),
  );
  return { registry, disposed, events };
}

describe('ModelRegistry', () => {
  it('serves nothing until a version is staged', () => {
    const { registry } = setup();
    assert.equal(registry.hasModel, false);
    assert.throws(() => registry.acquire(), /no model version is ready/);
  });

  it('swaps a staged version in at the next batch start, never during a batch', () => {
    const { registry } = setup();
    registry.stage(version(1));
    const batch1 = registry.acquire();
    assert.equal(batch1.version.version, 1);
    registry.stage(version(2));
    // The batch in flight keeps v1; the staged v2 is not serving yet.
    assert.equal(registry.servingVersion?.version, 1);
    registry.release(batch1);
    const batch2 = registry.acquire();
    assert.equal(batch2.version.version, 2);
    registry.release(batch2);
  });

  it('disposes the old version only after the last batch using it is released', () => {
    const { registry, disposed } = setup();
    registry.stage(version(1));
    const a = registry.acquire();
    const b = registry.acquire();
    registry.stage(version(2));
    registry.release(a);
    const c = registry.acquire(); // swaps to v2 while b still holds v1
    assert.equal(c.version.version, 2);
    assert.deepEqual(disposed, []);
    registry.release(b);
    assert.deepEqual(disposed, [1]);
    registry.release(c);
    assert.deepEqual(disposed, [1]);
  });

  it('disposes a staged version superseded before it ever served', () => {
    const { registry, disposed, events } = setup();
    registry.stage(version(1));
    registry.release(registry.acquire());
    registry.stage(version(2));
    registry.stage(version(3));
    assert.deepEqual(disposed, [2]);
    assert.equal(registry.acquire().version.version, 3);
    assert.ok(events.some((e) => e.kind === 'discarded' && e.version.version === 2));
  });

  it('reports each swap with the version it replaced', () => {
    const { registry, events } = setup();
    registry.stage(version(1));
    registry.release(registry.acquire());
    registry.stage(version(2));
    registry.release(registry.acquire());
    const swaps = events.filter((e) => e.kind === 'swapped').map((e) => e.kind === 'swapped' && [e.from?.version ?? null, e.to.version]);
    assert.deepEqual(swaps, [
      [null, 1],
      [1, 2],
    ]);
  });

  it('refuses a release without an acquire', () => {
    const { registry } = setup();
    registry.stage(version(1));
    const lease = registry.acquire();
    registry.release(lease);
    assert.throws(() => registry.release(lease), /released more often than acquired/);
  });

  it('disposes everything on clear', () => {
    const { registry, disposed } = setup();
    registry.stage(version(1));
    registry.release(registry.acquire());
    registry.stage(version(2));
    registry.clear();
    assert.deepEqual(disposed.sort(), [1, 2]);
    assert.equal(registry.hasModel, false);
  });
});

describe('ModelRegistry: any staged version', () => {
  it("stages an older version too (whether it should serve is the policy's call), and swaps it in at the next batch", () => {
    const { registry, disposed } = setup();
    registry.stage(version(3));
    registry.release(registry.acquire());
    registry.stage(version(2));
    const lease = registry.acquire();
    assert.equal(lease.version.version, 2);
    registry.release(lease);
    assert.deepEqual(disposed, [3], 'the retired v3, once its batch was released');
  });
});

describe('ModelRegistry, first version', () => {
  it('serves the first version at once, before any batch, since no batch can be in flight', () => {
    const { registry, events } = setup();
    registry.stage(version(1));
    assert.equal(registry.servingVersion?.version, 1);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['staged', 'swapped'],
    );
  });
});
