import assert from 'node:assert/strict';
import { AccuracyBook, AccuracyLedger, RunningAccuracy, WindowAccuracy } from './accuracy';

describe('RunningAccuracy', () => {
  it('scores labelled predictions only, and is null before the first', () => {
    const acc = new RunningAccuracy();
    assert.equal(acc.value, null);
    acc.record(null);
    assert.equal(acc.value, null);
    acc.record(true);
    acc.record(false);
    acc.record(true);
    assert.equal(acc.value, 2 / 3);
    assert.equal(acc.labelled, 3);
    assert.equal(acc.predictions, 4);
  });
});

describe('AccuracyBook', () => {
  it('keeps overall and per-version accuracy together', () => {
    const book = new AccuracyBook();
    book.record('m:1', false);
    book.record('m:2', true);
    book.record('m:2', true);
    assert.equal(book.overall.value, 2 / 3);
    assert.equal(book.byVersion.get('m:1')?.value, 0);
    assert.equal(book.byVersion.get('m:2')?.value, 1);
  });
});

describe('AccuracyLedger', () => {
  it('commits nothing until a batch is committed', () => {
    const ledger = new AccuracyLedger();
    const first = ledger.open();
    ledger.record(first, 'm:1', true);
    ledger.commit(first);
    const second = ledger.open();
    ledger.record(second, 'm:1', false);
    ledger.record(second, 'm:2', false);
    assert.equal(ledger.committed.overall.labelled, 1);
    assert.equal(ledger.committed.byVersion.has('m:2'), false);
    ledger.commit(second);
    assert.equal(ledger.committed.overall.labelled, 3);
    assert.equal(ledger.committed.overall.value, 1 / 3);
    assert.equal(ledger.committed.byVersion.get('m:2')?.labelled, 1);
  });

  it('numbers the predictions of concurrent batches one after another, never twice', () => {
    const ledger = new AccuracyLedger();
    const a = ledger.open();
    const b = ledger.open();
    // Read at once, as a prediction record does.
    const counts = [ledger.record(a, 'm:1', true).overall.predictions, ledger.record(b, 'm:1', true).overall.predictions];
    counts.push(ledger.record(a, 'm:1', null).overall.predictions);
    assert.deepEqual(counts, [1, 2, 3]);
    // b is delivered first, then a: the committed book has both, whatever the order.
    ledger.commit(b);
    ledger.commit(a);
    assert.equal(ledger.committed.overall.predictions, 3);
    assert.equal(ledger.committed.overall.labelled, 2);
  });

  it('takes an abandoned batch out of the running figures that later predictions carry', () => {
    const ledger = new AccuracyLedger();
    const lost = ledger.open();
    ledger.record(lost, 'm:1', false);
    ledger.record(lost, 'm:1', false);
    ledger.abandon(lost, false);
    const next = ledger.open();
    const scored = ledger.record(next, 'm:1', true);
    assert.equal(scored.overall.predictions, 1);
    assert.equal(scored.overall.value, 1);
    assert.equal(ledger.committed.overall.predictions, 0);
  });

  it('never numbers two predictions alike: a batch abandoned after a later one scored leaves a gap instead', () => {
    const ledger = new AccuracyLedger();
    const early = ledger.open();
    ledger.record(early, 'm:1', true); // 1
    ledger.record(early, 'm:1', true); // 2
    const late = ledger.open();
    assert.equal(ledger.record(late, 'm:1', true).overall.predictions, 3);
    ledger.abandon(early, false); // its numbers 1 and 2 stay taken: 3 is already out
    ledger.commit(late);
    const next = ledger.open();
    assert.equal(ledger.record(next, 'm:1', true).overall.predictions, 4);
    assert.equal(ledger.committed.overall.predictions, 1, 'only the delivered prediction counts as done');
  });

  it('keeps the numbers of a batch whose delivery failed after a write may have landed (at-least-once writes topic by topic)', () => {
    const ledger = new AccuracyLedger();
    const partly = ledger.open();
    ledger.record(partly, 'm:1', true); // 1, perhaps already on the prediction topic
    ledger.abandon(partly, true);
    const next = ledger.open();
    assert.equal(ledger.record(next, 'm:1', true).overall.predictions, 2);
  });
});

describe('WindowAccuracy', () => {
  it('forgets outcomes older than the window', () => {
    const w = new WindowAccuracy(3);
    assert.equal(w.value, null);
    w.record(false);
    w.record(false);
    w.record(true);
    assert.equal(w.value, 1 / 3);
    w.record(true);
    w.record(true);
    assert.equal(w.value, 1);
    w.record(false);
    assert.equal(w.value, 2 / 3);
  });
});
