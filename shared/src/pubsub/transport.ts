// Google Cloud Pub/Sub as a transport: the only module that speaks to @google-cloud/pubsub.
import { PubSub, type Message, type Subscription, type Topic } from '@google-cloud/pubsub';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../config';
import type { Logger } from '../telemetry/logger';
import type { ConsumerOptions, InboundRecord, OutboundRecord, TopicSpec } from '../transport/records';
import { AccessRefusedError, type BatchConsumer, type RecordSender, type TopicReader, type Transport } from '../transport/transport';
import { GROUP_ACK_DEADLINE_SECONDS, SubscriptionConsumer } from './consumer';
import { RETAINED_SECONDS, isRetained, subscriptionName, toMessage, toRecord, topicNameProblem } from './messages';

export interface PubSubSettings {
  projectId: string;
}

/** Where the topics are, for messages: never a credential. */
export function describePubSub(settings: PubSubSettings): string {
  const emulator = process.env['PUBSUB_EMULATOR_HOST'];
  return `Pub/Sub project ${settings.projectId}${emulator ? ` on the emulator at ${emulator}` : ''}`;
}

/** How long a starting reader waits for a further retained message before it counts itself caught up. */
const CAUGHT_UP_AFTER_QUIET_MS = 1000;
/** A private subscription a reader left behind (killed, not stopped) is removed by Pub/Sub after this. */
const PRIVATE_SUBSCRIPTION_TTL_SECONDS = 24 * 3600;

/** gRPC codes that no retry mends: the credentials or the project are wrong. */
const REFUSED = new Map([
  [7, 'PERMISSION_DENIED'],
  [16, 'UNAUTHENTICATED'],
]);

function grpcCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export class PubSubTransport implements Transport {
  readonly kind = 'pubsub';
  private readonly client: PubSub;
  private readonly publishers = new Map<string, Topic>();
  private readonly knownTopics = new Set<string>();

  constructor(
    private readonly settings: PubSubSettings,
    private readonly logger: Logger,
  ) {
    // On the emulator there is no metadata server to ask for a project: without this the client
    // looks for one and prints a warning. Elsewhere it is where credentials may come from.
    if (process.env['PUBSUB_EMULATOR_HOST'] && process.env['METADATA_SERVER_DETECTION'] === undefined) {
      process.env['METADATA_SERVER_DETECTION'] = 'none';
    }
    // The client finds credentials in the environment (or PUBSUB_EMULATOR_HOST); they are never logged.
    this.client = new PubSub({ projectId: settings.projectId });
  }

  private where(): string {
    return describePubSub(this.settings);
  }

  async waitForTopics(specs: TopicSpec[], signal?: AbortSignal): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ensureTopics(specs);
      } catch (e) {
        if (signal?.aborted || e instanceof ConfigError) throw e;
        const code = grpcCode(e);
        if (code !== undefined && REFUSED.has(code)) {
          throw new AccessRefusedError(
            `${this.where()} refused this client (${REFUSED.get(code)}: ${(e as Error).message}): check the credentials (GOOGLE_APPLICATION_CREDENTIALS) and PUBSUB_PROJECT_ID`,
          );
        }
        const seconds = Math.min(30, 2 ** Math.min(attempt - 1, 5));
        this.logger.warn(`${this.where()} not ready (${(e as Error).message}); retry ${attempt} in ${seconds} s`);
        await sleep(seconds * 1000, undefined, signal === undefined ? {} : { signal });
      }
    }
  }

  async ensureTopics(specs: TopicSpec[]): Promise<string[]> {
    const created: string[] = [];
    for (const spec of specs) {
      const problem = topicNameProblem(spec.topic);
      if (problem !== null) throw new ConfigError('topic', spec.topic, problem.replace(`${JSON.stringify(spec.topic)} `, 'a name that '));
      const [exists] = await this.client.topic(spec.topic).exists();
      if (!exists) {
        try {
          await this.client.createTopic({
            name: spec.topic,
            ...(isRetained(spec) ? { messageRetentionDuration: { seconds: RETAINED_SECONDS } } : {}),
          });
          created.push(spec.topic);
        } catch (e) {
          if (grpcCode(e) !== 6) throw e; // 6: ALREADY_EXISTS, another service made it meanwhile
        }
      }
      this.knownTopics.add(spec.topic);
    }
    return created;
  }

  async topicExists(topic: string): Promise<boolean> {
    if (this.knownTopics.has(topic)) return true;
    if (topicNameProblem(topic) !== null) return false;
    const [exists] = await this.client.topic(topic).exists();
    if (exists) this.knownTopics.add(topic);
    return exists;
  }

  forgetTopics(): void {
    this.knownTopics.clear();
  }

  /** A topic handle that publishes in batches, ordered by ordering key where records carry one. */
  private publisher(topic: string): Topic {
    let publisher = this.publishers.get(topic);
    if (publisher === undefined) {
      publisher = this.client.topic(topic, { messageOrdering: true, batching: { maxMessages: 1000, maxMilliseconds: 5 } });
      this.publishers.set(topic, publisher);
    }
    return publisher;
  }

  /** The names of a topic's subscriptions: the group's, and each running reader's own. */
  async subscriptionsOf(topic: string): Promise<string[]> {
    const [subscriptions] = await this.client.topic(topic).getSubscriptions();
    return subscriptions.map((sub) => sub.name.slice(sub.name.lastIndexOf('/') + 1));
  }

  producer(): RecordSender {
    return {
      connect: async () => {},
      send: (topic, records) => this.publish(topic, records),
      disconnect: async () => {},
    };
  }

  private async publish(topic: string, records: OutboundRecord[]): Promise<void> {
    if (records.length === 0) return;
    const publisher = this.publisher(topic);
    const results = await Promise.allSettled(records.map((r) => publisher.publishMessage(toMessage(r))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      // A failed publish pauses its ordering key; resume it, so the caller's retry can go through.
      for (const r of records) if (r.ordering !== undefined) publisher.resumePublishing(r.ordering);
      throw new Error(`publishing to ${topic} failed: ${(failed.reason as Error).message}`);
    }
  }

  consumer(options: ConsumerOptions): BatchConsumer {
    return new SubscriptionConsumer(this.client, options, this.logger, (topic, name) =>
      this.ensureSubscription(topic, name, {
        ackDeadlineSeconds: GROUP_ACK_DEADLINE_SECONDS,
        // Pub/Sub's exactly-once delivery: an acknowledged message is not sent again. It cannot span
        // publishing the prediction and acknowledging the sample: a crash between them repeats it.
        enableExactlyOnceDelivery: true,
      }),
    );
  }

  private async ensureSubscription(topic: string, name: string, options: Record<string, unknown>): Promise<void> {
    try {
      await this.client.topic(topic).createSubscription(name, options);
    } catch (e) {
      if (grpcCode(e) !== 6) throw e; // ALREADY_EXISTS: another member of the group made it
    }
  }

  async readFromStart(
    topic: string,
    groupPrefix: string,
    onRecord: (record: InboundRecord) => Promise<void>,
    onCaughtUp: () => void,
  ): Promise<TopicReader> {
    const name = subscriptionName(`${topic}.${groupPrefix}-${randomUUID()}`);
    // No ordered delivery here: the emulator cannot seek an ordered subscription. The replay is put
    // in publish order below; later messages come as they are published, minutes apart for models.
    await this.ensureSubscription(topic, name, { expirationPolicy: { ttl: { seconds: PRIVATE_SUBSCRIPTION_TTL_SECONDS } } });
    const subscription = this.client.subscription(name);
    // The topic keeps its messages (RETAINED_SECONDS): back over all of them.
    await subscription.seek(new Date(0));
    const replay = new ReplayInOrder(CAUGHT_UP_AFTER_QUIET_MS, onCaughtUp);
    return this.read(topic, subscription, onRecord, replay);
  }

  async readFromNow(topic: string, groupPrefix: string, onRecord: (record: InboundRecord) => Promise<void> | void): Promise<TopicReader> {
    const name = subscriptionName(`${topic}.${groupPrefix}-${randomUUID()}`);
    // A new subscription receives what is published from its creation on: "from now".
    await this.ensureSubscription(topic, name, { expirationPolicy: { ttl: { seconds: PRIVATE_SUBSCRIPTION_TTL_SECONDS } } });
    return this.read(topic, this.client.subscription(name), onRecord, null);
  }

  /**
   * Hands a private subscription's messages over one at a time (a replay first, in publish order,
   * when `replay` is given); deletes the subscription on disconnect.
   */
  private read(
    topic: string,
    subscription: Subscription,
    onRecord: (record: InboundRecord) => Promise<void> | void,
    replay: ReplayInOrder | null,
  ): TopicReader {
    let seq = 0;
    let chain: Promise<void> = Promise.resolve();
    let stopping = false;
    const handOver = (message: Message): void => {
      const record = toRecord(topic, ++seq, message);
      chain = chain.then(async () => {
        if (stopping) return message.nack();
        try {
          await onRecord(record);
          message.ack();
        } catch (e) {
          this.logger.warn(`reading ${topic}: ${(e as Error).message}; the message is sent again`);
          message.nack();
        }
      });
    };
    replay?.start((messages) => {
      messages.forEach(handOver);
      return chain;
    });
    subscription.on('message', (message: Message) => {
      if (replay === null || !replay.hold(message)) handOver(message);
    });
    subscription.on('error', (e: Error) => this.logger.warn(`Pub/Sub subscription ${subscription.name} of ${topic}: ${e.message}`));
    return {
      disconnect: async () => {
        stopping = true;
        replay?.cancel();
        await chain;
        await subscription.close();
        // A private subscription: removed when its reader stops cleanly (a killed one expires by its TTL).
        await subscription
          .delete()
          .catch((e: Error) => this.logger.warn(`could not remove subscription ${subscription.name}: ${e.message}`));
      },
    };
  }
}

/**
 * The first messages of a replay, held until none has come for `quietMs`, then handed over in
 * publish order (Pub/Sub sends a replay in no particular order); `onDone` once they all were.
 */
class ReplayInOrder {
  private held: Message[] | null = [];
  private timer: NodeJS.Timeout | undefined;
  private flush: (messages: Message[]) => Promise<void> = async () => {};

  constructor(
    private readonly quietMs: number,
    private readonly onDone: () => void,
  ) {}

  start(flush: (messages: Message[]) => Promise<void>): void {
    this.flush = flush;
    this.restartTimer();
  }

  /** Holds a message while the replay lasts; false once it is over. */
  hold(message: Message): boolean {
    if (this.held === null) return false;
    this.held.push(message);
    this.restartTimer();
    return true;
  }

  cancel(): void {
    clearTimeout(this.timer);
    for (const m of this.held ?? []) m.nack();
    this.held = null;
  }

  private restartTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const messages = (this.held ?? []).sort(byPublishTime);
      this.held = null;
      void this.flush(messages).then(() => this.onDone());
    }, this.quietMs);
  }
}

function byPublishTime(a: Message, b: Message): number {
  const at = a.publishTime.getFullTime();
  const bt = b.publishTime.getFullTime();
  return at < bt ? -1 : at > bt ? 1 : 0;
}
