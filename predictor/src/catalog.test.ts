import assert from 'node:assert/strict';
import type { ModelRecord } from '@hotswap/shared';
import { ModelCatalog } from './catalog';

function record(version: number): ModelRecord {
  return {
    name: 'm',
    version,
    createdAt: version * 1000,
    dataset: 'fashion-mnist',
    architecture: `mlp(${version})`,
    inputShape: [784],
    classNames: [],
    topology: '{}',
    weightSpecs: '[]',
    weights: Buffer.alloc(0),
    weightsSha256: '',
    backend: 'cpu',
    metrics: { accuracy: version / 10, loss: 1, testSamples: 10, trainSamples: 10, epochs: 1, trainSeconds: 1 },
    signingKeyId: null,
    signature: null,
  };
}

describe('ModelCatalog', () => {
  it('targets the newest version that was not rejected', () => {
    const catalog = new ModelCatalog(10);
    assert.equal(catalog.target(), null);
    for (const v of [1, 3, 2]) catalog.add(record(v));
    assert.equal(catalog.target(), 3);
    catalog.reject(3, 'bad checksum');
    assert.equal(catalog.target(), 2, 'a rejected newest version falls back to the one before');
  });

  it('targets the pinned version, older or not, until unpinned', () => {
    const catalog = new ModelCatalog(10);
    for (const v of [1, 2, 3]) catalog.add(record(v));
    catalog.setPin(1);
    catalog.add(record(4));
    assert.equal(catalog.target(), 1, 'a newer version does not move a pin');
    catalog.setPin(null);
    assert.equal(catalog.target(), 4);
  });

  it('serves nothing new for a pin it cannot meet: unknown or rejected version', () => {
    const catalog = new ModelCatalog(10);
    catalog.add(record(1));
    catalog.setPin(5);
    assert.equal(catalog.target(), null, 'v5 has not been read yet');
    catalog.add(record(5));
    assert.equal(catalog.target(), 5, 'the pin is met once v5 arrives');
    catalog.reject(5, 'unsigned');
    assert.equal(catalog.target(), null);
  });

  it('finds the newest servable version before a given one, for a rollback', () => {
    const catalog = new ModelCatalog(10);
    for (const v of [1, 2, 3, 4]) catalog.add(record(v));
    catalog.reject(3, 'nan weights');
    assert.equal(catalog.previousServable(4), 2);
    assert.equal(catalog.previousServable(1), null);
  });

  it("keeps the records of the newest versions and of the pin only, but every version's metadata", () => {
    const catalog = new ModelCatalog(2);
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
    assert.equal(catalog.previousServable(3), 1, 'v2 can no longer load, v1 (pinned, kept) can');
  });
});
