// kafkajs is imported under shared/src/kafka/ only: everything else speaks in the types of records.ts.
import type { Kafka as KafkaInstance, LogEntry, SASLOptions } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../telemetry/logger';
import { accessRefusal } from './access';
import { committedOffsets, committedOffsetsReader, endOffsets, topicOffsets, withAdmin, type CommittedOffsetsReader } from './admin';
import type { KafkaConnectionSettings } from './connection';
import { DEFAULT_FETCH_BYTES_PER_PARTITION, FETCH_BYTES_PER_REQUEST, RecordConsumer } from './consumer';
import { loadKafkajs } from './kafkajs';
import type { FastPathsState } from './kafkajs-fast-paths';
import { kafkaLogLevel, type LogLevelName } from './log-levels';
import { kafkaDefaultPartitioner } from './partitioning';
import { RecordProducer, TransactionalProducer } from './producers';
import { readFromNow, readFromStart } from './readers';
import type { ConsumerOptions, InboundRecord, TopicSpec } from './records';
import type { Transport } from '../transport/transport';

/** kafkajs's log levels (its logLevel enum) as ours. */
const LEVELS: Record<number, LogLevelName> = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' };

let fastPathsNoted = false;

/** Says once per process whether kafkajs runs with the fast paths, and if not, why. */
function noteFastPaths(state: FastPathsState, logger: Logger): void {
  if (fastPathsNoted) return;
  fastPathsNoted = true;
  if (state.installed)
    logger.debug('kafkajs: fast paths in place for produce encoding and record reading (KAFKAJS_FAST_PATHS=off for its own)');
  else logger.info(`kafkajs: its own produce encoding and record reading are used (${state.reason})`);
}

/** Entry point to a Kafka cluster for one service. */
export class KafkaClient implements Transport {
  readonly kind = 'kafka';
  private readonly kafka: KafkaInstance;

  private readonly brokers: string[];
  private readonly probe: KafkaInstance;

