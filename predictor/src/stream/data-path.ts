import type { DataContract } from '@hotswap/shared/contracts';
import type { BatchConsumer, InboundBatch, Transport } from '@hotswap/shared/transport';
import type { Logger } from '@hotswap/shared/telemetry';
import type { HostedModel } from '../inference/threads';
import type { PredictorMetrics } from '../metrics';
import { answerRequests, type RequestContext } from '../requests/answer';
import type { HotSwap } from '../versions/hot-swap';
import type { Lease } from '../versions/registry';
import type { AccuracyLedger } from './accuracy';
import type { AccuracyLog } from './accuracy-log';
import { chunk, packChunk } from './batch';
import type { Delivery } from './delivery';
import type { BatchOutput } from './output';
import { scoreChunk, scorePrediction, type PredictedBy } from './scoring';
import { TurnQueue, type Turn } from './turns';

export interface DataPathSettings {
  dataTopic: string;
  modelTopic: string;
  predictionTopic: string;
  deadLetterTopic: string;
  requestTopic: string;
  groupId: string;
  sessionTimeoutMs: number;
  batchSize: number;
  data: DataContract;
  /** This replica, in every record it writes. */
  replica: string;
}

export interface DataPathParts {
  transport: Transport;
  logger: Logger;
  metrics: PredictorMetrics;
  delivery: Delivery;
  accuracyLog: AccuracyLog;
  /** The versions: each batch leases the one serving when it starts. */
  versions: HotSwap<HostedModel>;
  /** The running figures, shared with the status the HTTP API shows. */
  accuracy: AccuracyLedger;
}

const PROGRESS_EVERY_MS = 10_000;
/** Fetched batches predicted and delivered at once: enough to keep the inference thread busy while Kafka is waited on. */
const BATCHES_IN_FLIGHT = 6;

/**
 * The data path: consumes the data and request topics in the predictors' group, hands each fetched
 * batch to the serving version's inference thread in chunks of at most batchSize (one tensor call
 * each), scores the batches in fetch order, then delivers each at once by the delivery mode: one
 * transaction with its offsets (exactly-once), or acknowledged writes before its offsets are
 * committed (at-least-once). Up to BATCHES_IN_FLIGHT batches (of different partitions) are at
 * different steps at once.
 */
export class DataPath {
  private consumer: BatchConsumer | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private lastProgress = { at: Date.now(), predictions: 0 };
  /** Batches in flight score their predictions, and then count them, in the order they were fetched. */
  private readonly scoringTurns = new TurnQueue();
  private dataArrived = false;
  private readonly countingTurns = new TurnQueue();

  constructor(
    private readonly settings: DataPathSettings,
    private readonly parts: DataPathParts,
  ) {}

  get started(): boolean {
    return this.consumer !== undefined;
  }

