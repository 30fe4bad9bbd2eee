// The records and batches the rest of the code speaks in, whichever transport carries them.
import type { MessageHeaders } from '../schemas/codec';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Topic configs, e.g. { 'cleanup.policy': 'compact' }. */
  config?: Record<string, string>;
}

export interface OutboundRecord {
  key?: string | Buffer | null;
  /**
   * Records with the same ordering are delivered in the order written where the transport has no
   * partitions to order them (a Pub/Sub ordering key); Kafka orders by the key's partition instead.
   */
  ordering?: string;
  value: Buffer | string;
  headers?: MessageHeaders;
  partition?: number;
  timestamp?: number;
}

export interface InboundRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
  /** Record timestamp (ms since epoch). */
  timestamp: number;
}

/** One fetched run of records from one partition, and the hooks to mark progress. */
export interface InboundBatch {
  topic: string;
  partition: number;
  records: InboundRecord[];
  /** Offset after the last record in the partition, as the broker sees it now. */
  highWatermark: string;
  /** Marks records up to and including `offset` as done (they are committed later). */
  markDone(offset: string): void;
  commit(): Promise<void>;
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or lost the partition: stop work on this batch. */
  isActive(): boolean;
}

export type BatchHandler = (batch: InboundBatch) => Promise<void>;

/** Where a consumer group should resume in one partition: the offset after the last record done. */
export interface ConsumedOffset {
  groupId: string;
  topic: string;
  partition: number;
  /** The next offset to read. */
  offset: string;
}

export interface ConsumerOptions {
  groupId: string;
  /** false when offsets are committed inside transactions (exactly-once); default true. */
  autoCommit?: boolean;
  /** Read from the earliest offset when the group has no committed offset. */
  fromBeginning: boolean;
  /** Upper bound on bytes fetched per partition per request. */
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  /** Partition batches handed to the handler at once (default 1). */
  concurrency?: number;
}

/** A batch handler that hands over one record at a time, marking each done, until the batch is no longer ours. */
export function recordByRecord(onRecord: (record: InboundRecord) => Promise<void> | void): BatchHandler {
  return async (batch) => {
    for (const record of batch.records) {
      if (!batch.isActive()) return;
      await onRecord(record);
      batch.markDone(record.offset);
    }
  };
}
