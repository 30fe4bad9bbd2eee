import assert from 'node:assert/strict';
import { AccuracyTimeline } from './timeline';

describe('AccuracyTimeline', () => {
  it('counts running accuracy over every labelled prediction and skips unlabelled ones', () => {
    const t = new AccuracyTimeline(3);
    t.add(1000, true);
    t.add(1100, false);
    t.add(1200, null);
    t.add(1300, true);
    assert.deepEqual(t.totals, { predictions: 4, labelled: 3, correct: 2 });
    assert.equal(t.running, 2 / 3);
  });

  it('keeps the window accuracy over the last N labelled predictions only', () => {
    const t = new AccuracyTimeline(2);
    t.add(1000, false);
    t.add(1001, false);
    assert.equal(t.window, 0);
    t.add(1002, true);
    t.add(1003, true);
    assert.equal(t.window, 1);
    assert.equal(t.running, 0.5);
  });

  it('makes one point per time bucket, holding the state at its end', () => {
    const t = new AccuracyTimeline(10);
    t.add(1000, true);
    t.add(1500, false);
    t.add(2100, true);
    const points = t.all();
    assert.equal(points.length, 2);
    assert.deepEqual(points[0], { t: 1500, running: 0.5, window: 0.5, predictions: 2 });
    assert.equal(points[1]?.predictions, 3);
  });

  it('counts a record from a replica a little behind in the current bucket', () => {
    const t = new AccuracyTimeline(10);
    t.add(5000, true);
    t.add(3000, false);
    assert.equal(t.all().length, 1);
    assert.equal(t.all()[0]?.t, 5000);
  });

  it('halves its points and doubles the bucket when they exceed the most kept', () => {
    const t = new AccuracyTimeline(10, 8);
    for (let s = 0; s < 9; s++) t.add(s * 1000, true);
    assert.ok(t.all().length <= 8, `${t.all().length} points`);
    assert.equal(t.bucket, 2000);
    assert.equal(t.all().at(-1)?.predictions, 9, 'the newest state survives');
  });

  it('hands over the changed points from the index where the copy must be replaced', () => {
    const t = new AccuracyTimeline(10);
    t.add(1000, true);
    t.add(2000, true);
    assert.deepEqual(
      t.takeChanges().points.map((p) => p.t),
      [1000, 2000],
    );
    t.add(2500, false); // same bucket as the last point: the last point changes
    const changes = t.takeChanges();
    assert.equal(changes.from, 1);
    assert.deepEqual(
      changes.points.map((p) => p.predictions),
      [3],
    );
    assert.deepEqual(t.takeChanges(), { from: 2, points: [] });
  });

  it('resends every point after halving', () => {
    const t = new AccuracyTimeline(10, 4);
    for (let s = 0; s < 4; s++) t.add(s * 1000, true);
    t.takeChanges();
    t.add(4000, true);
    assert.equal(t.takeChanges().from, 0);
  });
});
