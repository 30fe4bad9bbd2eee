import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PredictionRecord } from '@hotswap/shared';
import { WindowAccuracy, type AccuracyBook } from './stream/accuracy';
import type { HostedModel } from './inference/threads';

/** The predictor's Prometheus metrics, named by Prometheus conventions (base units, _total). */
export class PredictorMetrics {
  private readonly predictions: Counter<'model' | 'version' | 'outcome'>;
  private readonly accuracy: Gauge;
  private readonly accuracyByVersion: Gauge<'model' | 'version'>;
  private readonly latency: Histogram;
  private readonly batchSize: Histogram;
  private readonly swaps: Counter;
  private readonly loadSeconds: Histogram;
  private readonly swapSeconds: Histogram;
  private readonly rejections: Counter<'reason'>;
  private readonly deadLetters: Counter<'reason'>;
  private readonly info: Gauge<'model' | 'version' | 'architecture'>;
  private readonly windowAccuracy: Gauge;
  private readonly lag: Gauge<'topic' | 'partition'>;
  private readonly window: WindowAccuracy;
  private readonly challengerInfo: Gauge<'version'>;
  private readonly challengerPairs: Counter<'version' | 'outcome'>;
  private readonly decisions: Counter<'decision'>;

  constructor(
    registry: Registry,
    windowSize = 500,
    knownReasons: { rejections: readonly string[]; deadLetters: readonly string[] } = { rejections: [], deadLetters: [] },
  ) {
    const registers = [registry];
    this.window = new WindowAccuracy(windowSize);
    this.windowAccuracy = new Gauge({
      name: 'hotswap_accuracy_window_ratio',
      help: `Accuracy over the last ${windowSize} labelled predictions`,
      registers,
    });
    this.lag = new Gauge({
      name: 'hotswap_consumer_lag_records',
      help: 'Records in the data topic partition not yet predicted, as of the last batch',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.predictions = new Counter({
      name: 'hotswap_predictions_total',
      help: 'Predictions written, by model version and outcome (correct, incorrect, unlabelled)',
      labelNames: ['model', 'version', 'outcome'],
      registers,
    });
    this.accuracy = new Gauge({
      name: 'hotswap_accuracy_ratio',
      help: 'Running accuracy over the labelled samples this predictor has predicted',
      registers,
    });
    this.accuracyByVersion = new Gauge({
      name: 'hotswap_model_accuracy_ratio',
      help: 'Running accuracy per model version on this predictor',
      labelNames: ['model', 'version'],
      registers,
    });
    this.latency = new Histogram({
      name: 'hotswap_prediction_latency_seconds',
      help: 'Time from a sample record timestamp to its prediction being written',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'hotswap_batch_size',
      help: 'Samples predicted per tensor call',
      buckets: [1, 8, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    this.swaps = new Counter({ name: 'hotswap_model_swaps_total', help: 'Model versions swapped in', registers });
    this.loadSeconds = new Histogram({
      name: 'hotswap_model_load_seconds',
      help: 'Time to verify, load and warm up a model',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.swapSeconds = new Histogram({
      name: 'hotswap_model_swap_seconds',
      help: 'Time from a model record arriving to its first prediction',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.rejections = new Counter({
      name: 'hotswap_model_rejections_total',
      help: 'Model records rejected, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'hotswap_deadletter_records_total',
      help: 'Data records sent to the dead-letter topic, by reason',
      labelNames: ['reason'],
      registers,
    });
    // Known reasons start at 0, so increase() and rate() see the first event of each.
    for (const reason of knownReasons.rejections) this.rejections.inc({ reason }, 0);
    for (const reason of knownReasons.deadLetters) this.deadLetters.inc({ reason }, 0);
    this.info = new Gauge({
      name: 'hotswap_serving_model_info',
      help: 'The model version serving (value 1)',
      labelNames: ['model', 'version', 'architecture'],
      registers,
    });
    this.challengerInfo = new Gauge({
      name: 'hotswap_challenger_info',
      help: 'The candidate scored beside the serving version (value 1); its live accuracy is hotswap_model_accuracy_ratio',
      labelNames: ['version'],
      registers,
    });
    this.challengerPairs = new Counter({
      name: 'hotswap_challenger_pairs_total',
      help: 'Labelled samples predicted by both the serving version and the challenger, by who got them right',
      labelNames: ['version', 'outcome'],
      registers,
    });
    this.decisions = new Counter({
      name: 'hotswap_challenger_decisions_total',
      help: 'Decisions on candidates read',
      labelNames: ['decision'],
      registers,
    });
    for (const decision of ['promoted', 'rejected']) this.decisions.inc({ decision }, 0);
  }

  predicted(records: readonly PredictionRecord[], book: AccuracyBook): void {
    if (records.length === 0) return;
    const now = Date.now();
    // Counted per label set first: one counter update per set, not one per record; keyed without
    // building a string per record (a batch nearly always has one version).
    const counts = new Map<string, Map<number, number[]>>();
    const pairs = new Map<number, number[]>();
    for (const r of records) {
      let versions = counts.get(r.model.name);
      if (versions === undefined) counts.set(r.model.name, (versions = new Map()));
      let outcomes = versions.get(r.model.version);
      if (outcomes === undefined) versions.set(r.model.version, (outcomes = [0, 0, 0]));
      (outcomes[r.correct === null ? 2 : r.correct ? 0 : 1] as number)++;
      if (r.correct !== null) this.window.record(r.correct);
      if (r.challenger !== undefined && r.challenger.correct !== null && r.correct !== null) {
        let pair = pairs.get(r.challenger.version);
        if (pair === undefined) pairs.set(r.challenger.version, (pair = [0, 0, 0, 0]));
        (pair[pairOutcome(r.correct, r.challenger.correct)] as number)++;
      }
      this.latency.observe(Math.max(0, now - r.sampleCreatedAt) / 1000);
    }
    for (const [model, versions] of counts) {
      for (const [version, outcomes] of versions) {
        OUTCOMES.forEach((outcome, i) => {
          const n = outcomes[i] as number;
          if (n > 0) this.predictions.inc({ model, version: String(version), outcome }, n);
        });
      }
    }
    for (const [version, outcomes] of pairs) {
      PAIR_OUTCOMES.forEach((outcome, i) => {
        const n = outcomes[i] as number;
        if (n > 0) this.challengerPairs.inc({ version: String(version), outcome }, n);
      });
    }
    const recent = this.window.value;
    if (recent !== null) this.windowAccuracy.set(recent);
    const overall = book.overall.value;
    if (overall !== null) this.accuracy.set(overall);
    for (const [key, acc] of book.byVersion) {
      const [model, version] = key.split(':') as [string, string];
      if (acc.value !== null) this.accuracyByVersion.set({ model, version }, acc.value);
    }
  }

  /** One tensor call of `rows` samples. */
  tensorCall(rows: number): void {
    this.batchSize.observe(rows);
  }

  consumerLag(topic: string, partition: number, records: number): void {
    this.lag.set({ topic, partition: String(partition) }, records);
  }

  swapped(model: Pick<HostedModel, 'record'>): void {
    this.swaps.inc();
    this.info.reset();
    this.info.set({ model: model.record.name, version: String(model.record.version), architecture: model.record.architecture }, 1);
  }

  modelLoaded(ms: number): void {
    this.loadSeconds.observe(ms / 1000);
  }

  swapLatency(seconds: number): void {
    this.swapSeconds.observe(seconds);
  }

  modelRejected(reason: string): void {
    this.rejections.inc({ reason });
  }

  challenger(version: number | null): void {
    this.challengerInfo.reset();
    if (version !== null) this.challengerInfo.set({ version: String(version) }, 1);
  }

  decided(decision: 'promoted' | 'rejected'): void {
    this.decisions.inc({ decision });
  }

  deadLettered(reason: string): void {
    this.deadLetters.inc({ reason });
  }
}

/** Who got a labelled sample right, of the serving version and the challenger. */
const OUTCOMES = ['correct', 'incorrect', 'unlabelled'] as const;
const PAIR_OUTCOMES = ['both-right', 'both-wrong', 'challenger-only', 'champion-only'] as const;

/** The index in PAIR_OUTCOMES of who got a labelled sample right. */
function pairOutcome(championRight: boolean, challengerRight: boolean): number {
  if (championRight === challengerRight) return championRight ? 0 : 1;
  return challengerRight ? 2 : 3;
}
