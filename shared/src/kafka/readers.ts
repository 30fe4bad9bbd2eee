import type { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { endOffsets, topicOffsets, withAdmin } from './admin';
import type { RecordConsumer } from './consumer';
import { recordByRecord, type ConsumerOptions } from '../transport/records';
import type { InboundRecord } from './records';

/**
 * Reads a topic from its first record with a private consumer group, so this reader sees every
 * record whatever other readers do. `onCaughtUp` fires once, when the records that were in the
 * topic at the start have all been handed to `onRecord`; reading then goes on until disconnect.
 */
export async function readFromStart(
  kafka: Kafka,
  newConsumer: (options: ConsumerOptions) => RecordConsumer,
  topic: string,
  groupPrefix: string,
  onRecord: (record: InboundRecord) => Promise<void>,
  onCaughtUp: () => void,
): Promise<RecordConsumer> {
  const ranges = await withAdmin(kafka, (admin) => topicOffsets(admin, topic));
  // Partitions still holding records we have not read yet, with the offset to reach.
  const pending = new Map(ranges.filter((r) => Number(r.high) > Number(r.low)).map((r) => [r.partition, Number(r.high)]));
  let caughtUp = false;
  const check = (): void => {
    if (!caughtUp && pending.size === 0) {
      caughtUp = true;
      onCaughtUp();
    }
  };
  const consumer = newConsumer({
    groupId: `${groupPrefix}-${randomUUID()}`,
    fromBeginning: true,
    maxBytesPerPartition: 64 * 1024 * 1024,
  });
  // Progress comes from batch ends, not records: a topic written in transactions ends in
  // commit markers that are never handed over as records.
  consumer.onBatchEnd((_topic, partition, lastOffset) => {
    const target = pending.get(partition);
    if (target !== undefined && Number(lastOffset) + 1 >= target) {
      pending.delete(partition);
      check();
    }
  });
  await consumer.connect();
  await consumer.subscribe([topic]);
  await consumer.run(recordByRecord(onRecord));
  check();
  return consumer;
}

/** Reads what is written to a topic from now on, with a private consumer group, until disconnect. */
export async function readFromNow(
  kafka: Kafka,
  newConsumer: (options: ConsumerOptions) => RecordConsumer,
  topic: string,
  groupPrefix: string,
  onRecord: (record: InboundRecord) => Promise<void> | void,
): Promise<RecordConsumer> {
  // Offsets taken before we join, so nothing written between now and the assignment is missed.
  const start = await endOffsets(kafka, topic);
  const consumer = newConsumer({ groupId: `${groupPrefix}-${randomUUID()}`, fromBeginning: false, autoCommit: false });
  await consumer.connect();
  await consumer.subscribe([topic]);
  await consumer.run(recordByRecord(onRecord));
  for (const [partition, offset] of start) consumer.seek(topic, partition, offset);
  return consumer;
}
