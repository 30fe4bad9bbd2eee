import type { KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import {
  ModelRejected,
  modelCodec,
  PREDICTION_CONTENT_TYPE,
  type DataContract,
  type InboundBatch,
  type InboundRecord,
  type KafkaClient,
  type Logger,
  type ModelRecord,
  type OutboundRecord,
  type PredictionRecord,
  type RecordConsumer,
} from '@hotswap/shared';
import type { Delivery } from './delivery';
import { AccuracyBook } from './accuracy';
import type { AccuracyLog } from './accuracy-log';
import { assembleBatch, chunk, type SampleRejection } from './batch';
import { loadServable, predictBatch, type ServableModel } from './loader';
import type { PredictorMetrics } from './metrics';
import { ModelRegistry } from './registry';

export interface PredictorSettings {
  dataTopic: string;
  modelTopic: string;
  predictionTopic: string;
  deadLetterTopic: string;
  groupId: string;
  sessionTimeoutMs: number;
  modelName: string;
  batchSize: number;
  maxModelBytes: number;
  data: DataContract;
  /** Public keys by id; empty means signatures are not checked. */
  trustedKeys: ReadonlyMap<string, KeyObject>;
}

export interface PredictorParts {
  kafka: KafkaClient;
  logger: Logger;
  accuracyLog: AccuracyLog;
  metrics: PredictorMetrics;
  delivery: Delivery;
  onFatal: (e: Error) => void;
}

const REPLICA = `${hostname()}-${process.pid}`;
const PREDICTION_HEADERS = { 'content-type': PREDICTION_CONTENT_TYPE };

/** What a fetched batch produces, gathered over its chunks, delivered at once. */
interface BatchOutput {
  draft: AccuracyBook;
  predictions: PredictionRecord[];
  records: OutboundRecord[];
  deadLetters: OutboundRecord[];
  rejected: SampleRejection[];
}
const PROGRESS_EVERY_MS = 10_000;

/**
 * The predictor: follows the model topic from its start (every replica reads every model), and
 * consumes the data topic in a consumer group once a model is serving. Each fetched batch is
 * predicted in chunks of at most batchSize with one tensor call each, then delivered at once by
 * the delivery mode: one transaction with its offsets (exactly-once), or acknowledged writes
 * before its offsets are committed (at-least-once).
 */
export class Predictor {
  readonly registry: ModelRegistry<ServableModel>;
  private readonly accuracy = new AccuracyBook();
  private modelFeed: RecordConsumer | undefined;
  private dataConsumer: RecordConsumer | undefined;
  private dataStarted = false;
  private caughtUp = false;
  /** During catch-up only the newest records matter: older ones are kept but not loaded. */
  private readonly backlog: ModelRecord[] = [];
  private firstModelArrival = new Map<number, number>();
  private progressTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: PredictorSettings,
    private readonly parts: PredictorParts,
  ) {
    const { logger, metrics } = parts;
    this.registry = new ModelRegistry<ServableModel>(
      (v) => v.model.layers.dispose(),
      (event) => {
        if (event.kind === 'swapped') {
          logger.info(
            `swapped ${event.from === null ? 'in' : `v${event.from.version} ->`} ${event.to.name} v${event.to.version} (${event.to.model.record.architecture}, held-out accuracy ${event.to.model.record.metrics.accuracy.toFixed(4)})`,
          );
          metrics.swapped(event.to.model);
        } else if (event.kind === 'discarded') {
          logger.info(`discarded ${event.version.name} v${event.version.version}: ${event.why}`);
        } else if (event.kind === 'disposed') {
          logger.debug(`disposed ${event.version.name} v${event.version.version}`);
        }
      },
    );
  }

  get ready(): boolean {
    return this.dataStarted;
  }

  async start(): Promise<void> {
    const { kafka, logger } = this.parts;
    await this.parts.delivery.start();
    this.modelFeed = await kafka.readFromStart(
      this.settings.modelTopic,
      `hotswap-predictor-models-${REPLICA}`,
      (record) => this.onModelRecord(record),
      () => {
        this.caughtUp = true;
        void this.afterCatchUp().catch((e: Error) => this.parts.onFatal(e));
      },
    );
    logger.info(`reading models of ${this.settings.modelName} from ${this.settings.modelTopic}`);
  }

  /** Loads the newest model found during catch-up (falling back to older ones), then serves. */
  private async afterCatchUp(): Promise<void> {
    const candidates = this.backlog.splice(0).sort((a, b) => b.version - a.version);
    this.parts.logger.info(`model topic read: ${candidates.length} version(s) of ${this.settings.modelName} found`);
    for (const record of candidates) {
      if (await this.tryLoad(record)) break;
    }
    await this.startDataWhenReady();
  }

  private async onModelRecord(record: InboundRecord): Promise<void> {
    const { logger, metrics } = this.parts;
    if (record.key?.toString() !== this.settings.modelName) return;
    const arrivedAt = Date.now();
    if (record.value === null) return; // a tombstone: nothing to load
    let model: ModelRecord;
    try {
      model = modelCodec.decode(record.value, record.headers);
    } catch (e) {
      logger.warn(`model record at ${record.topic}/${record.partition}@${record.offset} rejected: ${(e as Error).message}`);
      metrics.modelRejected('undecodable');
      return;
    }
    if (!this.caughtUp) {
      this.backlog.push(model);
      return;
    }
    this.firstModelArrival.set(model.version, arrivedAt);
    // A rejected version never predicts: forget when it arrived.
    if (!(await this.tryLoad(model))) this.firstModelArrival.delete(model.version);
    await this.startDataWhenReady();
  }

  /** Verifies, loads and stages one version; logs and counts a rejection. True when staged. */
  private async tryLoad(record: ModelRecord): Promise<boolean> {
    const { logger, metrics } = this.parts;
    if (this.registry.isStale(record.version)) {
      logger.info(`ignoring ${record.name} v${record.version}: v${this.registry.newestVersion} is newer or the same`);
      metrics.modelRejected('stale-version');
      return false;
    }
    try {
      const version = await loadServable(
        record,
        this.settings.data,
        { maxModelBytes: this.settings.maxModelBytes },
        this.settings.trustedKeys,
      );
      logger.info(
        `loaded ${record.name} v${record.version} (${record.architecture}) in ${version.model.loadMs.toFixed(0)} ms; swapping at the next batch`,
      );
      metrics.modelLoaded(version.model.loadMs);
      return this.registry.offer(version);
    } catch (e) {
      const reason = e instanceof ModelRejected ? e.reason : 'load-failed';
      logger.error(e instanceof ModelRejected ? e.message : `model ${record.name} v${record.version} rejected: ${(e as Error).message}`);
      metrics.modelRejected(reason);
      return false;
    }
  }

  private async startDataWhenReady(): Promise<void> {
    if (this.dataStarted || !this.registry.hasModel) return;
    this.dataStarted = true;
    const consumer = this.parts.kafka.consumer({
      groupId: this.settings.groupId,
      fromBeginning: true,
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      // Exactly-once commits offsets inside its transactions, never on its own.
      autoCommit: this.parts.delivery.mode === 'at-least-once',
    });
    this.dataConsumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe([this.settings.dataTopic]);
      await consumer.run((batch) => this.onDataBatch(batch));
    } catch (e) {
      // Let the next model record (or its redelivery) try again.
      this.dataStarted = false;
      this.dataConsumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    this.parts.logger.info(`consuming ${this.settings.dataTopic} in group ${this.settings.groupId}`);
    this.progressTimer = setInterval(() => this.logProgress(), PROGRESS_EVERY_MS);
    this.progressTimer.unref();
  }

  private lastProgress = { at: Date.now(), predictions: 0 };

  /** A line every PROGRESS_EVERY_MS while running, so an operator sees it is alive and how well it does. */
  private logProgress(): void {
    const { overall } = this.accuracy;
    const now = Date.now();
    const rate = ((overall.predictions - this.lastProgress.predictions) * 1000) / (now - this.lastProgress.at);
    this.lastProgress = { at: now, predictions: overall.predictions };
    const serving = this.registry.servingVersion;
    const accuracy = overall.value === null ? 'n/a' : overall.value.toFixed(4);
    this.parts.logger.info(
      `${overall.predictions} predictions (${rate.toFixed(0)}/s), accuracy ${accuracy} over ${overall.labelled} labelled, serving ${serving === null ? 'none yet' : `${serving.name} v${serving.version}`}`,
    );
  }

  /**
   * Predicts a fetched batch chunk by chunk (one tensor call each; a new model takes over between
   * chunks), then delivers all of it at once: one transaction, or one send, per fetched batch.
   */
  private async onDataBatch(batch: InboundBatch): Promise<void> {
    const output: BatchOutput = { draft: this.accuracy.draft(), predictions: [], records: [], deadLetters: [], rejected: [] };
    let last: string | undefined;
    for (const records of chunk(batch.records, this.settings.batchSize)) {
      // Stopping or lost the partition: deliver nothing; the next owner reads these again.
      if (!batch.isActive()) return;
      this.predictChunk(records, output);
      last = (records[records.length - 1] as InboundRecord).offset;
      await batch.heartbeat();
    }
    if (last === undefined) return;
    await this.parts.delivery.deliver(
      {
        writes: [
          { topic: this.settings.predictionTopic, records: output.records },
          { topic: this.settings.deadLetterTopic, records: output.deadLetters },
        ],
        lastOffset: last,
      },
      batch,
    );
    // Only now are these predictions durable: count them.
    const { metrics } = this.parts;
    this.accuracy.adopt(output.draft);
    this.parts.accuracyLog.write(output.predictions);
    metrics.predicted(output.predictions, this.accuracy);
    for (const reason of output.rejected) metrics.deadLettered(reason);
    metrics.consumerLag(batch.topic, batch.partition, Math.max(0, Number(batch.highWatermark) - Number(last) - 1));
    this.noteFirstPredictions(output.predictions);
    await this.parts.delivery.endOfBatch(batch);
  }

  /** Predicts one chunk with one tensor call, appending its records to the batch's output. */
  private predictChunk(records: InboundRecord[], output: BatchOutput): void {
    const assembled = assembleBatch(records, this.settings.data);
    const lease = this.registry.acquire();
    try {
      const { model } = lease.version;
      const rows = assembled.accepted.length;
      if (rows > 0) {
        const result = predictBatch(model, assembled.features, rows);
        this.parts.metrics.tensorCall(rows);
        const now = Date.now();
        const modelKey = `${lease.version.name}:${lease.version.version}`;
        assembled.accepted.forEach(({ source, sample }, i) => {
          const predicted = result.predicted[i] as number;
          const correct = sample.label === null ? null : sample.label === predicted;
          const { overall, model: perModel } = output.draft.record(modelKey, correct);
          const prediction: PredictionRecord = {
            sampleId: sample.sampleId,
            dataset: sample.dataset,
            model: { name: lease.version.name, version: lease.version.version },
            predicted,
            predictedClass: model.record.classNames[predicted] ?? String(predicted),
            confidence: result.confidence[i] as number,
            label: sample.label,
            correct,
            accuracy: overall.value,
            count: overall.labelled,
            predictions: overall.predictions,
            modelAccuracy: perModel.value,
            sampleCreatedAt: sample.createdAt,
            predictedAt: now,
            source: { topic: source.topic, partition: source.partition, offset: source.offset },
            predictor: REPLICA,
          };
          output.predictions.push(prediction);
          output.records.push({ key: sample.sampleId, value: JSON.stringify(prediction), headers: PREDICTION_HEADERS });
        });
      }
    } finally {
      this.registry.release(lease);
    }
    for (const { source, reason, detail } of assembled.rejected) {
      output.deadLetters.push(deadLetter(source, reason, detail));
      output.rejected.push(reason);
    }
  }

  /** Logs the time from a model record's arrival to its first prediction (the swap latency). */
  private noteFirstPredictions(predictions: PredictionRecord[]): void {
    const first = predictions[0];
    if (first === undefined) return;
    const arrived = this.firstModelArrival.get(first.model.version);
    if (arrived === undefined) return;
    this.firstModelArrival.delete(first.model.version);
    const ms = first.predictedAt - arrived;
    this.parts.logger.info(`first prediction by v${first.model.version} ${ms} ms after its record arrived`);
    this.parts.metrics.swapLatency(ms / 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.progressTimer);
    // Data first: the current batch finishes and its offsets commit before we leave the group.
    await this.dataConsumer?.disconnect();
    await this.modelFeed?.disconnect();
    await this.parts.delivery.stop();
    this.registry.clear();
  }
}

function deadLetter(source: InboundRecord, reason: SampleRejection, detail: string): OutboundRecord {
  return {
    key: source.key,
    value: source.value ?? Buffer.alloc(0),
    headers: {
      ...source.headers,
      'deadletter-reason': reason,
      'deadletter-detail': detail,
      'deadletter-source': `${source.topic}/${source.partition}@${source.offset}`,
    },
  };
}
