import assert from 'node:assert/strict';
import { topClasses } from './loader';

describe('topClasses', () => {
  it('gives each row its most probable class and that probability', () => {
    const p = Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.25, 0.25, 0.05, 0.05, 0.9]);
    const { predicted, confidence } = topClasses(p, 3, 3);
    assert.deepEqual([...predicted], [1, 0, 2]);
    assert.deepEqual([...confidence], [Math.fround(0.7), 0.5, Math.fround(0.9)]);
  });

  it('picks the first class on a tie, as tf.argMax does', () => {
    const { predicted } = topClasses(Float32Array.from([0.4, 0.4, 0.2, 0.1, 0.45, 0.45]), 2, 3);
    assert.deepEqual([...predicted], [0, 1]);
  });

  it('agrees with indexOf(max) on 1,000 random rows of 10 classes', () => {
    const rows = 1000;
    const p = Float32Array.from({ length: rows * 10 }, () => Math.random());
    const { predicted, confidence } = topClasses(p, rows, 10);
    for (let r = 0; r < rows; r++) {
      const row = [...p.subarray(r * 10, r * 10 + 10)];
      const max = Math.max(...row);
      assert.equal(predicted[r], row.indexOf(max), `row ${r}`);
      assert.equal(confidence[r], max);
    }
  });

  it('refuses probabilities that are not rows x classes, naming both', () => {
    assert.throws(() => topClasses(new Float32Array(7), 2, 3), /7 probabilities are not 2 rows of 3 classes/);
  });
});
