import { randomUUID } from 'node:crypto';
import {
  controlHeaders,
  decisionRecordKey,
  decodeControl,
  encodeControl,
  isControlRecord,
  isDecision,
  modelCodec,
  modelRole,
  retryForever,
  sampleCodec,
  type DatasetContract,
  type InboundRecord,
  type Logger,
  type ModelRecord,
  type RecordSender,
  type TopicReader,
  type Transport,
} from '@hotswap/shared';
import type { ModelGenerator } from '../generator';
import type { GeneratorMetrics } from '../metrics';
import { parseArchitecture, type TrainingPlan } from '../schedule';
import { userTrainingData } from '../training-data';
import { DriftWatch, type Drift } from './drift-watch';
import { PromotionJudge, type PromotionSettings, type Verdict } from './judge';
import type { PageHinkleySettings } from './page-hinkley';
import { RecentSamples } from './recent-samples';

export interface ContinualSettings {
  modelName: string;
  modelTopic: string;
  dataTopic: string;
  predictionTopic: string;
  contract: DatasetContract;
  /** Labelled samples read after a drift is detected that a challenger is trained on. */
  retrainSamples: number;
  /** Epochs of fine-tuning the serving version on them. */
  epochs: number;
  seed: number;
  drift: PageHinkleySettings;
  promotion: PromotionSettings;
}

export interface ContinualParts {
  transport: Transport;
  producer: RecordSender;
  generator: ModelGenerator;
  logger: Logger;
  metrics: GeneratorMetrics;
}

/** Published versions kept to fine-tune from: the serving one is nearly always among the newest. */
const KEEP_RECORDS = 3;

type Phase =
  { kind: 'watching' } | { kind: 'collecting'; drift: Drift; mark: number } | { kind: 'training' } | { kind: 'judging'; candidate: number };

/**
 * The loop, closed: watches the serving version's live errors on the prediction topic, and when
 * they rise trains a challenger on the samples that follow (fine-tuning the serving version) and
 * publishes it as a candidate; judges every candidate on the paired outcomes all replicas write,
 * and writes the decision to the model topic, where every replica reads it. One loop per model:
 * it is the one place that sees every replica's pairs, so there is one decision.
 */
