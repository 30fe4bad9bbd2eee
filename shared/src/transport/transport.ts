// The one seam between the services and what carries their records: Kafka (kafka/client.ts) or
// Google Cloud Pub/Sub (pubsub/transport.ts). Services and the predictor's logic speak to these
// interfaces only, so the same code runs on both.
import type { BatchHandler, ConsumerOptions, InboundRecord, OutboundRecord, TopicSpec } from './records';

/** The transport refused this client, or this client refused its certificate: no retry mends it; the message says which setting to change. */
export class AccessRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessRefusedError';
  }
}

export type TransportKind = 'kafka' | 'pubsub';
export const TRANSPORT_KINDS: readonly TransportKind[] = ['kafka', 'pubsub'];

/** Writes records to any topic; `send` resolves once the transport has them durably. */
export interface RecordSender {
  connect(): Promise<void>;
  send(topic: string, records: OutboundRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** A member of a group of readers that share a topic's records: each record goes to one member. */
export interface BatchConsumer {
  connect(): Promise<void>;
  subscribe(topics: string[]): Promise<void>;
  /** Starts handing batches over; the handler marks what it finished (markDone). Returns at once. */
  run(handler: BatchHandler): Promise<void>;
  /** Moves reading in a partition to `offset` (Kafka; a transport without offsets ignores it). */
  seek(topic: string, partition: number, offset: string): void;
  /** Called after every batch with its last offset (Kafka, transaction markers included). */
  onBatchEnd(listener: (topic: string, partition: number, lastOffset: string) => void): void;
  /** Called when the member (re)joins its group with its partitions by topic (Kafka only). */
  onGroupJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void): void;
  /** Lets batches in hand finish, marks what they finished as consumed, and leaves the group. */
  disconnect(): Promise<void>;
}

/** A private reader of a topic (readFromStart, readFromNow). */
export interface TopicReader {
  disconnect(): Promise<void>;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Waits until the transport answers and the topics exist, creating the missing ones; their names. */
  waitForTopics(specs: TopicSpec[], signal?: AbortSignal): Promise<string[]>;
  /** Creates the topics that are missing; their names. */
  ensureTopics(specs: TopicSpec[]): Promise<string[]>;
  /** Whether a topic exists, from a list refreshed at most once a second on a miss. */
  topicExists(topic: string): Promise<boolean>;
  forgetTopics(): void;
  producer(): RecordSender;
  consumer(options: ConsumerOptions): BatchConsumer;
  /** Every record of a topic from its first one, then what follows; `onCaughtUp` once the first are handed over. */
  readFromStart(
    topic: string,
    groupPrefix: string,
    onRecord: (record: InboundRecord) => Promise<void>,
    onCaughtUp: () => void,
  ): Promise<TopicReader>;
  /** What is written to a topic from now on. */
  readFromNow(topic: string, groupPrefix: string, onRecord: (record: InboundRecord) => Promise<void> | void): Promise<TopicReader>;
}
