import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TurnQueue } from './turns';

describe('TurnQueue', () => {
  it('runs each step in the order the places were taken, whatever order the work finishes in', async () => {
    const turns = new TurnQueue();
    const order: string[] = [];
    const step = async (name: string, workMs: number) => {
      const turn = turns.take();
      await sleep(workMs); // the work before the ordered step: the later place finishes it first
      await turn.ready;
      order.push(name);
      turn.done();
    };
    await Promise.all([step('first', 30), step('second', 1), step('third', 10)]);
    assert.deepEqual(order, ['first', 'second', 'third']);
  });

  it('keeps a later place waiting for an earlier one even when the place between them is done first', async () => {
    const turns = new TurnQueue();
    const first = turns.take();
    const middle = turns.take();
    const last = turns.take();
    middle.done(); // e.g. a batch that failed before its ordered step
    let lastWent = false;
    void last.ready.then(() => (lastWent = true));
    await sleep(5);
    assert.equal(lastWent, false, 'the first place is not done yet');
    first.done();
    await last.ready;
    assert.equal(lastWent, true);
  });

  it('lets the line move on past a place whose work failed, once it is done', async () => {
    const turns = new TurnQueue();
    const failed = turns.take();
    const next = turns.take();
    let moved = false;
    void next.ready.then(() => (moved = true));
    await sleep(5);
    assert.equal(moved, false, 'the next place waits while the earlier one is not done');
    failed.done();
    failed.done(); // a second call changes nothing
    await next.ready;
    assert.equal(moved, true);
  });
});
