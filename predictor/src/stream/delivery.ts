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
  /** The consumer group was (re)joined: partitions may have changed hands. */
  rebalanced(): void;
  /**
   * Where to resume a partition instead of predicting this batch, when its start was already
   * delivered by the partition's previous owner; null to go ahead.
   */
  resumeOffset(batch: InboundBatch): Promise<string | null>;
  /**
   * Resolves once the output is durable and the input marked consumed ('delivered'), or, writing
   * nothing, with where to resume when the batch proves already delivered; throws otherwise.
   */
  deliver(output: ChunkOutput, batch: InboundBatch): Promise<'delivered' | { resumeFrom: string }>;
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

  rebalanced(): void {}

  // At least once: a batch the previous owner delivered but did not commit is delivered again, by design.
  async resumeOffset(): Promise<string | null> {
    return null;
  }

  async deliver(output: ChunkOutput, batch: InboundBatch): Promise<'delivered'> {
    const producer = this.producers[batch.partition % this.producers.length] as RecordProducer;
    for (const w of output.writes) await producer.send(w.topic, w.records);
    batch.markDone(output.lastOffset);
    return 'delivered';
  }

  async endOfBatch(batch: InboundBatch): Promise<void> {
    await batch.commit();
  }

  async stop(): Promise<void> {
    await Promise.all(this.producers.map((p) => p.disconnect()));
  }
}

/** This replica's hold on one input partition under exactly-once, for one group generation. */
interface Ownership {
  producer: TransactionalProducer;
  generation: number;
  /** Offsets below this were delivered (and their offsets committed) by an earlier owner. */
  floor: bigint;
}

/**
 * Output and the consumed offset committed in one transaction. One transactional producer per
 * input partition, with an id derived from group, topic and partition. kafkajs sends no
 * consumer-group generation with its offsets, so the id is what fences: after every rebalance, the
 * first batch of a partition re-initialises its producer, which fences the previous owner and
 * aborts or completes what it left open; only then is the group's committed offset final, and a
 * batch that starts below it was already delivered (the previous owner committed after this
 * replica's consumer had read the offset): it is skipped, and the partition resumes from there.
 */
export class ExactlyOnceDelivery implements Delivery {
  readonly mode = 'exactly-once';
  private readonly owned = new Map<string, Ownership>();
  private generation = 0;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly groupId: string,
  ) {}

  async start(): Promise<void> {}

  rebalanced(): void {
    this.generation++;
  }

  async resumeOffset(batch: InboundBatch): Promise<string | null> {
    const first = batch.records[0]?.offset;
    if (first === undefined) return null;
    const { floor } = await this.ownership(batch.topic, batch.partition);
    return BigInt(first) < floor ? String(floor) : null;
  }

  /** This generation's hold on a partition, taken (fence, then read the committed offset) on first use. */
  private async ownership(topic: string, partition: number): Promise<Ownership> {
    const key = `${topic}-${partition}`;
    const known = this.owned.get(key);
    if (known !== undefined && known.generation === this.generation) return known;
    const generation = this.generation;
    if (known !== undefined) {
      this.owned.delete(key);
      await known.producer.disconnect().catch(() => undefined);
    }
    const producer = this.kafka.transactionalProducer(`hotswap-${this.groupId}-${topic}-${partition}`);
    // InitProducerId: fences whoever held this id before, once its open transaction is aborted or complete.
    await producer.connect();
    try {
      const committed = (await this.kafka.committedOffsets(this.groupId, topic)).get(partition);
      const floor = committed === undefined || committed === '-1' ? -1n : BigInt(committed);
      const ownership = { producer, generation, floor };
      this.owned.set(key, ownership);
      return ownership;
    } catch (e) {
      await producer.disconnect().catch(() => undefined);
      throw e;
    }
  }

  async deliver(output: ChunkOutput, batch: InboundBatch): Promise<'delivered' | { resumeFrom: string }> {
    // A rebalance since resumeOffset means a new hold, whose floor this batch must be checked against too.
    const resumeFrom = await this.resumeOffset(batch);
    if (resumeFrom !== null) return { resumeFrom };
    const { producer } = await this.ownership(batch.topic, batch.partition);
    try {
      await producer.commitTogether(output.writes, {
        groupId: this.groupId,
        topic: batch.topic,
        partition: batch.partition,
        offset: String(BigInt(output.lastOffset) + 1n),
      });
    } catch (e) {
      // Fenced or broken: forget this hold; the next batch takes the partition again (and fences in turn).
      this.owned.delete(`${batch.topic}-${batch.partition}`);
      await producer.disconnect().catch(() => undefined);
      throw e;
    }
    batch.markDone(output.lastOffset);
    return 'delivered';
  }

  async endOfBatch(): Promise<void> {}

  async stop(): Promise<void> {
    const all = [...this.owned.values()];
    this.owned.clear();
    await Promise.all(all.map((o) => o.producer.disconnect().catch(() => undefined)));
  }
}
