import assert from 'node:assert/strict';
import { AccuracyBook, RunningAccuracy, WindowAccuracy } from './accuracy';

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

  it('changes nothing until a draft is adopted', () => {
    const book = new AccuracyBook();
    book.record('m:1', true);
    const draft = book.draft();
    draft.record('m:1', false);
    draft.record('m:2', false);
    assert.equal(book.overall.labelled, 1);
    assert.equal(book.byVersion.has('m:2'), false);
    book.adopt(draft);
    assert.equal(book.overall.labelled, 3);
    assert.equal(book.overall.value, 1 / 3);
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
