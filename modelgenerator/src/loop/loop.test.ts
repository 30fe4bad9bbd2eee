import assert from 'node:assert/strict';
import { datasetContract } from '@hotswap/shared';
import { DriftWatch } from './drift-watch';
import { RecentSamples } from './recent-samples';

const SETTINGS = { tolerance: 0.05, threshold: 10, minSamples: 20 };

describe('drift watch', () => {
  it('signals once when the serving version starts failing, then stays paused until resumed', () => {
    const watch = new DriftWatch(SETTINGS);
    for (let i = 0; i < 200; i++) assert.equal(watch.observe(1, i % 10 !== 0), null);
    const signals = Array.from({ length: 200 }, () => watch.observe(1, false)).filter((d) => d !== null);
    assert.equal(signals.length, 1);
    assert.equal(signals[0]?.champion, 1);
    assert.equal(watch.isPaused, true);
    watch.resume();
    assert.equal(watch.isPaused, false);
  });

  it('starts afresh for a new serving version: its errors are measured on their own', () => {
    const watch = new DriftWatch(SETTINGS);
    for (let i = 0; i < 200; i++) watch.observe(1, i % 10 !== 0);
    for (let i = 0; i < 15; i++) watch.observe(1, false);
    // v2 takes over: its first failures do not add to v1's rise, and minSamples counts again.
    for (let i = 0; i < 19; i++) assert.equal(watch.observe(2, false), null, `signalled at v2's prediction ${i + 1}`);
  });
});

describe('recent samples', () => {
  const contract = datasetContract('fashion-mnist');
  const image = (value: number) => new Uint8Array(784).fill(value);

  it('hands back the samples after a mark, oldest first, with their labels', () => {
    const recent = new RecentSamples(10, contract);
    for (let i = 0; i < 4; i++) recent.add(image(i), i);
    const mark = recent.total;
    for (let i = 4; i < 7; i++) recent.add(image(i), i);
    const ds = recent.since(mark);
    assert.equal(ds.size, 3);
    assert.deepEqual([...ds.labels], [4, 5, 6]);
    assert.equal(ds.features[0], 4);
    assert.equal(ds.features[2 * 784], 6);
  });

  it('keeps only the last `capacity` samples when more came after the mark', () => {
    const recent = new RecentSamples(3, contract);
    for (let i = 0; i < 8; i++) recent.add(image(i), i % 10);
    assert.deepEqual([...recent.since(0).labels], [5, 6, 7]);
  });

  it('reads FLOAT32 samples from their little-endian bytes', () => {
    const synthetic = datasetContract('synthetic');
    const recent = new RecentSamples(2, synthetic);
    const values = new Float32Array(synthetic.featureShape[0] as number).map((_, i) => i / 4);
    recent.add(new Uint8Array(values.buffer), 1);
    assert.deepEqual([...recent.since(0).features], [...values]);
  });

  it('refuses a sample of the wrong size or a label outside the classes, naming them', () => {
    const recent = new RecentSamples(2, contract);
    assert.throws(() => recent.add(new Uint8Array(10), 1), /sample of 10 bytes is not 784 \(fashion-mnist\)/);
    assert.throws(() => recent.add(image(0), 10), /label 10 is not a class of fashion-mnist/);
  });
});
