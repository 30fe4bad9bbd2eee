import type { Producer } from 'kafkajs';
import { toMessages, type ConsumedOffset, type OutboundRecord } from './records';
import { requestsOf } from './requests';
import type { RecordSender } from '../transport/transport';

/** A producer of records to any topic; `send` resolves once the broker acknowledged (acks=all). */
export class RecordProducer implements RecordSender {
  constructor(private readonly producer: Producer) {}

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Sends in as many requests as the broker's record-batch limit needs (see requestsOf), one after another. */
  async send(topic: string, records: OutboundRecord[]): Promise<void> {
    for (const part of requestsOf(records)) {
      await this.producer.send({
        topic,
        acks: -1,
        messages: toMessages(part),
      });
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * A transactional producer: writes records to several topics and commits a consumer group's
 * offset in one Kafka transaction, so readers with read_committed see the records exactly when
 * the input is marked consumed. Starting another producer with the same transactional id fences
 * this one and aborts its open transaction.
 */
export class TransactionalProducer {
  constructor(
    private readonly producer: Producer,
    readonly transactionalId: string,
  ) {}

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async commitTogether(writes: { topic: string; records: OutboundRecord[] }[], consumed: ConsumedOffset): Promise<void> {
    const tx = await this.producer.transaction();
    try {
      for (const w of writes) {
        for (const part of requestsOf(w.records)) await tx.send({ topic: w.topic, acks: -1, messages: toMessages(part) });
      }
      await tx.sendOffsets({
        consumerGroupId: consumed.groupId,
        topics: [{ topic: consumed.topic, partitions: [{ partition: consumed.partition, offset: consumed.offset }] }],
      });
      await tx.commit();
    } catch (e) {
      // A fenced producer cannot abort; the coordinator aborts for it. Report the first error.
      await tx.abort().catch(() => undefined);
      throw e;
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
