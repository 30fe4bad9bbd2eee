import assert from 'node:assert/strict';
import { KafkaClient, createLogger, type InboundBatch } from '@hotswap/shared';
import { ExactlyOnceDelivery } from '@hotswap/predictor/stream/delivery';
import { brokers, isolatedNames, readAll } from './support/services';
import { setUpSuite } from './support/set-up';

/** A fetched batch of `count` records from `first` on, as the consumer hands it over; marks are recorded. */
function batchOf(topic: string, first: number, count: number, marked: string[]): InboundBatch {
  const records = Array.from({ length: count }, (_, i) => ({
    topic,
    partition: 0,
    offset: String(first + i),
    key: null,
    value: Buffer.from(`sample ${first + i}`),
    headers: {},
    timestamp: 0,
  }));
  return {
    topic,
    partition: 0,
    records,
    highWatermark: String(first + count),
    markDone: (offset) => marked.push(offset),
    commit: async () => undefined,
    heartbeat: async () => undefined,
    isActive: () => true,
  };
}

const output = (topic: string, from: number, to: number) => ({
  writes: [
    { topic, records: Array.from({ length: to - from + 1 }, (_, i) => ({ key: String(from + i), value: `prediction of ${from + i}` })) },
  ],
  lastOffset: String(to),
});

describe('exactly-once delivery when a partition changes hands (real broker)', function () {
  this.timeout(60_000);
  const names = isolatedNames('handover');
  let kafka: KafkaClient;
  setUpSuite(async () => {
    kafka = new KafkaClient(
      { brokers: brokers().split(','), clientId: 'hotswap-test', ssl: false },
      createLogger({ service: 'test', level: 'error' }),
    );
    await kafka.ensureTopics([
      { topic: names.dataTopic, partitions: 1 },
      { topic: names.predictionTopic, partitions: 1 },
    ]);
  });

  it('does not deliver again what the previous owner committed after the new owner read the offset', async () => {
    // The new owner's consumer read the committed offset (none yet) and fetched samples 0..9; then
    // the previous owner, still finishing, committed its predictions of 0..9 with offset 10.
    const previous = new ExactlyOnceDelivery(kafka, names.group);
    previous.rebalanced({ [names.dataTopic]: [0] });
    const previousMarks: string[] = [];
    assert.equal(await previous.deliver(output(names.predictionTopic, 0, 9), batchOf(names.dataTopic, 0, 10, previousMarks)), 'delivered');
    const next = new ExactlyOnceDelivery(kafka, names.group);
    next.rebalanced({ [names.dataTopic]: [0] });
    const marks: string[] = [];
    try {
      // Taking the partition fences the previous owner first; the committed offset read after that is final.
      assert.equal(await next.resumeOffset(batchOf(names.dataTopic, 0, 10, marks)), '10');
      const again = await next.deliver(output(names.predictionTopic, 0, 9), batchOf(names.dataTopic, 0, 10, marks));
      assert.deepEqual(again, { resumeFrom: '10' }, 'the batch is skipped, not delivered twice');
      assert.equal(await next.resumeOffset(batchOf(names.dataTopic, 10, 5, marks)), null, 'what follows goes ahead');
      assert.equal(await next.deliver(output(names.predictionTopic, 10, 14), batchOf(names.dataTopic, 10, 5, marks)), 'delivered');
      assert.deepEqual(marks, ['14']);
      const predictions = (await readAll(names.predictionTopic)).map((r) => String(r.key));
      assert.deepEqual(predictions, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14'], 'each sample once');
      // And the previous owner, fenced, can no longer commit anything.
      await assert.rejects(previous.deliver(output(names.predictionTopic, 10, 14), batchOf(names.dataTopic, 10, 5, previousMarks)));
    } finally {
      await Promise.all([previous.stop(), next.stop()]);
    }
  });
});
