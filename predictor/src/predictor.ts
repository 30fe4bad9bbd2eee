import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  controlHeaders,
  controlRecordKey,
  decodeControl,
  encodeControl,
  PREDICTION_CONTENT_TYPE,
  type DataContract,
  type ModelControl,
  type RecordProducer,
  type SampleRecord,
  type InboundBatch,
  type InboundRecord,
  type KafkaClient,
  type Logger,
  type PredictionRecord,
  type RecordConsumer,
} from '@hotswap/shared';
import type { Delivery } from './stream/delivery';
import { AccuracyLedger } from './stream/accuracy';
import type { AccuracyLog } from './stream/accuracy-log';
import { chunk, packChunk, type PackedChunk } from './stream/batch';
import type { ChunkPrediction, HostedModel, InferencePair } from './inference/threads';
import type { PredictorMetrics } from './metrics';
import type { ModelFeedItem, ModelFeedThread, RecordPlace } from './versions/feed';
import { HotSwap } from './versions/hot-swap';
import type { Lease } from './versions/registry';
import { logSwapEvents } from './versions/swap-log';
import { ControlRefused, type InstancePrediction, type ModelStatus, type ServingApi } from './http/serving';
import { TurnQueue, type Turn } from './stream/turns';
import { deadLetter, type BatchOutput } from './stream/output';
import { answerRequests, type RequestContext } from './requests/answer';

export interface PredictorSettings {
  dataTopic: string;
  modelTopic: string;
  predictionTopic: string;
  deadLetterTopic: string;
  requestTopic: string;
  groupId: string;
  sessionTimeoutMs: number;
  modelName: string;
  batchSize: number;
  /** Model records kept in memory for a pin or rollback. */
  modelHistory: number;
  data: DataContract;
  /** Features are pixels 0..255, divided by 255 before the model (else raw floats). */
  pixelFeatures: boolean;
}

export interface PredictorParts {
  kafka: KafkaClient;
  logger: Logger;
  accuracyLog: AccuracyLog;
  metrics: PredictorMetrics;
  delivery: Delivery;
  /** Where models load and predict: the main thread keeps Kafka, JSON and the running figures. */
  inference: InferencePair;
  /** The model topic, read in a thread of its own. */
  models: ModelFeedThread;
  onFatal: (e: Error) => void;
}

/** This replica's name in its records, and in the name of its private model-topic group. */
export const REPLICA = `${hostname()}-${process.pid}`;
const PREDICTION_HEADERS = { 'content-type': PREDICTION_CONTENT_TYPE };
/** How long a management call waits for this replica to read and apply its own control record. */
const CONTROL_APPLY_TIMEOUT_MS = 30_000;

/** What a prediction record repeats of its sample. */
type SampleFacts = Pick<SampleRecord, 'sampleId' | 'dataset' | 'createdAt' | 'label'>;

const PROGRESS_EVERY_MS = 10_000;

/** Fetched batches predicted and delivered at once: enough to keep the inference thread busy while Kafka is waited on. */
const BATCHES_IN_FLIGHT = 6;

/**
 * The predictor: follows the model topic from its start (every replica reads every model), and
 * consumes the data topic in a consumer group once a model is serving. Each fetched batch is
 * handed to an inference thread in chunks of at most batchSize (one tensor call each), scored in
 * fetch order, then delivered at once by the delivery mode: one transaction with its offsets
 * (exactly-once), or acknowledged writes before its offsets are committed (at-least-once). Up to
 * BATCHES_IN_FLIGHT batches (of different partitions) are at different steps at once.
 */
