import assert from 'node:assert/strict';
import { LagTracker } from './lag';

describe('LagTracker', () => {
  it('has no figures before the first live prediction', () => {
    assert.deepEqual(new LagTracker().figures(), {
      samples: 0,
      p50Ms: null,
      p99Ms: null,
      maxMs: null,
      lastMs: null,
      overallP50Ms: null,
      overallP99Ms: null,
    });
  });

  it('gives p50 and p99 over the latest lags, and over all of them', () => {
    const lag = new LagTracker(100);
    for (let i = 1; i <= 100; i++) lag.add(1000); // an early burst, gone from the latest 100
    for (let i = 1; i <= 100; i++) lag.add(i);
    const f = lag.figures();
    assert.deepEqual([f.samples, f.p50Ms, f.p99Ms, f.maxMs, f.lastMs], [200, 50, 99, 1000, 100]);
    assert.deepEqual([f.overallP50Ms, f.overallP99Ms], [100, 1000]);
  });
});
