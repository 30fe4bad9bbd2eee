// The records and batches the rest of the code speaks in, and their kafkajs forms.
import type { IHeaders, Message } from 'kafkajs';
import type { MessageHeaders } from '../schemas/codec';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Topic configs, e.g. { 'cleanup.policy': 'compact' }. */
  config?: Record<string, string>;
}

export interface OutboundRecord {
  key?: string | Buffer | null;
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

/** Headers as the rest of the code reads them: each one's first value, as a string. */
export function toHeaders(headers: IHeaders | undefined): MessageHeaders {
  const out: MessageHeaders = {};
  if (headers === undefined) return out;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

/** Where a consumer group should resume in one partition: the offset after the last record done. */
export interface ConsumedOffset {
  groupId: string;
  topic: string;
  partition: number;
  /** The next offset to read. */
  offset: string;
}

/** Records as kafkajs sends them. */
export function toMessages(records: OutboundRecord[]): Message[] {
  return records.map((r) => ({
    key: r.key ?? null,
    value: r.value,
    ...(r.headers === undefined ? {} : { headers: r.headers }),
    ...(r.partition === undefined ? {} : { partition: r.partition }),
    ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
  }));
}