export class Predictor implements ServingApi {
  private readonly versions: HotSwap<HostedModel>;
  private readonly accuracy = new AccuracyLedger();
  private dataConsumer: RecordConsumer | undefined;
  private dataStarted = false;
  private progressTimer: NodeJS.Timeout | undefined;
  private controlProducer: Promise<RecordProducer> | undefined;
  /** Management calls waiting for their control record to come back through the model topic. */
  private readonly controlWaiters = new Map<string, () => void>();
  /** The first load after the model topic was read, and the start of consuming data after it. */
  private catchingUp: Promise<void> = Promise.resolve();
  private stopping = false;
  /** Batches in flight score their predictions, and then count them, in the order they were fetched. */
  private readonly scoringTurns = new TurnQueue();
  private readonly countingTurns = new TurnQueue();

  constructor(
    private readonly settings: PredictorSettings,
    private readonly parts: PredictorParts,
  ) {
    const { inference, logger, metrics } = parts;
    this.versions = new HotSwap<HostedModel>(
      settings.modelName,
      settings.modelHistory,
      {
        // On the inference thread the version taking the next batch is not on, so predicting goes on meanwhile.
        load: (record, besides) => inference.besides(besides?.thread).load(record),
        dispose: (model) => model.thread.dispose(model),
      },
      logSwapEvents(settings.modelName, logger, metrics),
    );
  }

  get ready(): boolean {
    return this.dataStarted;
  }

  async start(): Promise<void> {
    const { logger } = this.parts;
    await this.parts.delivery.start();
    await this.parts.models.start(
      (item) => this.onModelRecord(item),
      () => {
        this.catchingUp = this.afterCatchUp().catch((e: Error) => {
          if (!this.stopping) this.parts.onFatal(e);
        });
      },
    );
    logger.info(`reading models of ${this.settings.modelName} from ${this.settings.modelTopic}`);
  }

  /** Loads the version to serve among those found during catch-up (the pin, else the newest valid), then serves. */
  private async afterCatchUp(): Promise<void> {
    await this.versions.catchUp();
    await this.startDataWhenReady();
  }

  private async onModelRecord(item: ModelFeedItem): Promise<void> {
    const { logger, metrics } = this.parts;
    const { place } = item;
    if (item.kind === 'control') {
      await this.onControlRecord(place, item.value);
      return;
    }
    if (item.kind === 'undecodable') {
      logger.warn(`model record at ${place.topic}/${place.partition}@${place.offset} rejected: ${item.message}`);
      metrics.modelRejected('undecodable');
      return;
    }
    const { model } = item;
    if (model.name !== this.settings.modelName) return;
    await this.versions.add(model);
    await this.startDataWhenReady();
  }

  private async onControlRecord(place: RecordPlace, value: Buffer): Promise<void> {
    const { logger } = this.parts;
    let control: ModelControl;
    try {
      control = decodeControl(value);
    } catch (e) {
      logger.warn(`control record at ${place.topic}/${place.partition}@${place.offset} ignored: ${(e as Error).message}`);
      return;
    }
    if (control.model !== this.settings.modelName) return;
    await this.versions.control(control);
    this.controlWaiters.get(control.id)?.();
  }

  private async startDataWhenReady(): Promise<void> {
    if (this.stopping || this.dataStarted || !this.versions.hasModel) return;
    this.dataStarted = true;
    const consumer = this.parts.kafka.consumer({
      groupId: this.settings.groupId,
      fromBeginning: true,
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      // Exactly-once commits offsets inside its transactions, never on its own.
      autoCommit: this.parts.delivery.mode === 'at-least-once',
      concurrency: BATCHES_IN_FLIGHT,
    });
    this.dataConsumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe([this.settings.dataTopic, this.settings.requestTopic]);
      await consumer.run((batch) => this.onDataBatch(batch));
    } catch (e) {
      // Let the next model record (or its redelivery) try again.
      this.dataStarted = false;
      this.dataConsumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    this.parts.logger.info(`consuming ${this.settings.dataTopic} and ${this.settings.requestTopic} in group ${this.settings.groupId}`);
    this.progressTimer = setInterval(() => this.logProgress(), PROGRESS_EVERY_MS);
    this.progressTimer.unref();
  }

