import assert from 'node:assert/strict';
import { datasetContract, type Dataset } from '@hotswap/shared';
import { userTrainingData } from './training-data';

function rows(n: number): Dataset {
  return { ...datasetContract('fashion-mnist'), size: n, features: new Uint8Array(n * 784), labels: new Uint8Array(n) };
}

describe("training data from a user's rows", () => {
  it('holds out a fifth of the rows, shuffled by the seed, and trains on the rest', () => {
    const data = userTrainingData(rows(300), 42, 'my.csv');
    assert.equal(data.split.test.length, 60);
    assert.equal(data.split.train.length, 240);
    assert.equal(new Set([...data.split.train, ...data.split.test]).size, 300, 'every row is used once');
    assert.deepEqual(userTrainingData(rows(300), 42, 'my.csv').split, data.split, 'the same seed gives the same split');
    assert.notDeepEqual(userTrainingData(rows(300), 7, 'my.csv').split.test, data.split.test);
    assert.equal(data.description, 'my.csv (300 rows)');
  });

  it('keeps at least one row on each side, and refuses a single row', () => {
    for (const n of [2, 3, 4]) {
      const { split } = userTrainingData(rows(n), 1, 'x');
      assert.ok(split.train.length >= 1 && split.test.length >= 1, `${n} rows: ${split.train.length} + ${split.test.length}`);
    }
    assert.throws(() => userTrainingData(rows(1), 1, 'upload'), /upload has 1 row, need at least 2/);
  });
});
