import assert from 'node:assert/strict';
import { KEY_ATTRIBUTE, groupSubscription, isRetained, subscriptionName, toMessage, toRecord, topicNameProblem } from './messages';

describe('Pub/Sub messages: records as messages and back', () => {
  it('carries headers as attributes, the key in an attribute of its own, the ordering as the ordering key', () => {
    const message = toMessage({
      key: 'fashion-mnist@3',
      ordering: 'fashion-mnist',
      value: Buffer.from('weights'),
      headers: { 'content-type': 'x' },
    });
    assert.deepEqual(message, {
      data: Buffer.from('weights'),
      attributes: { 'content-type': 'x', [KEY_ATTRIBUTE]: 'fashion-mnist@3' },
      orderingKey: 'fashion-mnist',
    });
    assert.deepEqual(toMessage({ value: 'text' }), { data: Buffer.from('text'), attributes: {} });
  });

  it('reads a message back as the record that was written, at the place the reader gave it', () => {
    const publishTime = new Date(1_700_000_000_000);
    const record = toRecord('queueing.model', 7, { data: Buffer.from('w'), attributes: { a: '1', [KEY_ATTRIBUTE]: 'k' }, publishTime });
    assert.deepEqual(record, {
      topic: 'queueing.model',
      partition: 0,
      offset: '7',
      key: Buffer.from('k'),
      value: Buffer.from('w'),
      headers: { a: '1' },
      timestamp: 1_700_000_000_000,
    });
    assert.equal(toRecord('t', 1, { data: Buffer.alloc(0), attributes: {}, publishTime }).value, null, 'empty data: a tombstone');
  });

  it('keeps the topics Kafka compacts (the model topic) for readers that start later', () => {
    assert.equal(isRetained({ topic: 'm', partitions: 1, config: { 'cleanup.policy': 'compact' } }), true);
    assert.equal(isRetained({ topic: 'd', partitions: 6, config: { 'retention.ms': '1' } }), false);
    assert.equal(isRetained({ topic: 'd', partitions: 6 }), false);
  });

  it('names subscriptions within Pub/Sub rules', () => {
    assert.equal(groupSubscription('queueing.data', 'hotswap-predictor'), 'queueing.data.hotswap-predictor');
    assert.equal(subscriptionName('1abc'), 's-1abc');
    assert.equal(subscriptionName('google'), 's-google');
    assert.equal(subscriptionName('a b/c'), 'a_b_c');
    assert.equal(subscriptionName('x'.repeat(300)).length, 255);
  });

  it('says why a topic name cannot be one on Pub/Sub', () => {
    assert.equal(topicNameProblem('queueing.data'), null);
    assert.match(topicNameProblem('ab') ?? '', /3 to 255 characters/);
    assert.match(topicNameProblem('1abc') ?? '', /start with a letter/);
    assert.match(topicNameProblem('a/b/c') ?? '', /only letters, digits/);
    assert.match(topicNameProblem('goog.x') ?? '', /must not start with "goog"/);
  });
});
