import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { decodeControl, type Logger, type ModelControl, type Transport } from '@hotswap/shared';
import { ControlRefused, type InstancePrediction, type ModelStatus, type ServingApi } from './http/serving';
import type { HostedModel, InferencePair } from './inference/threads';
import type { PredictorMetrics } from './metrics';
import { AccuracyLedger } from './stream/accuracy';
import type { AccuracyLog } from './stream/accuracy-log';
import { DataPath, type DataPathSettings } from './stream/data-path';
import type { Delivery } from './stream/delivery';
import { ControlWriter } from './versions/control-writer';
import type { ModelFeedItem, ModelFeedThread, RecordPlace } from './versions/feed';
import { HotSwap } from './versions/hot-swap';
import { logSwapEvents } from './versions/swap-log';

export interface PredictorSettings extends Omit<DataPathSettings, 'replica'> {
  modelName: string;
  /** Model records kept in memory for a pin or rollback. */
  modelHistory: number;
  /** Features are pixels 0..255, divided by 255 before the model (else raw floats). */
  pixelFeatures: boolean;
}

export interface PredictorParts {
  transport: Transport;
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

/**
 * The predictor, wired: follows the model topic from its start (every replica reads every model)
 * and hands each version to the hot swap (versions/); consumes the data and request topics once a
 * version serves (stream/); answers the HTTP API (ServingApi) from both.
 */
export class Predictor implements ServingApi {
  private readonly versions: HotSwap<HostedModel>;
  private readonly accuracy = new AccuracyLedger();
  private readonly data: DataPath;
  private readonly controls: ControlWriter;
  /** The first load after the model topic was read, and the start of consuming data after it. */
  private catchingUp: Promise<void> = Promise.resolve();
  private stopping = false;

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
    this.data = new DataPath({ ...settings, replica: REPLICA }, { ...parts, versions: this.versions, accuracy: this.accuracy });
    this.controls = new ControlWriter(parts.transport, settings.modelTopic);
  }

  get ready(): boolean {
    return this.data.started;
  }

  async start(): Promise<void> {
    await this.parts.delivery.start();
    await this.parts.models.start(
      (item) => this.onModelRecord(item),
      () => {
        this.catchingUp = this.afterCatchUp().catch((e: Error) => {
          if (!this.stopping) this.parts.onFatal(e);
        });
      },
    );
    this.parts.logger.info(`reading models of ${this.settings.modelName} from ${this.settings.modelTopic}`);
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
    await this.versions.add(model, item.role === 'candidate');
    await this.startDataWhenReady();
  }

  private async onControlRecord(place: RecordPlace, value: Buffer): Promise<void> {
    let control: ModelControl;
    try {
      control = decodeControl(value);
    } catch (e) {
      this.parts.logger.warn(`control record at ${place.topic}/${place.partition}@${place.offset} ignored: ${(e as Error).message}`);
      return;
    }
    if (control.model !== this.settings.modelName) return;
    await this.versions.control(control);
    this.controls.applied(control);
  }

  /** Data waits in Kafka until a version serves; a failed start is tried again at the next model record. */
  private async startDataWhenReady(): Promise<void> {
    if (this.stopping || this.data.started || !this.versions.hasModel) return;
    await this.data.start();
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
    if (!this.versions.isCaughtUp) {
      throw new ControlRefused(503, `still reading the model topic ${this.settings.modelTopic}; try again in a moment`);
    }
    // A version never loaded here is loaded first, so a bad one is refused before every replica is told to serve it.
    const to = await this.versions.checkControl(action, version, this.settings.modelHistory);
    const model = this.settings.modelName;
    await this.controls.write({ id: randomUUID(), model, action, version: to, requestedAt: Date.now(), requestedBy, reason });
    return this.status();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Models first, and a first load still running: neither may start consuming data once stopping.
    await this.parts.models.stop();
    await this.catchingUp;
    await this.data.stop();
    await this.controls.stop();
    await this.parts.delivery.stop();
    this.versions.clear();
  }
}
