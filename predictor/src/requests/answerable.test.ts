import assert from 'node:assert/strict';
import { HEADER_CORRELATION_ID, HEADER_REPLY_TOPIC } from '@hotswap/shared/contracts';
import { MAX_REPLY_BYTES, isUnanswerable, replyAddressOf, replyRecord, requestError } from './answerable';

const OWN = ['queueing.data', 'queueing.model', 'queueing.request', 'streaming.prediction', 'queueing.deadletter'];
const headers = (correlationId?: string, replyTopic?: string) => ({
  ...(correlationId === undefined ? {} : { [HEADER_CORRELATION_ID]: correlationId }),
  ...(replyTopic === undefined ? {} : { [HEADER_REPLY_TOPIC]: replyTopic }),
});

describe('request/reply: which requests are answerable', () => {
  it('addresses a reply to the topic and correlation id the request names', () => {
    assert.deepEqual(replyAddressOf(headers('c-1', 'client.replies'), OWN), { correlationId: 'c-1', replyTopic: 'client.replies' });
  });

  it('has no address without both headers, or with either one empty', () => {
    for (const h of [headers(), headers('c-1'), headers(undefined, 'client.replies'), headers('', 'client.replies'), headers('c-1', '')]) {
      const address = replyAddressOf(h, OWN);
      assert.ok(isUnanswerable(address), JSON.stringify(h));
      assert.equal(address.reason, 'no-reply-address');
      assert.match(address.detail, /request needs headers correlation-id and reply-topic/);
    }
  });

  it("refuses a reply topic that is one of the pipeline's own or Kafka's internal topics", () => {
    for (const topic of [...OWN, '__consumer_offsets', '__transaction_state']) {
      const address = replyAddressOf(headers('c-1', topic), OWN);
      assert.ok(isUnanswerable(address), topic);
      assert.equal(address.reason, 'bad-reply-topic');
      assert.match(address.detail, new RegExp(`reply topic ${topic} is one of`));
    }
  });

  it('answers with an error a request with no samples, or whose reply could not fit in one record', () => {
    assert.equal(requestError([]), 'request has no samples');
    assert.equal(requestError([{ sampleId: 's1' }]), null);
    const many = Array.from({ length: 5000 }, (_, i) => ({ sampleId: `sample-${i}` }));
    assert.match(
      requestError(many) ?? '',
      new RegExp(`request of 5000 samples needs a reply of up to \\d+ bytes, over the ${MAX_REPLY_BYTES}`),
    );
  });

  it('writes the reply keyed and headed by the correlation id, with its fields in the wire order', () => {
    const record = replyRecord(
      { correlationId: 'c-9', replyTopic: 'client.replies' },
      { requestId: 'r', model: { name: 'm', version: 2 }, predictions: [], error: null, requestCreatedAt: 1, repliedAt: 2, predictor: 'p' },
    );
    assert.equal(record.key, 'c-9');
    assert.equal(record.headers?.[HEADER_CORRELATION_ID], 'c-9');
    assert.deepEqual(Object.keys(JSON.parse(String(record.value))), [
      'correlationId',
      'requestId',
      'model',
      'predictions',
      'error',
      'requestCreatedAt',
      'repliedAt',
      'predictor',
    ]);
  });
});
