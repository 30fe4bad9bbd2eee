import assert from 'node:assert/strict';
import { SampleJoin } from './samples';

describe('SampleJoin', () => {
  it('joins a prediction with a sample read before it', () => {
    const join = new SampleJoin<string>(10, 10);
    join.addSample('a', 'pixels of a');
    let got: string | undefined;
    join.want('a', (f) => (got = f));
    assert.equal(got, 'pixels of a');
  });

  it('joins a prediction read before its sample once the sample comes', () => {
    const join = new SampleJoin<string>(10, 10);
    const got: string[] = [];
    join.want('b', (f) => got.push(`first ${f}`));
    join.want('b', (f) => got.push(`second ${f}`));
    assert.deepEqual(got, []);
    join.addSample('b', 'B');
    assert.deepEqual(got, ['first B', 'second B']);
    assert.deepEqual(join.sizes, { recent: 0, wanted: 0 });
  });

  it('forgets the oldest samples and the oldest waits beyond its bounds', () => {
    const join = new SampleJoin<number>(2, 1);
    join.addSample('1', 1);
    join.addSample('2', 2);
    join.addSample('3', 3);
    let got: number | undefined;
    join.want('1', (f) => (got = f));
    assert.equal(got, undefined, 'sample 1 was forgotten');
    join.want('9', (f) => (got = f)); // pushes out the wait for 1
    join.addSample('1', 1);
    assert.equal(got, undefined);
    assert.deepEqual(join.sizes, { recent: 2, wanted: 1 });
  });
});