  /** Joins the group and starts consuming; a failure leaves it unstarted, to be tried again. */
  async start(): Promise<void> {
    const { settings } = this;
    const consumer = this.parts.transport.consumer({
      groupId: settings.groupId,
      fromBeginning: true,
      sessionTimeoutMs: settings.sessionTimeoutMs,
      // Exactly-once commits offsets inside its transactions, never on its own.
      autoCommit: this.parts.delivery.mode === 'at-least-once',
      concurrency: BATCHES_IN_FLIGHT,
    });
    this.consumer = consumer;
    consumer.onGroupJoin((assignment) => this.parts.delivery.rebalanced(assignment));
    try {
      await consumer.connect();
      await consumer.subscribe([settings.dataTopic, settings.requestTopic]);
      await consumer.run((batch) => this.onBatch(batch));
    } catch (e) {
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    this.parts.logger.info(`consuming ${settings.dataTopic} and ${settings.requestTopic} in group ${settings.groupId}`);
    this.progressTimer = setInterval(() => this.logProgress(), PROGRESS_EVERY_MS);
    this.progressTimer.unref();
  }

  /** Batches being delivered finish and commit; the others are read again by the partition's next owner. */
  async stop(): Promise<void> {
    clearInterval(this.progressTimer);
    await this.consumer?.disconnect();
  }

  /** A line every PROGRESS_EVERY_MS while running, so an operator sees it is alive and how well it does. */
  private logProgress(): void {
    const { overall } = this.parts.accuracy.committed;
    const now = Date.now();
    const rate = ((overall.predictions - this.lastProgress.predictions) * 1000) / (now - this.lastProgress.at);
    this.lastProgress = { at: now, predictions: overall.predictions };
    const serving = this.parts.versions.servingVersion;
    const accuracy = overall.value === null ? 'n/a' : overall.value.toFixed(4);
    this.parts.logger.info(
      `${overall.predictions} predictions (${rate.toFixed(0)}/s), accuracy ${accuracy} over ${overall.labelled} labelled, serving ${serving === null ? 'none yet' : `${serving.name} v${serving.version}`}`,
    );
  }

  /**
   * Predicts a fetched batch on the serving version's inference thread (all its chunks asked for at
   * once), scores it in fetch order, then delivers all of it at once: one transaction, or one send.
   */
  private async onBatch(batch: InboundBatch): Promise<void> {
    const { accuracy } = this.parts;
    if (!this.dataArrived && batch.topic === this.settings.dataTopic && batch.records.length > 0) {
      // When data began to flow, after the group join and (exactly once) the fence: where a backlog's time starts.
      this.dataArrived = true;
      this.parts.logger.info(
        `first data batch: ${batch.records.length} records from ${batch.topic}/${batch.partition} at offset ${batch.records[0]?.offset}`,
      );
    }
    // Places in line, taken before anything is awaited: the order batches were fetched in.
    const scoring = this.scoringTurns.take();
    const counting = this.countingTurns.take();
    const output: BatchOutput = {
      tally: accuracy.open(),
      predictions: [],
      records: [],
      deadLetters: [],
      rejected: [],
      replies: new Map(),
      written: false,
    };
    let last: string | undefined;
    try {
      last = await this.predictAndDeliver(batch, output, scoring);
    } catch (e) {
      // A reply topic deleted since it was listed fails the write: list again, so the retry dead-letters it.
      if (batch.topic === this.settings.requestTopic) this.parts.transport.forgetTopics();
      throw e;
    } finally {
      scoring.done();
      await counting.ready;
      // Not delivered: the ledger hands these numbers back only if no write began and no batch scored after this one.
      if (last === undefined) {
        accuracy.abandon(output.tally, output.written);
        counting.done();
      }
    }
    if (last === undefined) return;
    try {
      // Only now are these predictions durable: count them.
      const { metrics } = this.parts;
      // The log counts on from the delivered figures before this batch.
      this.parts.accuracyLog.write(output.predictions, accuracy.committed.overall);
      accuracy.commit(output.tally);
      metrics.predicted(output.predictions, accuracy.committed);
      for (const reason of output.rejected) metrics.deadLettered(reason);
      metrics.consumerLag(batch.topic, batch.partition, Math.max(0, Number(batch.highWatermark) - Number(last) - 1));
      this.noteFirstPrediction(output);
    } finally {
      counting.done();
    }
    await this.parts.delivery.endOfBatch(batch);
  }

  /** Predicts a fetched batch into `output` and delivers it; the last offset delivered, or undefined if nothing was. */
  private async predictAndDeliver(batch: InboundBatch, output: BatchOutput, scoring: Turn): Promise<string | undefined> {
    // Leased before anything is awaited, so batches also take versions in fetch order.
    const lease = this.parts.versions.acquire();
    try {
      // What the partition's previous owner already delivered is not predicted again.
      const resumeFrom = await this.parts.delivery.resumeOffset(batch);
      if (resumeFrom !== null) {
        this.resumeAt(batch, resumeFrom);
        return undefined;
      }
      if (batch.topic === this.settings.requestTopic) {
        if (!batch.isActive()) return undefined;
        await answerRequests(batch.records, this.requestContext(lease, output), output, scoring);
      } else {
        const { model } = lease.version;
        const challenger = lease.challenger;
        const chunks = chunk(batch.records, this.settings.batchSize).map((records) => {
          const packed = packChunk(records);
          if (packed.packed.length === 0) return { packed, predicted: null, shadowed: null };
          // The arrays are handed to the thread, so the challenger (on the other thread, in parallel) gets copies; its failure only leaves it out.
          const shadowed =
            challenger === null
              ? null
              : challenger.model.thread.predictPacked(challenger.model, packed.bytes.slice(), packed.ends.slice()).catch(() => null);
          return { packed, predicted: model.thread.predictPacked(model, packed.bytes, packed.ends), shadowed };
        });
        const predictions = await Promise.all(chunks.map((c) => c.predicted));
        const shadows = await Promise.all(chunks.map((c) => c.shadowed));
        // Stopping or lost the partition: deliver nothing; the next owner reads these again.
        if (!batch.isActive()) return undefined;
        await scoring.ready;
        const now = Date.now();
        const by = this.predictedBy(lease);
        chunks.forEach(({ packed }, i) => {
          const shadow = challenger === null ? null : { version: challenger.version, prediction: shadows[i] ?? null };
          const rows = scoreChunk(this.parts.accuracy, by, packed, predictions[i] ?? null, now, output, shadow);
          if (rows > 0) this.parts.metrics.tensorCall(rows);
        });
      }
    } finally {
      // Also when there was nothing to score: delivery must not hold up the next batch's scoring.
      scoring.done();
      this.parts.versions.release(lease);
    }
    await batch.heartbeat();
    const last = batch.records[batch.records.length - 1]?.offset;
    if (last === undefined || !batch.isActive()) return undefined;
    output.written = true;
    const delivered = await this.parts.delivery.deliver(
      {
        writes: [
          { topic: this.settings.predictionTopic, records: output.records },
          { topic: this.settings.deadLetterTopic, records: output.deadLetters },
          ...[...output.replies].map(([topic, records]) => ({ topic, records })),
        ],
        lastOffset: last,
      },
      batch,
    );
    if (delivered !== 'delivered') {
      output.written = false;
      this.resumeAt(batch, delivered.resumeFrom);
      return undefined;
    }
    return last;
  }

  /** Skips a batch an earlier owner of its partition delivered: reading goes on from where it committed. */
  private resumeAt(batch: InboundBatch, offset: string): void {
    this.parts.logger.info(
      `${batch.topic}/${batch.partition}: offsets before ${offset} were delivered by its previous owner; resuming there`,
    );
    this.consumer?.seek(batch.topic, batch.partition, offset);
  }

  private predictedBy(lease: Lease<HostedModel>): PredictedBy {
    const { name, version, model } = lease.version;
    return { name, version, key: `${name}:${version}`, classNames: model.record.classNames, replica: this.settings.replica };
  }

  /** What answering a batch's requests needs: the leased version, and where its predictions are scored. */
  private requestContext(lease: Lease<HostedModel>, output: BatchOutput): RequestContext {
    const { model } = lease.version;
    const { modelTopic, dataTopic, requestTopic, predictionTopic, deadLetterTopic } = this.settings;
    const by = this.predictedBy(lease);
    return {
      ownTopics: [modelTopic, dataTopic, requestTopic, predictionTopic, deadLetterTopic],
      topicExists: (topic) => this.parts.transport.topicExists(topic),
      data: this.settings.data,
      batchSize: this.settings.batchSize,
      model: { name: by.name, version: by.version },
      predictRows: async (features, rows) => {
        const result = await model.thread.predictRows(model, features, rows);
        this.parts.metrics.tensorCall(rows);
        return result;
      },
      score: (sample, source, predicted, confidence, now) =>
        scorePrediction(this.parts.accuracy, by, sample, source, predicted, confidence, now, output),
      replica: this.settings.replica,
    };
  }

  /** Logs the time from a version's load start to its first prediction (the swap latency). */
  private noteFirstPrediction(output: BatchOutput): void {
    const first = output.predictions[0];
    if (first === undefined) return;
    const ms = this.parts.versions.firstPrediction(first.model.version, first.predictedAt);
    if (ms === null) return;
    this.parts.logger.info(`first prediction by v${first.model.version} ${ms} ms after its record arrived`);
    this.parts.metrics.swapLatency(ms / 1000);
  }
}
