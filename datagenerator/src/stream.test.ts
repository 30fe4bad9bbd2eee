import assert from 'node:assert/strict';
import { sampleCodec, type Dataset } from '@hotswap/shared';
import { SplitSource, SyntheticSource, samplesDue } from './stream';

const ds: Dataset = {
  name: 'mnist',
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  featureShape: [2, 2],
  dtype: 'UINT8',
  size: 3,
  features: new Uint8Array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]),
  labels: new Uint8Array([5, 6, 7]),
};

describe('sample sources', () => {
  it('streams the split in its order with unique ids, repeating with a pass suffix', () => {
    const source = new SplitSource(ds, new Uint32Array([2, 0]), 'test', { runId: 'r', unlabelledRatio: 0, seed: 1 });
    const ids = [0, 1, 2, 3].map((p) => source.sampleAt(p, 0).sampleId);
    assert.deepEqual(ids, ['r:test:2', 'r:test:0', 'r:test:2:r1', 'r:test:0:r1']);
    const s = source.sampleAt(0, 99);
    assert.equal(s.label, 7);
    assert.deepEqual(Array.from(s.features), [2, 2, 2, 2]);
    assert.deepEqual(s.shape, [2, 2]);
    // Every sample is a valid Avro record.
    sampleCodec.encode(s);
  });

  it('withholds labels at the requested ratio, the same way each run', () => {
    const idx = new Uint32Array(2000).map((_, i) => i % 3);
    const source = new SplitSource(ds, idx, 'test', { runId: 'r', unlabelledRatio: 0.25, seed: 9 });
    const unlabelled = Array.from({ length: 2000 }, (_, p) => source.sampleAt(p, 0).label === null).filter(Boolean).length;
    assert.ok(unlabelled > 400 && unlabelled < 600, `${unlabelled} unlabelled`);
    assert.equal(
      source.sampleAt(17, 0).label,
      new SplitSource(ds, idx, 'test', { runId: 'x', unlabelledRatio: 0.25, seed: 9 }).sampleAt(17, 0).label,
    );
  });

  it('generates synthetic samples as 8 float32 features', () => {
    const s = new SyntheticSource(1, 0, { runId: 'r', unlabelledRatio: 0, seed: 1 }).sampleAt(5, 0);
    assert.equal(s.dtype, 'FLOAT32');
    assert.equal(s.features.length, 32);
    assert.ok(s.label === 0 || s.label === 1);
  });
});

describe('rate pacing', () => {
  it('releases what is due by now, catching up after a slow send, capped per batch', () => {
    assert.equal(samplesDue(10, 0, 0, 500), 1);
    assert.equal(samplesDue(10, 1000, 1, 500), 10);
    assert.equal(samplesDue(10, 1000, 11, 500), 0);
    assert.equal(samplesDue(1000, 10_000, 0, 500), 500);
    assert.equal(samplesDue(0, 0, 123, 64), 64);
  });
});
