import assert from 'node:assert/strict';
import { kafkaLogLevel } from './log-levels';

describe('kafkaLogLevel', () => {
  it("writes a broker's error answer at debug: the caller retries or throws, and says which", () => {
    const message = 'Response AddPartitionsToTxn(key: 24, version: 1)';
    assert.equal(
      kafkaLogLevel('error', message, {
        error: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
      }),
      'debug',
    );
  });

  it('writes the first retries of an operation at debug and later ones at warn, never at error', () => {
    const message =
      'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
    assert.equal(kafkaLogLevel('error', message, { retryCount: 0, retryTime: 360 }), 'debug');
    assert.equal(kafkaLogLevel('error', message, { retryCount: 1, retryTime: 700 }), 'debug');
    assert.equal(kafkaLogLevel('error', message, { retryCount: 2, retryTime: 1500 }), 'warn');
    assert.equal(kafkaLogLevel('error', 'Restarting the consumer in 300ms', { retryCount: 5, retryTime: 300 }), 'warn');
  });

  it('writes a consumer crash that kafkajs restarts by itself, and its restart, at warn', () => {
    const crash = "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group";
    assert.equal(kafkaLogLevel('error', crash, { groupId: 'g', stack: '...' }), 'warn');
    assert.equal(kafkaLogLevel('error', 'Restarting the consumer in 300ms', { retryTime: 300, groupId: 'g' }), 'warn');
  });

  it("writes our batch handler's failure, which kafkajs hands over again, at warn", () => {
    assert.equal(kafkaLogLevel('error', 'Error when calling eachBatch', { topic: 'queueing.model', partition: 0, offset: '0' }), 'warn');
  });

  it('keeps an error that kafkajs does not retry at error', () => {
    assert.equal(kafkaLogLevel('error', 'Crash: KafkaJSNonRetriableError: Topic authorization failed', {}), 'error');
  });

  it('keeps the other levels as they are, but for the advice to retry an idempotent producer for ever', () => {
    assert.equal(kafkaLogLevel('warn', 'KafkaJS v2.0.0 switched default partitioner', {}), 'warn');
    assert.equal(kafkaLogLevel('info', 'Starting', {}), 'info');
    assert.equal(kafkaLogLevel('warn', 'Limiting retries for the idempotent producer to 15', {}), 'debug');
  });
});