  private lastProgress = { at: Date.now(), predictions: 0 };

  /** A line every PROGRESS_EVERY_MS while running, so an operator sees it is alive and how well it does. */
  private logProgress(): void {
    const { overall } = this.accuracy.committed;
    const now = Date.now();
    const rate = ((overall.predictions - this.lastProgress.predictions) * 1000) / (now - this.lastProgress.at);
    this.lastProgress = { at: now, predictions: overall.predictions };
    const serving = this.versions.servingVersion;
    const accuracy = overall.value === null ? 'n/a' : overall.value.toFixed(4);
    this.parts.logger.info(
      `${overall.predictions} predictions (${rate.toFixed(0)}/s), accuracy ${accuracy} over ${overall.labelled} labelled, serving ${serving === null ? 'none yet' : `${serving.name} v${serving.version}`}`,
    );
  }

  /**
   * Predicts a fetched batch on the serving version's inference thread (all its chunks asked for at
   * once), scores it in fetch order, then delivers all of it at once: one transaction, or one send.
   */
  private async onDataBatch(batch: InboundBatch): Promise<void> {
    // Places in line, taken before anything is awaited: the order batches were fetched in.
    const scoring = this.scoringTurns.take();
    const counting = this.countingTurns.take();
    const output: BatchOutput = {
      tally: this.accuracy.open(),
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
      if (batch.topic === this.settings.requestTopic) this.parts.kafka.forgetTopics();
      throw e;
    } finally {
      scoring.done();
      await counting.ready;
      // Not delivered: the ledger hands these numbers back only if no write began and no batch scored after this one.
      if (last === undefined) {
        this.accuracy.abandon(output.tally, output.written);
        counting.done();
      }
    }
    if (last === undefined) return;
    try {
      // Only now are these predictions durable: count them.
      const { metrics } = this.parts;
      this.accuracy.commit(output.tally);
      this.parts.accuracyLog.write(output.predictions);
      metrics.predicted(output.predictions, this.accuracy.committed);
      for (const reason of output.rejected) metrics.deadLettered(reason);
      metrics.consumerLag(batch.topic, batch.partition, Math.max(0, Number(batch.highWatermark) - Number(last) - 1));
      this.noteFirstPredictions(output.predictions);
    } finally {
      counting.done();
    }
    await this.parts.delivery.endOfBatch(batch);
  }

