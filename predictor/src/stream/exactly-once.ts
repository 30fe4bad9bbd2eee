import type { InboundBatch, KafkaClient, TransactionalProducer } from '@hotswap/shared/kafka';
import type { ChunkOutput, Delivery } from './delivery';

/** This replica's hold on one input partition under exactly-once, for one group generation. */
interface Ownership {
  producer: TransactionalProducer;
  /** Offsets below this were delivered (and their offsets committed) by an earlier owner. */
  floor: bigint;
}

/**
 * Output and the consumed offset committed in one transaction. One transactional producer per
 * input partition, with an id derived from group, topic and partition. kafkajs sends no
 * consumer-group generation with its offsets (KIP-447), so the id is what fences. At every
 * (re)join, each assigned partition is taken at once: its producer is initialised afresh, which
 * fences the previous owner and waits until its open transaction is aborted or complete; only then
 * is the group's committed offset final. A batch that starts below it was delivered by the previous
 * owner after this replica's consumer had read the offset: it is skipped, and the partition
 * resumes from there.
 */
export class ExactlyOnceDelivery implements Delivery {
  readonly mode = 'exactly-once';
  /** This generation's holds, by `topic-partition`: taken at the join, or at a partition's first batch. */
  private holds = new Map<string, Promise<Ownership>>();
  /** Every producer this replica holds, to disconnect the ones a new generation replaced. */
  private readonly producers = new Set<TransactionalProducer>();

  constructor(
    private readonly kafka: KafkaClient,
    private readonly groupId: string,
  ) {}

  async start(): Promise<void> {}

  rebalanced(assignment: Readonly<Record<string, readonly number[]>>): void {
    const before = [...this.producers];
    this.holds = new Map();
    // Taken at once, not at each partition's first batch: the fence comes sooner, and no batch waits for it in line.
    for (const [topic, partitions] of Object.entries(assignment)) {
      if (partitions.length === 0) continue;
      const taken = this.take(topic, partitions);
      partitions.forEach((partition, i) => {
        const hold = taken.then((all) => all[i] as Ownership);
        hold.catch(() => this.holds.delete(key(topic, partition)));
        this.holds.set(key(topic, partition), hold);
      });
    }
    // The last generation's producers go once the new ones hold their ids: by then a commit one
    // of them had in flight is complete or aborted, never cut off.
    void Promise.allSettled([...this.holds.values()]).then(() =>
      Promise.all(
        before.map((producer) => {
          this.producers.delete(producer);
          return producer.disconnect().catch(() => undefined);
        }),
      ),
    );
  }

  async resumeOffset(batch: InboundBatch): Promise<string | null> {
    const first = batch.records[0]?.offset;
    if (first === undefined) return null;
    const { floor } = await this.hold(batch.topic, batch.partition);
    return BigInt(first) < floor ? String(floor) : null;
  }

  async deliver(output: ChunkOutput, batch: InboundBatch): Promise<'delivered' | { resumeFrom: string }> {
    // A rebalance since resumeOffset means a new hold, whose floor this batch must be checked against too.
    const resumeFrom = await this.resumeOffset(batch);
    if (resumeFrom !== null) return { resumeFrom };
    const { producer } = await this.hold(batch.topic, batch.partition);
    try {
      await producer.commitTogether(output.writes, {
        groupId: this.groupId,
        topic: batch.topic,
        partition: batch.partition,
        offset: String(BigInt(output.lastOffset) + 1n),
      });
    } catch (e) {
      // Fenced or broken: forget this hold; the next batch takes the partition again (and fences in turn).
      this.holds.delete(key(batch.topic, batch.partition));
      this.producers.delete(producer);
      await producer.disconnect().catch(() => undefined);
      throw e;
    }
    batch.markDone(output.lastOffset);
    return 'delivered';
  }

  async endOfBatch(): Promise<void> {}

  async stop(): Promise<void> {
    const all = [...this.producers];
    this.producers.clear();
    this.holds.clear();
    await Promise.all(all.map((p) => p.disconnect().catch(() => undefined)));
  }

  /** The hold on a partition this generation; one the join did not name (or that failed) is taken now. */
  private hold(topic: string, partition: number): Promise<Ownership> {
    let hold = this.holds.get(key(topic, partition));
    if (hold === undefined) {
      hold = this.take(topic, [partition]).then((all) => all[0] as Ownership);
      hold.catch(() => this.holds.delete(key(topic, partition)));
      this.holds.set(key(topic, partition), hold);
    }
    return hold;
  }

  /** Fences the partitions' previous owners (a fresh producer each), then reads the committed offsets, once per topic. */
  private async take(topic: string, partitions: readonly number[]): Promise<Ownership[]> {
    const producers = await Promise.all(
      partitions.map(async (partition) => {
        const producer = this.kafka.transactionalProducer(`hotswap-${this.groupId}-${topic}-${partition}`);
        // InitProducerId: fences whoever held this id before, once its open transaction is aborted or complete.
        await producer.connect();
        this.producers.add(producer);
        return producer;
      }),
    );
    const committed = await this.kafka.committedOffsets(this.groupId, topic);
    return partitions.map((partition, i) => {
      const offset = committed.get(partition);
      return { producer: producers[i] as TransactionalProducer, floor: offset === undefined || offset === '-1' ? -1n : BigInt(offset) };
    });
  }
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