  constructor(
    settings: KafkaConnectionSettings,
    private readonly logger: Logger,
  ) {
    this.brokers = settings.brokers;
    const { kafkajs, fastPaths } = loadKafkajs(settings.kafkajsFastPaths ?? true);
    noteFastPaths(fastPaths, logger);
    const { Kafka, logLevel } = kafkajs;
    const connection = {
      clientId: settings.clientId,
      brokers: settings.brokers,
      ssl: settings.ssl,
      // A copy: kafkajs adds a function to the object it is given, and the settings are also posted to worker threads.
      ...(settings.sasl === undefined ? {} : { sasl: { ...settings.sasl } as SASLOptions }),
      connectionTimeout: 3000,
    };
    this.kafka = new Kafka({
      ...connection,
      // Ride out a broker restart: ~1 min of capped exponential backoff per operation.
      retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 15 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log }: LogEntry) => {
          const { message, ...extra } = log;
          this.logger.log(kafkaLogLevel(LEVELS[level] ?? 'info', message, extra), `kafka: ${message}`, extra);
        },
    });
    // For set-up probes: one quick try each, silent, so waitForTopics paces and explains the retries.
    this.probe = new Kafka({ ...connection, retry: { initialRetryTime: 300, retries: 1 }, logLevel: logLevel.NOTHING });
  }

  /**
   * Waits until the broker answers and the topics exist (creating the missing ones), retrying with
   * capped exponential backoff and a log line per attempt, so a service may start before Kafka.
   * Throws AccessRefusedError at once when the broker refuses the credentials or a certificate.
   */
  async waitForTopics(specs: TopicSpec[], signal?: AbortSignal): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createMissingTopics(specs, this.probe);
      } catch (e) {
        if (signal?.aborted) throw e;
        // Refused credentials or certificates stay refused: stop now, with the setting to change.
        const refusal = accessRefusal(e, this.brokers);
        if (refusal !== undefined) throw refusal;
        const seconds = Math.min(30, 2 ** Math.min(attempt - 1, 5));
        this.logger.warn(`Kafka at ${this.brokers.join(',')} not ready (${(e as Error).message}); retry ${attempt} in ${seconds} s`);
        await sleep(seconds * 1000, undefined, signal === undefined ? {} : { signal });
      }
    }
  }

  /** Creates the topics that are missing, with their configs; existing topics are left as they are. */
  ensureTopics(specs: TopicSpec[]): Promise<string[]> {
    return this.createMissingTopics(specs, this.kafka);
  }

  private createMissingTopics(specs: TopicSpec[], kafka: KafkaInstance): Promise<string[]> {
    return withAdmin(kafka, async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({
            topic: s.topic,
            numPartitions: s.partitions,
            replicationFactor: -1,
            configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
          })),
        });
      }
      // A topic another client created a moment ago may still lack leaders: ask every partition
      // for its offsets, so a topic that is not ready yet fails here (and waitForTopics retries).
      for (const s of specs) await topicOffsets(admin, s.topic);
      return missing.map((s) => s.topic);
    });
  }

  private knownTopics = new Set<string>();
  private topicsListedAt = 0;

  /**
   * Whether a topic exists, from a list refreshed at most once a second on a miss: cheap enough to
   * ask per record, and a topic created a moment ago is found within a second.
   */
  async topicExists(topic: string): Promise<boolean> {
    if (this.knownTopics.has(topic)) return true;
    // Listed less than a second ago: wait for the next listing rather than miss a topic just created.
    const wait = this.topicsListedAt + 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    if (!this.knownTopics.has(topic) && Date.now() - this.topicsListedAt >= 1000) {
      this.knownTopics = new Set(await withAdmin(this.kafka, (admin) => admin.listTopics()));
      this.topicsListedAt = Date.now();
    }
    return this.knownTopics.has(topic);
  }

  /** Forgets the topics listed so far: the next topicExists lists them again. */
  forgetTopics(): void {
    this.knownTopics = new Set();
    this.topicsListedAt = 0;
  }

  /** The next offset to be written in each partition of a topic, right now. */
  endOffsets(topic: string): Promise<Map<number, string>> {
    return endOffsets(this.kafka, topic);
  }

  /** The offset a consumer group has committed in each partition of a topic ('-1' where none). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    return committedOffsets(this.kafka, groupId, topic);
  }

  /** The same, read repeatedly over one admin connection; close it when done. */
  committedOffsetsReader(groupId: string, topic: string): Promise<CommittedOffsetsReader> {
    return committedOffsetsReader(this.kafka, groupId, topic);
  }

  /**
   * Reads a topic from its first record with a private consumer group; `onCaughtUp` fires once the
   * records there at the start were handed over (see readers.ts).
   */
  readFromStart(
    topic: string,
    groupPrefix: string,
    onRecord: (record: InboundRecord) => Promise<void>,
    onCaughtUp: () => void,
  ): Promise<RecordConsumer> {
    return readFromStart(this.kafka, (options) => this.consumer(options), topic, groupPrefix, onRecord, onCaughtUp);
  }

  /** Reads what is written to a topic from now on, with a private consumer group, until disconnect. */
  readFromNow(topic: string, groupPrefix: string, onRecord: (record: InboundRecord) => Promise<void> | void): Promise<RecordConsumer> {
    return readFromNow(this.kafka, (options) => this.consumer(options), topic, groupPrefix, onRecord);
  }

  producer(): RecordProducer {
    return new RecordProducer(
      this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: kafkaDefaultPartitioner,
        allowAutoTopicCreation: false,
      }),
    );
  }

  transactionalProducer(transactionalId: string): TransactionalProducer {
    return new TransactionalProducer(
      this.kafka.producer({
        transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: kafkaDefaultPartitioner,
        transactionTimeout: 30_000,
        // A transaction begun while the coordinator still writes the last one's markers is refused
        // (CONCURRENT_TRANSACTIONS) for a few ms: retry after 20 ms, as Kafka's Java producer does,
        // not 300; as many retries as still ride out a broker restart of about a minute.
        retry: { initialRetryTime: 20, maxRetryTime: 5000, retries: 19 },
        allowAutoTopicCreation: false,
      }),
      transactionalId,
    );
  }

  consumer(options: ConsumerOptions): RecordConsumer {
    return new RecordConsumer(
      () =>
        this.kafka.consumer({
          groupId: options.groupId,
          allowAutoTopicCreation: false,
          sessionTimeout: options.sessionTimeoutMs ?? 30_000,
          heartbeatInterval: Math.min(3000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
          maxBytesPerPartition: options.maxBytesPerPartition ?? DEFAULT_FETCH_BYTES_PER_PARTITION,
          maxBytes: FETCH_BYTES_PER_REQUEST,
          maxWaitTimeInMs: 200,
          retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 15 },
        }),
      options,
      this.logger,
    );
  }
}
