import type { InboundBatch, OutboundRecord, RecordSender, Transport } from '@hotswap/shared';

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
  /** The consumer group was (re)joined with this assignment (partitions by topic): partitions may have changed hands. */
  rebalanced(assignment: Readonly<Record<string, readonly number[]>>): void;
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
  private readonly producers: RecordSender[];

  constructor(transport: Transport) {
    this.producers = Array.from({ length: AT_LEAST_ONCE_PRODUCERS }, () => transport.producer());
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
    const producer = this.producers[batch.partition % this.producers.length] as RecordSender;
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

export { ExactlyOnceDelivery } from './exactly-once';
