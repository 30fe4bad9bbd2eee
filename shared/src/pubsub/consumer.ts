import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import type { Logger } from '../telemetry/logger';
import type { BatchHandler, ConsumerOptions, InboundBatch, InboundRecord } from '../transport/records';
import type { BatchConsumer } from '../transport/transport';
import { groupSubscription, toRecord } from './messages';

/** Most records in one batch handed over: Kafka's fetches give the predictor batches of about this size. */
const MAX_BATCH = 500;
/** Messages held unacknowledged by one reader at most: Pub/Sub stops sending beyond it (flow control). */
const MAX_OUTSTANDING = 4000;
/** Ack deadline of a group's subscription: how soon a replica killed mid-batch has its messages sent to another. */
export const GROUP_ACK_DEADLINE_SECONDS = 10;

interface Held {
  seq: number;
  message: Message;
  record: InboundRecord;
}

/**
 * A member of a group of readers: one subscription per topic shared by every member of the group,
 * so Pub/Sub gives each message to one of them. Messages are gathered into batches as they
 * arrive and handed over `concurrency` at a time; a message is acknowledged when the handler marks
 * it done, so one whose output was never written is sent again (to this member or another).
 */
export class SubscriptionConsumer implements BatchConsumer {
  private readonly subscriptions: { topic: string; subscription: Subscription }[] = [];
  private waiting: Held[] = [];
  private handler: BatchHandler | undefined;
  private inFlight = new Set<Promise<void>>();
  private pumpScheduled = false;
  private stopping = false;
  private seq = 0;

  constructor(
    private readonly client: PubSub,
    private readonly options: ConsumerOptions,
    private readonly logger: Logger,
    private readonly ensureSubscription: (topic: string, name: string) => Promise<void>,
  ) {}

  async connect(): Promise<void> {}

  async subscribe(topics: string[]): Promise<void> {
    for (const topic of topics) {
      const name = groupSubscription(topic, this.options.groupId);
      await this.ensureSubscription(topic, name);
      this.subscriptions.push({
        topic,
        subscription: this.client.subscription(name, { flowControl: { maxMessages: MAX_OUTSTANDING, allowExcessMessages: false } }),
      });
    }
  }

  async run(handler: BatchHandler): Promise<void> {
    this.handler = handler;
    for (const { topic, subscription } of this.subscriptions) {
      subscription.on('message', (message: Message) => {
        if (this.stopping) {
          message.nack();
          return;
        }
        this.waiting.push({ seq: ++this.seq, message, record: toRecord(topic, this.seq, message) });
        this.schedulePump();
      });
      subscription.on('error', (e: Error) => this.logger.warn(`Pub/Sub subscription ${subscription.name} of ${topic}: ${e.message}`));
    }
  }

  // Pub/Sub has no offsets to move to: a message not acknowledged is simply sent again.
  seek(): void {}

  onBatchEnd(): void {}

  onGroupJoin(): void {}

  /** Gathers what arrived in this turn of the event loop into batches: a burst becomes one batch, not hundreds. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 1;
    while (!this.stopping && this.inFlight.size < concurrency && this.waiting.length > 0 && this.handler !== undefined) {
      const topic = (this.waiting[0] as Held).record.topic;
      // One pass: the first MAX_BATCH of this topic leave, the rest keep their order.
      const taken: Held[] = [];
      const rest: Held[] = [];
      for (const h of this.waiting) (h.record.topic === topic && taken.length < MAX_BATCH ? taken : rest).push(h);
      this.waiting = rest;
      const work = this.handle(this.handler, topic, taken).finally(() => {
        this.inFlight.delete(work);
        this.schedulePump();
      });
      this.inFlight.add(work);
    }
  }

  private async handle(handler: BatchHandler, topic: string, held: Held[]): Promise<void> {
    const acked = new Set<number>();
    const acks: Promise<unknown>[] = [];
    const last = (held[held.length - 1] as Held).seq;
    const batch: InboundBatch = {
      topic,
      partition: 0,
      records: held.map((h) => h.record),
      // What this member holds beyond the batch: its part of the backlog, for the lag metric.
      highWatermark: String(last + 1 + this.waiting.length),
      markDone: (offset) => {
        for (const h of held) {
          if (h.seq > Number(offset) || acked.has(h.seq)) continue;
          acked.add(h.seq);
          // With exactly-once delivery the answer says whether Pub/Sub took the ack; commit awaits it.
          acks.push(h.message.ackWithResponse());
        }
      },
      commit: async () => {
        const results = await Promise.allSettled(acks.splice(0));
        const refused = results.filter((r) => r.status === 'rejected').length;
        if (refused > 0) this.logger.warn(`Pub/Sub refused ${refused} acknowledgement(s) on ${topic}: those messages are sent again`);
      },
      heartbeat: async () => {},
      isActive: () => !this.stopping,
    };
    try {
      await handler(batch);
    } catch (e) {
      this.logger.warn(`batch of ${held.length} from ${topic} failed (${(e as Error).message}); its messages are sent again`);
    } finally {
      // Not marked done: back to Pub/Sub now rather than at the ack deadline.
      for (const h of held) if (!acked.has(h.seq)) h.message.nack();
      await batch.commit();
    }
  }

  /** Hands back what no batch took yet, lets batches in hand finish, then closes the streams. */
  async disconnect(): Promise<void> {
    this.stopping = true;
    for (const h of this.waiting.splice(0)) h.message.nack();
    await Promise.all(this.inFlight);
    await Promise.all(this.subscriptions.map(({ subscription }) => subscription.close()));
  }
}
