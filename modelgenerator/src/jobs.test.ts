import assert from 'node:assert/strict';
import { JobBook, QueueFull, TrainingJob, type JobRequest } from './jobs';

const request: JobRequest = {
  origin: 'api',
  architecture: 'mlp:16',
  epochs: 4,
  samples: 1000,
  dataset: 'fashion-mnist',
  data: 'fashion-mnist train split',
  publish: 'always',
};
const heldOut = { accuracy: 0.71, loss: 0.83, testSamples: 10000, trainSamples: 1000, trainSeconds: 1.5 };
const T0 = Date.UTC(2026, 0, 1);

function job(id = 'a', epochs = 4): TrainingJob {
  return new TrainingJob(id, { ...request, epochs }, T0);
}

describe('training job state machine', () => {
  it('goes queued → running → published, with its version and held-out figures', () => {
    const j = job();
    assert.equal(j.view().state, 'queued');
    j.start(T0 + 1000);
    assert.equal(j.state, 'running');
    j.finish(T0 + 5000, heldOut, { version: 7 });
    const v = j.view();
    assert.equal(v.state, 'published');
    assert.equal(v.version, 7);
    assert.equal(v.outcome, 'published as version 7');
    assert.deepEqual(
      { accuracy: v.metrics.accuracy, testSamples: v.metrics.testSamples, trainSamples: v.metrics.trainSamples },
      { accuracy: 0.71, testSamples: 10000, trainSamples: 1000 },
    );
    assert.deepEqual(v.progress, { epoch: 4, epochs: 4, fraction: 1 });
    assert.equal(v.createdAt, '2026-01-01T00:00:00.000Z');
    assert.equal(v.startedAt, '2026-01-01T00:00:01.000Z');
    assert.equal(v.finishedAt, '2026-01-01T00:00:05.000Z');
    assert.equal(v.error, null);
  });

  it('ends trained, without a version, when it is not published, and says why', () => {
    const j = job();
    j.start(T0);
    j.finish(T0, heldOut, { notPublished: 'the request said publish: false' });
    assert.equal(j.state, 'trained');
    assert.equal(j.view().version, null);
    assert.equal(j.view().outcome, 'not published: the request said publish: false');
    assert.equal(j.view().metrics.accuracy, 0.71);
  });

  it('refuses transitions the machine does not have', () => {
    const queued = job('q');
    assert.throws(() => queued.finish(T0, heldOut, { version: 1 }), /job q cannot finish: it is queued, not running/);
    assert.throws(() => queued.progress(1, 0.5), /cannot report progress: it is queued/);
    assert.throws(() => queued.fail(T0, 'x'), /cannot fail: it is queued/);
    queued.start(T0);
    assert.throws(() => queued.start(T0), /job q cannot go from running to running/);
    queued.fail(T0, 'out of memory');
    for (const again of [() => queued.start(T0), () => queued.finish(T0, heldOut, { version: 1 }), () => queued.cancelled(T0)]) {
      assert.throws(again, /job q cannot/);
    }
    assert.equal(queued.view().state, 'failed');
    assert.equal(queued.view().error, 'out of memory');
  });

  it('reports progress over the whole job, never backwards, with the last epoch’s training figures', () => {
    const j = job('p', 4);
    j.start(T0);
    assert.deepEqual(j.view().progress, { epoch: 0, epochs: 4, fraction: 0 });
    j.progress(1, 0.5);
    assert.deepEqual(j.view().progress, { epoch: 1, epochs: 4, fraction: 0.125 });
    j.progress(1, 1, { loss: 1.2, accuracy: 0.6 });
    j.progress(2, 0.5);
    assert.deepEqual(j.view().progress, { epoch: 2, epochs: 4, fraction: 0.375 });
    j.progress(2, 0.25); // a late report does not move it back
    assert.equal(j.view().progress.fraction, 0.375);
    assert.equal(j.view().metrics.trainLoss, 1.2);
    assert.equal(j.view().metrics.trainAccuracy, 0.6);
    assert.equal(j.view().metrics.accuracy, null, 'no held-out figures before it is done');
    j.progress(9, 3); // out-of-range reports are clamped
    assert.deepEqual(j.view().progress, { epoch: 4, epochs: 4, fraction: 1 });
  });

  it('cancels a queued job at once', () => {
    const j = job();
    assert.equal(j.requestCancel(T0 + 10, 'cancelled by DELETE'), 'cancelled');
    const v = j.view();
    assert.equal(v.state, 'cancelled');
    assert.equal(v.outcome, 'cancelled by DELETE');
    assert.equal(v.startedAt, null);
    assert.equal(v.finishedAt, '2026-01-01T00:00:00.010Z');
    assert.throws(() => j.start(T0), /cannot go from cancelled to running/);
  });

  it('marks a running job to stop; once stopped it reports where it stopped, no version, no error', () => {
    const j = job('r', 2);
    j.start(T0);
    j.progress(1, 1, { loss: 0.9, accuracy: 0.7 });
    j.progress(2, 0.5);
    assert.equal(j.requestCancel(T0 + 1, 'cancelled by DELETE'), 'stopping');
    assert.equal(j.state, 'running', 'still running until the trainer stops');
    assert.equal(j.cancelRequested, true);
    assert.equal(j.view().outcome, null);
    j.cancelled(T0 + 2);
    const v = j.view();
    assert.equal(v.state, 'cancelled');
    assert.deepEqual(v.progress, { epoch: 2, epochs: 2, fraction: 0.75 });
    assert.equal(v.metrics.trainLoss, 0.9);
    assert.equal(v.metrics.accuracy, null);
    assert.equal(v.version, null);
    assert.equal(v.error, null);
    assert.equal(v.outcome, 'cancelled by DELETE');
    assert.equal(j.requestCancel(T0 + 3, 'again'), 'already-final');
  });
});

describe('job book', () => {
  it('lists newest first and runs the oldest queued job next', () => {
    const book = new JobBook();
    for (const id of ['a', 'b', 'c']) book.add(job(id));
    assert.deepEqual(
      book.list().map((j) => j.id),
      ['c', 'b', 'a'],
    );
    assert.equal(book.nextQueued()?.id, 'a');
    book.get('a')?.start(T0);
    assert.equal(book.nextQueued()?.id, 'b');
    book.get('b')?.requestCancel(T0, 'cancelled');
    assert.equal(book.nextQueued()?.id, 'c');
    assert.equal(book.waiting(), 1);
  });

  it('keeps only the last finished jobs, and every job not finished', () => {
    const book = new JobBook(2, 100);
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((id) => job(id));
    for (const j of jobs) book.add(j);
    for (const j of jobs.slice(0, 4)) j.requestCancel(T0, 'cancelled');
    book.prune();
    assert.deepEqual(
      book.list().map((j) => j.id),
      ['e', 'd', 'c'],
    );
    assert.equal(book.get('a'), undefined);
  });

  it('refuses a job when the queue is full, and takes one again once a job has left it', () => {
    const book = new JobBook(100, 2);
    book.add(job('a'));
    book.add(job('b'));
    assert.throws(
      () => book.add(job('c')),
      (e: unknown) => e instanceof QueueFull && /2 jobs are waiting/.test(e.message),
    );
    book.get('a')?.start(T0);
    book.add(job('c'));
    assert.throws(() => book.add(job('c')), /job c is already in the book/);
  });
});