export class ContinualLoop {
  private readonly watch: DriftWatch;
  private readonly judge: PromotionJudge;
  private readonly recent: RecentSamples;
  private readonly records = new Map<number, ModelRecord>();
  private readonly readers: TopicReader[] = [];
  private phase: Phase = { kind: 'watching' };
  /** Decisions are written one at a time, in the order they were reached. */
  private writing: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly settings: ContinualSettings,
    private readonly parts: ContinualParts,
  ) {
    this.watch = new DriftWatch(settings.drift);
    this.judge = new PromotionJudge(settings.promotion);
    this.recent = new RecentSamples(Math.max(settings.retrainSamples, 1), settings.contract);
  }

  async start(): Promise<void> {
    const { transport, logger } = this.parts;
    const { modelTopic, dataTopic, predictionTopic, modelName } = this.settings;
    let caughtUp: () => void = () => undefined;
    const read = new Promise<void>((resolve) => (caughtUp = resolve));
    this.readers.push(
      await transport.readFromStart(
        modelTopic,
        'hotswap-continual-models',
        async (r) => this.onModelTopic(r),
        () => caughtUp(),
      ),
    );
    await read;
    this.readers.push(await transport.readFromNow(dataTopic, 'hotswap-continual-data', (r) => this.onSample(r)));
    this.readers.push(await transport.readFromNow(predictionTopic, 'hotswap-continual-predictions', (r) => this.onPrediction(r)));
    const { tolerance, threshold, minSamples } = this.settings.drift;
    const { significance, minPairs, budget } = this.settings.promotion;
    logger.info(
      `continual: watching ${modelName}'s live errors on ${predictionTopic} (Page-Hinkley tolerance ${tolerance}, threshold ${threshold}, after ${minSamples}); ` +
        `judging candidates on paired outcomes (McNemar, significance ${significance}, from ${minPairs} pairs, budget ${budget}); ` +
        `a drift trains a challenger on the next ${this.settings.retrainSamples} samples of ${dataTopic}`,
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await Promise.all(this.readers.splice(0).map((r) => r.disconnect()));
    await this.writing;
  }

  private async onModelTopic(record: InboundRecord): Promise<void> {
    if (record.value === null) return;
    if (isControlRecord(record.headers)) {
      try {
        const control = decodeControl(record.value);
        // Decided already (before a restart, or by another loop): never judged again.
        if (control.model === this.settings.modelName && isDecision(control.action)) this.judge.markDecided(control.version as number);
      } catch {
        // A control record this loop cannot read decides nothing here; the predictors log it.
      }
      return;
    }
    try {
      const model = modelCodec.decode(record.value, record.headers);
      if (model.name !== this.settings.modelName) return;
      this.records.set(model.version, model);
      for (const version of [...this.records.keys()].sort((a, b) => b - a).slice(KEEP_RECORDS)) this.records.delete(version);
      if (modelRole(record.headers) === 'candidate') this.parts.logger.debug(`continual: candidate v${model.version} on the model topic`);
    } catch {
      // Not a model this loop can fine-tune from; the predictors reject it with the reason.
    }
  }

  private onSample(record: InboundRecord): void {
    // Only the samples after a drift are trained on: the rest of the stream is not even decoded.
    if (record.value === null || this.phase.kind !== 'collecting') return;
    let label: number | null;
    let features: Uint8Array;
    try {
      const sample = sampleCodec.decode(record.value, record.headers);
      if (sample.dataset !== this.settings.contract.name) return;
      ({ label, features } = sample);
    } catch {
      return; // the predictors dead-letter it with the reason
    }
    if (label === null) return;
    try {
      this.recent.add(features, label);
    } catch {
      return;
    }
    if (this.recent.total - this.phase.mark >= this.settings.retrainSamples) {
      const { drift, mark } = this.phase;
      this.phase = { kind: 'training' };
      void this.trainChallenger(drift, mark);
    }
  }

  private onPrediction(record: InboundRecord): void {
    if (record.value === null || this.stopping) return;
    let p: { model?: { name?: unknown; version?: unknown }; correct?: unknown; challenger?: { version?: unknown; correct?: unknown } };
    try {
      p = JSON.parse(record.value.toString('utf8')) as typeof p;
    } catch {
      return;
    }
    if (p.model?.name !== this.settings.modelName || typeof p.model.version !== 'number' || typeof p.correct !== 'boolean') return;
    const champion = p.model.version;
    const challenger = p.challenger;
    if (challenger !== undefined && typeof challenger.version === 'number' && typeof challenger.correct === 'boolean') {
      const event = this.judge.observe(champion, challenger.version, p.correct, challenger.correct);
      if (event.kind === 'verdict') this.decide(event.verdict);
      else if (event.kind === 'restarted')
        this.parts.logger.info(
          `continual: v${event.challenger} is now paired with v${event.to}; its ${event.droppedPairs} pairs against v${event.from} are dropped`,
        );
    }
    const drift = this.watch.observe(champion, p.correct);
    if (drift !== null && this.phase.kind === 'watching') {
      this.parts.metrics.driftDetected.inc();
      this.parts.logger.info(
        `continual: drift detected: v${drift.champion}'s live error rate rose (Page-Hinkley ${drift.statistic.toFixed(1)} after ${drift.observed} labelled predictions); ` +
          `training a challenger on the next ${this.settings.retrainSamples} samples`,
      );
      this.phase = { kind: 'collecting', drift, mark: this.recent.total };
    }
  }

  /** Fine-tunes the serving version on the samples since the drift and publishes the result as a candidate. */
  private async trainChallenger(drift: Drift, mark: number): Promise<void> {
    const { generator, logger } = this.parts;
    const startFrom = this.records.get(drift.champion);
    const data = userTrainingData(
      this.recent.since(mark),
      this.settings.seed,
      `the ${this.settings.retrainSamples} samples after the drift`,
    );
    try {
      const plan = planFor(startFrom, this.settings.epochs);
      const job = generator.submit(
        {
          origin: 'continual',
          plan,
          data,
          seed: this.settings.seed,
          publish: 'always',
          role: 'candidate',
          ...(startFrom === undefined ? {} : { startFrom }),
        },
        true,
      );
      const done = await generator.finished(job.id);
      const version = done.view().version;
      if (version === null) throw new Error(`job ${job.id} ended ${done.state}: ${done.view().error ?? done.view().outcome ?? ''}`);
      this.phase = { kind: 'judging', candidate: version };
    } catch (e) {
      if (this.stopping) return;
      logger.warn(`continual: no challenger after the drift: ${(e as Error).message}; watching again`);
      this.phase = { kind: 'watching' };
      this.watch.resume();
    }
  }

  /** Writes a decision with its evidence; the loop watches again once its own candidate is decided. */
  private decide(verdict: Exclude<Verdict, { decision: 'undecided' }>): void {
    const { evidence } = verdict;
    const { modelName, modelTopic } = this.settings;
    const action = verdict.decision;
    const control = {
      id: randomUUID(),
      model: modelName,
      action,
      version: evidence.challenger,
      requestedAt: Date.now(),
      requestedBy: 'modelgenerator continual loop',
      reason: verdict.why,
      evidence,
    } as const;
    this.parts.logger.info(
      `continual: ${action === 'promote' ? 'promoting' : 'rejecting'} v${evidence.challenger} (${verdict.why}) against v${evidence.champion}: ` +
        `${evidence.pairs} pairs, ${evidence.challengerOnly} right only by the challenger, ${evidence.championOnly} only by the champion, p=${evidence.pValue?.toExponential(2) ?? 'none'}`,
    );
    this.parts.metrics.decisions.inc({ decision: action === 'promote' ? 'promoted' : 'rejected' });
    if (this.phase.kind === 'judging' && this.phase.candidate === evidence.challenger) {
      this.phase = { kind: 'watching' };
      this.watch.resume();
    }
    const write = () =>
      this.parts.producer.send(modelTopic, [
        {
          key: decisionRecordKey(modelName, evidence.challenger),
          ordering: modelName,
          value: encodeControl(control),
          headers: controlHeaders(),
        },
      ]);
    // Every replica waits for this record: a broker away for a while must not lose it.
    const what = `writing the decision on v${evidence.challenger}`;
    this.writing = this.writing
      .then(() => retryForever(write, { what, warn: (l) => this.parts.logger.warn(l), signal: this.abort.signal }))
      .catch((e: Error) => {
        if (!this.stopping) this.parts.logger.warn(`continual: decision on v${evidence.challenger} not written: ${e.message}`);
      });
  }
}

/** The serving version's architecture, fine-tuned; a fresh MLP when its record is not kept. */
function planFor(startFrom: ModelRecord | undefined, epochs: number): TrainingPlan {
  const described = startFrom === undefined ? null : /^(mlp|cnn)\(([\d-]+)\)$/.exec(startFrom.architecture);
  const { architecture, widths } =
    described === null ? parseArchitecture('mlp:256-128') : parseArchitecture(`${described[1]}:${described[2]}`);
  return { architecture, widths, trainSamples: null, epochs };
}
