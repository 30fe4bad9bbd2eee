import assert from 'node:assert/strict';
import type { PredictionReply } from '@hotswap/shared';
import { PendingRequests, percentile, replyFailure } from './replies';

function reply(correlationId: string, predictions: PredictionReply['predictions'], error: string | null = null): PredictionReply {
  return {
    correlationId,
    requestId: 'r',
    model: { name: 'm', version: 1 },
    predictions,
    error,
    requestCreatedAt: 0,
    repliedAt: 0,
    predictor: 'p',
  };
}

const ok = (id: string) => ({ sampleId: id, predicted: 1, predictedClass: 'Trouser', confidence: 0.9, label: 1, correct: true });

describe('PendingRequests', () => {
  it('matches a reply to its request by correlation id and measures the round trip', () => {
    const pending = new PendingRequests(1000);
    pending.sent('c1', 'req-1', 2, 100);
    const outcome = pending.received(reply('c1', [ok('a'), ok('b')]), 130);
    assert.ok(outcome !== null && outcome !== 'duplicate');
    assert.equal(outcome.roundTripMs, 30);
    assert.equal(outcome.failure, null);
    assert.equal(pending.outstanding, 0);
  });

  it("ignores another client's replies and reports a second reply as a duplicate", () => {
    const pending = new PendingRequests(1000);
    pending.sent('c1', 'req-1', 1, 0);
    assert.equal(pending.received(reply('other-client-7', [ok('a')]), 5), null);
    pending.received(reply('c1', [ok('a')]), 10);
    assert.equal(pending.received(reply('c1', [ok('a')]), 11), 'duplicate');
    assert.equal(pending.summary().answered, 1);
  });

  it('fails a request whose reply does not come before its deadline', () => {
    const pending = new PendingRequests(500);
    pending.sent('c1', 'req-1', 1, 0);
    assert.deepEqual(pending.expire(499), []);
    const [expired] = pending.expire(500);
    assert.equal(expired?.failure, 'no reply within 500 ms');
    assert.deepEqual(pending.summary(), { sent: 1, answered: 0, failed: 1, timedOut: 1, p50: null, p99: null });
  });

  it('counts a reply with a failed sample as a failed request', () => {
    const pending = new PendingRequests(500);
    pending.sent('c1', 'req-1', 2, 0);
    const outcome = pending.received(reply('c1', [ok('a'), { sampleId: 'b', error: 'wrong-shape: 10 feature bytes' }]), 1);
    assert.ok(outcome !== null && outcome !== 'duplicate');
    assert.match(outcome.failure ?? '', /1 of 2 sample\(s\) not predicted \(b: wrong-shape/);
    assert.equal(pending.summary().failed, 1);
  });
});

describe('replyFailure', () => {
  it('reports a whole-request error, and a reply short of samples', () => {
    assert.equal(replyFailure(reply('c', [], 'request not readable: not-avro'), 5), 'request not readable: not-avro');
    assert.equal(replyFailure(reply('c', [ok('a')]), 2), '1 predictions for 2 samples');
    assert.equal(replyFailure(reply('c', [ok('a'), ok('b')]), 2), null);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), null);
  });
});
