// By layer: reading records loads no TensorFlow.
import { isControlRecord, modelCodec, sampleCodec } from '@hotswap/shared/contracts';
import type { Logger } from '@hotswap/shared/telemetry';
import type { InboundRecord, TopicReader, Transport } from '@hotswap/shared/transport';
import type { DashboardAggregate } from './aggregate';
import { sampleFeatures } from './mistakes';
import { parseControl, parsePrediction } from './records';

export interface FeedTopics {
  predictionTopic: string;
  modelTopic: string;
  dataTopic: string;
}

/** Called for every record read, by topic, for the metrics. */
export type RecordCounter = (topic: 'prediction' | 'model' | 'data', lagMs: number | null) => void;

/**
 * The three topics, each read from its start by a private reader (so a restarted dashboard
 * rebuilds the whole page), into the aggregate.
 */
export class TopicFeeds {
  private readers: TopicReader[] = [];
  private predictionsCaughtUp = false;

  constructor(
    private readonly topics: FeedTopics,
    private readonly transport: Transport,
    private readonly aggregate: DashboardAggregate,
    private readonly logger: Logger,
    private readonly count: RecordCounter = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    const { predictionTopic, modelTopic, dataTopic } = this.topics;
    // Models first, so their class names and held-out accuracy usually come before the predictions
    // that name them (the page fills in whatever comes later).
    this.readers.push(
      await this.transport.readFromStart(
        modelTopic,
        'hotswap-dashboard-models',
        async (r) => this.onModelRecord(r),
        () => this.logger.info(`read the models and control records already on ${modelTopic}`),
      ),
    );
    this.readers.push(
      await this.transport.readFromStart(
        dataTopic,
        'hotswap-dashboard-data',
        async (r) => this.onSampleRecord(r),
        () => this.logger.info(`read the samples already on ${dataTopic}`),
      ),
    );
    this.readers.push(
      await this.transport.readFromStart(
        predictionTopic,
        'hotswap-dashboard-predictions',
        async (r) => this.onPredictionRecord(r),
        () => {
          this.predictionsCaughtUp = true;
          this.aggregate.markCaughtUp();
          this.logger.info(`read the predictions already on ${predictionTopic}; live from now on`);
        },
      ),
    );
  }

  private onPredictionRecord(record: InboundRecord): void {
    if (record.value === null) return;
    const now = this.clock();
    try {
      const p = parsePrediction(record.value);
      this.aggregate.addPrediction(p, now, this.predictionsCaughtUp);
      this.count('prediction', this.predictionsCaughtUp ? now - p.predictedAt : null);
    } catch (e) {
      this.unreadable(record, e as Error);
    }
  }

  private onModelRecord(record: InboundRecord): void {
    if (record.value === null) return; // a tombstone
    this.count('model', null);
    try {
      if (isControlRecord(record.headers)) {
        this.aggregate.addControl(parseControl(record.value), record.timestamp);
        return;
      }
      const m = modelCodec.decode(record.value, record.headers);
      this.aggregate.addModel({
        name: m.name,
        version: m.version,
        createdAt: m.createdAt,
        dataset: m.dataset,
        architecture: m.architecture,
        classNames: [...m.classNames],
        heldOut: m.metrics.accuracy,
        testSamples: m.metrics.testSamples,
      });
    } catch (e) {
      this.unreadable(record, e as Error);
    }
  }

  private onSampleRecord(record: InboundRecord): void {
    if (record.value === null) return;
    this.count('data', null);
    try {
      const s = sampleCodec.decode(record.value, record.headers);
      this.aggregate.addSample(s.sampleId, s.dataset, sampleFeatures(s.dtype, s.shape, s.features));
    } catch (e) {
      this.unreadable(record, e as Error);
    }
  }

  private unreadable(record: InboundRecord, e: Error): void {
    this.aggregate.addUnreadable();
    this.logger.debug(`${record.topic} [${record.partition}] @${record.offset} not shown: ${e.message}`);
  }

  async stop(): Promise<void> {
    const readers = this.readers;
    this.readers = [];
    await Promise.all(readers.map((r) => r.disconnect()));
  }
}