  /** Predicts a fetched batch into `output` and delivers it; the last offset delivered, or undefined if nothing was. */
  private async predictAndDeliver(batch: InboundBatch, output: BatchOutput, scoring: Turn): Promise<string | undefined> {
    // Leased before anything is awaited, so batches also take versions in fetch order.
    const lease = this.versions.acquire();
    try {
      if (batch.topic === this.settings.requestTopic) {
        if (!batch.isActive()) return undefined;
        const { model } = lease.version;
        const { modelTopic, dataTopic, requestTopic, predictionTopic, deadLetterTopic } = this.settings;
        const context: RequestContext = {
          ownTopics: [modelTopic, dataTopic, requestTopic, predictionTopic, deadLetterTopic],
          topicExists: (topic) => this.parts.kafka.topicExists(topic),
          data: this.settings.data,
          batchSize: this.settings.batchSize,
          model: { name: lease.version.name, version: lease.version.version },
          predictRows: async (features, rows) => {
            const result = await model.thread.predictRows(model, features, rows);
            this.parts.metrics.tensorCall(rows);
            return result;
          },
          score: (sample, source, predicted, confidence, now) => this.scored(lease, sample, source, predicted, confidence, now, output),
          replica: REPLICA,
        };
        await answerRequests(batch.records, context, output, scoring);
      } else {
        const { model } = lease.version;
        const chunks = chunk(batch.records, this.settings.batchSize).map((records) => {
          const packed = packChunk(records);
          const predicted = packed.packed.length === 0 ? null : model.thread.predictPacked(model, packed.bytes, packed.ends);
          return { packed, predicted };
        });
        const predictions = await Promise.all(chunks.map((c) => c.predicted));
        // Stopping or lost the partition: deliver nothing; the next owner reads these again.
        if (!batch.isActive()) return undefined;
        await scoring.ready;
        const now = Date.now();
        chunks.forEach(({ packed }, i) => this.scoreChunk(lease, packed, predictions[i] ?? null, now, output));
      }
    } finally {
      // Also when there was nothing to score: delivery must not hold up the next batch's scoring.
      scoring.done();
      this.versions.release(lease);
    }
    await batch.heartbeat();
    const last = batch.records[batch.records.length - 1]?.offset;
    if (last === undefined || !batch.isActive()) return undefined;
    output.written = true;
    await this.parts.delivery.deliver(
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
    return last;
  }

  /** Appends one predicted chunk's prediction records and dead letters to the batch's output. */
  private scoreChunk(
    lease: Lease<HostedModel>,
    packed: PackedChunk<InboundRecord>,
    prediction: ChunkPrediction | null,
    now: number,
    output: BatchOutput,
  ): void {
    // Refused on their headers here, or on their bytes in the inference thread: dead-lettered in offset order all the same.
    const refused = [
      ...packed.rejected,
      ...(prediction?.rejected ?? []).map((r) => ({ ...r, source: packed.packed[r.index] as InboundRecord })),
    ].sort((a, b) => Number(a.source.offset) - Number(b.source.offset));
    for (const { source, reason, detail } of refused) {
      output.deadLetters.push(deadLetter(source, reason, detail));
      output.rejected.push(reason);
    }
    if (prediction === null || prediction.index.length === 0) return;
    this.parts.metrics.tensorCall(prediction.index.length);
    for (let row = 0; row < prediction.index.length; row++) {
      const label = prediction.labels[row] as number;
      const sample: SampleFacts = {
        sampleId: prediction.sampleIds[row] as string,
        dataset: prediction.datasets[row] as string,
        createdAt: prediction.createdAt[row] as number,
        label: label < 0 ? null : label,
      };
      const source = packed.packed[prediction.index[row] as number] as InboundRecord;
      const scored = this.scored(
        lease,
        sample,
        source,
        prediction.predicted[row] as number,
        prediction.confidence[row] as number,
        now,
        output,
      );
      output.records.push({ key: sample.sampleId, value: JSON.stringify(scored), headers: PREDICTION_HEADERS });
    }
  }

  /** Scores one prediction into the batch's draft accuracy and returns its record. */
  private scored(
    lease: Lease<HostedModel>,
    sample: SampleFacts,
    source: InboundRecord,
    predicted: number,
    confidence: number,
    now: number,
    output: BatchOutput,
  ): PredictionRecord {
    const { model } = lease.version;
    const correct = sample.label === null ? null : sample.label === predicted;
    const { overall, model: perModel } = this.accuracy.record(output.tally, `${lease.version.name}:${lease.version.version}`, correct);
    const prediction: PredictionRecord = {
      sampleId: sample.sampleId,
      dataset: sample.dataset,
      model: { name: lease.version.name, version: lease.version.version },
      predicted,
      predictedClass: model.record.classNames[predicted] ?? String(predicted),
      confidence,
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
    return prediction;
  }

  /** Logs the time from a model record's arrival to its first prediction (the swap latency). */
  private noteFirstPredictions(predictions: PredictionRecord[]): void {
    const first = predictions[0];
    if (first === undefined) return;
    const ms = this.versions.firstPrediction(first.model.version, first.predictedAt);
    if (ms === null) return;
    this.parts.logger.info(`first prediction by v${first.model.version} ${ms} ms after its record arrived`);
    this.parts.metrics.swapLatency(ms / 1000);
  }

  // ServingApi: what the HTTP API offers.

  get modelName(): string {
    return this.settings.modelName;
  }

  get featureShape(): readonly number[] {
    return this.settings.data.featureShape;
  }

  get classCount(): number {
    return this.settings.data.classCount;
  }

  get pixelFeatures(): boolean {
    return this.settings.pixelFeatures;
  }

  async predict(
    features: Float32Array,
    rows: number,
  ): Promise<{ model: { name: string; version: number }; predictions: InstancePrediction[] } | null> {
    if (!this.versions.hasModel) return null;
    const lease = this.versions.acquire();
    try {
      const { model } = lease.version;
      const { probabilities, classes } = await model.thread.probabilities(model, features, rows);
      this.parts.metrics.tensorCall(rows);
      const predictions: InstancePrediction[] = [];
      for (let r = 0; r < rows; r++) {
        const p = Array.from(probabilities.subarray(r * classes, (r + 1) * classes));
        let best = 0;
        for (let c = 1; c < classes; c++) if ((p[c] as number) > (p[best] as number)) best = c;
        predictions.push({
          predicted: best,
          predictedClass: model.record.classNames[best] ?? String(best),
          confidence: p[best] as number,
          probabilities: p,
        });
      }
      return { model: { name: lease.version.name, version: lease.version.version }, predictions };
    } finally {
      this.versions.release(lease);
    }
  }

  status(): ModelStatus {
    return this.versions.status((version) => {
      const live = this.accuracy.committed.byVersion.get(`${this.settings.modelName}:${version}`);
      return { accuracy: live?.value ?? null, labelled: live?.labelled ?? 0, predictions: live?.predictions ?? 0 };
    });
  }

  async control(
    action: 'pin' | 'unpin' | 'rollback',
    version: number | null,
    requestedBy: string,
    reason: string | null = null,
  ): Promise<ModelStatus> {
    const name = this.settings.modelName;
    if (!this.versions.isCaughtUp) {
      throw new ControlRefused(503, `still reading the model topic ${this.settings.modelTopic}; try again in a moment`);
    }
    // A version never loaded here is loaded first, so a bad one is refused before every replica is told to serve it.
    const to = await this.versions.checkControl(action, version, this.settings.modelHistory);
    const control: ModelControl = { id: randomUUID(), model: name, action, version: to, requestedAt: Date.now(), requestedBy, reason };
    let applied: () => void = () => undefined;
    const readBack = new Promise<void>((resolve) => (applied = resolve));
    // Registered before the write: the model feed may read the record back before send() returns.
    this.controlWaiters.set(control.id, applied);
    let timer: NodeJS.Timeout | undefined;
    try {
      const producer = await this.controlProducerConnected();
      await producer.send(this.settings.modelTopic, [
        { key: controlRecordKey(name), value: encodeControl(control), headers: controlHeaders() },
      ]);
      await Promise.race([
        readBack,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`control record ${action} written, but not read back within ${CONTROL_APPLY_TIMEOUT_MS / 1000} s`)),
            CONTROL_APPLY_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.controlWaiters.delete(control.id);
    }
    return this.status();
  }

  /** The producer of control records, connected on first use; a failed connection is retried on the next call. */
  private controlProducerConnected(): Promise<RecordProducer> {
    if (this.controlProducer === undefined) {
      const producer = this.parts.kafka.producer();
      const connected = producer.connect().then(() => producer);
      connected.catch(() => {
        if (this.controlProducer === connected) this.controlProducer = undefined;
      });
      this.controlProducer = connected;
    }
    return this.controlProducer;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.progressTimer);
    // Models first, and a first load still running: neither may start consuming data once stopping.
    await this.parts.models.stop();
    await this.catchingUp;
    // Batches being delivered finish and commit; the others are read again by the partition's next owner.
    await this.dataConsumer?.disconnect();
    await (await this.controlProducer?.catch(() => undefined))?.disconnect();
    await this.parts.delivery.stop();
    this.versions.clear();
  }
}
