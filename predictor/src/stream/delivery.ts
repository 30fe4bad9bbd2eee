import type { InboundBatch, KafkaClient, OutboundRecord, RecordProducer, TransactionalProducer } from '@hotswap/shared';

export type DeliveryMode = 'exactly-once' | 'at-least-once';
export const DELIVERY_MODES: readonly DeliveryMode[] = ['exactly-once', 'at-least-once'];
/** Producers of at-least-once delivery: batches delivered side by side each wait on their own acknowledgement. */
const AT_LEAST_ONCE_PRODUCERS = 3;

/** What one predicted chunk writes, and the last input offset it covers. */
export interface ChunkOutput {
  writes: { topic: string; records: OutboundRecord[] }[];
  lastOffset: string;
}

/** How a chunk's output becomes durable and its input consumed. */
export interface Delivery {
  readonly mode: DeliveryMode;
  start(): Promise<void>;
  /** Resolves once the output is durable and the input marked consumed; throws otherwise. */
  deliver(output: ChunkOutput, batch: InboundBatch): Promise<void>;
  endOfBatch(batch: InboundBatch): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Output acknowledged by all in-sync replicas (idempotent producer), then the offset marked and
 * committed: a crash in between predicts those samples again. An idempotent producer has one
 * request in flight, so batches delivered at once use producers of their own (by input
 * partition: one partition's batches still go through one producer, in order).
 */
export class AtLeastOnceDelivery implements Delivery {
  readonly mode = 'at-least-once';
  private readonly producers: RecordProducer[];

  constructor(kafka: KafkaClient) {
    this.producers = Array.from({ length: AT_LEAST_ONCE_PRODUCERS }, () => kafka.producer());
  }

  async start(): Promise<void> {
    await Promise.all(this.producers.map((p) => p.connect()));
  }

  async deliver(output: ChunkOutput, batch: InboundBatch): Promise<void> {
    const producer = this.producers[batch.partition % this.producers.length] as RecordProducer;
    for (const w of output.writes) await producer.send(w.topic, w.records);
    batch.markDone(output.lastOffset);
  }

  async endOfBatch(batch: InboundBatch): Promise<void> {
    await batch.commit();
  }

  async stop(): Promise<void> {
    await Promise.all(this.producers.map((p) => p.disconnect()));
  }
}

/**
 * Output and the consumed offset committed in one transaction. One transactional producer per
 * input partition, with an id derived from group, topic and partition: whichever replica owns the
 * partition next fences the previous owner and aborts what it left open, so a zombie can never
 * commit. (kafkajs sends no consumer-group generation with its offsets, so the per-partition id
 * is what fences here.)
 */
export class ExactlyOnceDelivery implements Delivery {
  readonly mode = 'exactly-once';
  private readonly producers = new Map<string, Promise<TransactionalProducer>>();

  constructor(
    private readonly kafka: KafkaClient,
    private readonly groupId: string,
  ) {}

  async start(): Promise<void> {}

  private producerFor(topic: string, partition: number): Promise<TransactionalProducer> {
    const id = `hotswap-${this.groupId}-${topic}-${partition}`;
    let producer = this.producers.get(id);
    if (producer === undefined) {
      const created = this.kafka.transactionalProducer(id);
      producer = created.connect().then(() => created);
      // A producer that failed to start is forgotten, so the next batch tries again.
      producer.catch(() => this.producers.delete(id));
      this.producers.set(id, producer);
    }
    return producer;
  }

  async deliver(output: ChunkOutput, batch: InboundBatch): Promise<void> {
    const producer = await this.producerFor(batch.topic, batch.partition);
    try {
      await producer.commitTogether(output.writes, {
        groupId: this.groupId,
        topic: batch.topic,
        partition: batch.partition,
        offset: String(BigInt(output.lastOffset) + 1n),
      });
    } catch (e) {
      // Fenced or broken: drop this producer; a new one re-initialises the id (and fences in turn).
      this.producers.delete(producer.transactionalId);
      await producer.disconnect().catch(() => undefined);
      throw e;
    }
    batch.markDone(output.lastOffset);
  }

  async endOfBatch(): Promise<void> {}

  async stop(): Promise<void> {
    const all = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.disconnect().catch(() => undefined)));
  }
}
