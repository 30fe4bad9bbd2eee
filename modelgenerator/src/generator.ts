import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { modelToRecord, retryForever, type Logger, type ModelRecord, type ModelRole, type tf } from '@hotswap/shared';
import { JobBook, TrainingJob, type JobOrigin, type JobRequest } from './jobs';
import type { GeneratorMetrics } from './metrics';
import type { ModelPublisher } from './publisher';
import { architectureOf, describePlan, type TrainingPlan } from './schedule';
import { trainPlan, type TrainingProgress } from './trainer';
import type { TrainingData } from './training-data';

/** When a trained model is published: always, never, or only if its held-out accuracy beats a figure. */
export type PublishRule = 'always' | 'never' | { beats: number };

/** A job to run: the plan, the data, the seed of its initial weights, and when to publish it. */
export interface JobSpec {
  origin: JobOrigin;
  plan: TrainingPlan;
  data: TrainingData;
  seed: number;
  publish: PublishRule;
  /** Fine-tunes this published version instead of training from fresh weights (same architecture). */
  startFrom?: ModelRecord;
  /** Publishes as this role instead of the publisher's (the continual loop's challengers are candidates). */
  role?: ModelRole;
}

export interface GeneratorParts {
  modelName: string;
  backend: string;
  /** The version the first model published gets, unless the model topic has seen higher. */
  firstVersion: number;
  /** The highest version of this model seen on the model topic so far (by anyone). */
  latestOnTopic: () => number;
  publisher: ModelPublisher;
  /** Signs a record when a signing key is configured; returns it unchanged otherwise. */
  sign: (record: ModelRecord) => ModelRecord;
  logger: Logger;
  metrics: GeneratorMetrics;
  jobs?: JobBook;
  now?: () => number;
}

/** A within-epoch progress line at most this often, so long epochs show they are alive. */
const PROGRESS_LOG_MS = 5000;

/**
 * The one training queue: schedule plans and API jobs alike run through it, one at a time (two
 * trainings at once would each take twice as long), and each published model takes the next
 * version when it is published, so versions stay unique and increasing whatever order jobs end in.
 */
export class ModelGenerator {
  readonly jobs: JobBook;
  private readonly specs = new Map<string, JobSpec>();
  private readonly waiters = new Map<string, ((job: TrainingJob) => void)[]>();
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private nextVersion: number;
  private stopping = false;
  private draining = false;
  private worker: Promise<void> = Promise.resolve();

  constructor(private readonly parts: GeneratorParts) {
    this.jobs = parts.jobs ?? new JobBook();
    this.now = parts.now ?? Date.now;
    this.nextVersion = parts.firstVersion;
  }

  /** Queues a job; throws QueueFull when too many wait (`unlimited` skips that check, for the schedule's single job). */
  submit(spec: JobSpec, unlimited = false): TrainingJob {
    if (this.stopping) throw new Error('the modelgenerator is stopping');
    const job = new TrainingJob(randomBytes(6).toString('hex'), requestOf(spec), this.now());
    this.jobs.add(job, unlimited);
    this.specs.set(job.id, spec);
    this.parts.metrics.waiting.set(this.jobs.waiting());
    // Started from the event loop, not in here: whoever submitted sees the job queued, as it is.
    setImmediate(() => this.kick());
    return job;
  }

  /** Resolves once the job has reached a final state. */
  finished(id: string): Promise<TrainingJob> {
    const job = this.jobs.get(id);
    if (job === undefined) return Promise.reject(new Error(`no job ${id}`));
    if (job.isFinal) return Promise.resolve(job);
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  /** Cancels a queued job at once, or stops a running one at its next batch; undefined for an unknown id. */
  cancel(id: string, reason: string): ReturnType<TrainingJob['requestCancel']> | undefined {
    const job = this.jobs.get(id);
    if (job === undefined) return undefined;
    const effect = job.requestCancel(this.now(), reason);
    if (effect === 'cancelled') {
      this.parts.logger.info(`job ${id}: ${reason}`);
      this.specs.delete(id);
      this.settle(job);
    }
    return effect;
  }

  /**
   * Trains the plans in turn through the queue (a job the API adds meanwhile runs between two
   * plans). With `publishAll` false, a version is published only if it beats the schedule's
   * previous one, and `intervalMs` passes after each published version. A failed plan ends the run.
   */
  async runSchedule(
    plans: TrainingPlan[],
    data: TrainingData,
    options: { seed: number; intervalMs: number; publishAll: boolean; origin: JobOrigin },
  ): Promise<TrainingJob[]> {
    const done: TrainingJob[] = [];
    let best = 0;
    for (const [i, plan] of plans.entries()) {
      if (this.stopping) break;
      const job = this.submit(
        { origin: options.origin, plan, data, seed: options.seed + i, publish: options.publishAll ? 'always' : { beats: best } },
        true,
      );
      this.parts.logger.info(`job ${job.id} is ${options.origin} plan ${i + 1}/${plans.length}`);
      const finished = await this.finished(job.id);
      done.push(finished);
      const view = finished.view();
      // The caller sees the failed job last, and decides (the service ends, the command prints and exits 1).
      if (finished.state === 'failed') break;
      if (finished.state !== 'published') continue;
      best = view.metrics.accuracy ?? best;
      if (i < plans.length - 1 && options.intervalMs > 0) {
        try {
          await sleep(options.intervalMs, undefined, { signal: this.abort.signal });
        } catch {
          break;
        }
      }
    }
    return done;
  }

  /** Stops at the next batch of the running job; jobs still queued are left as they are. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.worker;
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    this.worker = this.drain();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const job = this.stopping ? undefined : this.jobs.nextQueued();
      if (job === undefined) {
        // Cleared in the same turn as the check, so a job submitted from now on starts a new drain.
        this.draining = false;
        return;
      }
      await this.run(job);
    }
  }

  private async run(job: TrainingJob): Promise<void> {
    const spec = this.specs.get(job.id) as JobSpec;
    this.specs.delete(job.id);
    const { logger, metrics, modelName } = this.parts;
    const { plan, data } = spec;
    job.start(this.now());
    metrics.waiting.set(this.jobs.waiting());
    const arch = spec.startFrom?.architecture ?? describePlan(plan);
    const samples = Math.min(plan.trainSamples ?? data.split.train.length, data.split.train.length);
    const how = spec.startFrom === undefined ? 'training' : `fine-tuning v${spec.startFrom.version}`;
    logger.info(`job ${job.id}: ${how} ${arch} on ${samples} samples of ${data.description}, ${plan.epochs} epoch(s)`);
    let model: tf.LayersModel | undefined;
    try {
      const trained = await trainPlan(
        plan,
        data.dataset,
        data.split,
        spec.seed,
        () => this.stopping || job.cancelRequested,
        this.progressReporter(job),
        spec.startFrom,
      );
      if (trained === null) return this.stopped(job);
      model = trained.model;
      const { accuracy } = trained.metrics;
      const heldOut = { ...trained.metrics };
      const notPublished = reasonNotToPublish(spec.publish, accuracy);
      if (notPublished !== null) {
        logger.warn(`not publishing ${arch} (job ${job.id}): ${notPublished}`);
        job.finish(this.now(), heldOut, { notPublished });
        return;
      }
      if (job.cancelRequested) return this.stopped(job);
      const version = Math.max(this.nextVersion, this.parts.latestOnTopic() + 1);
      const unsigned = await modelToRecord(model, {
        name: modelName,
        version,
        createdAt: this.now(),
        dataset: data.dataset.name,
        architecture: arch,
        inputShape: [data.dataset.featureShape.reduce((a, b) => a * b, 1)],
        classNames: [...data.dataset.classNames],
        backend: this.parts.backend,
        metrics: trained.metrics,
      });
      model.dispose();
      model = undefined;
      const record = this.parts.sign(unsigned);
      const role = spec.role ?? this.parts.publisher.role;
      let bytes: number;
      try {
        bytes = await retryForever(() => this.parts.publisher.publish(record, role), {
          what: `publishing ${modelName} v${version}`,
          warn: (l) => logger.warn(l),
          signal: this.abort.signal,
        });
      } catch (e) {
        if (this.stopping) return this.stopped(job, `cancelled: the modelgenerator stopped before v${version} was published`);
        throw e;
      }
      this.nextVersion = version + 1;
      metrics.published.inc();
      metrics.heldOutAccuracy.set({ model: modelName, version: String(version) }, accuracy);
      job.finish(this.now(), heldOut, { version });
      logger.info(
        `published ${modelName} v${version}${role === 'candidate' ? ' as a candidate' : ''} (${arch}, ${bytes} bytes): held-out accuracy ${accuracy.toFixed(4)} on ${trained.metrics.testSamples} samples, trained in ${trained.metrics.trainSeconds.toFixed(1)} s (job ${job.id})`,
      );
    } catch (e) {
      job.fail(this.now(), (e as Error).message);
      logger.error(`job ${job.id} failed: ${(e as Error).stack ?? String(e)}`);
    } finally {
      model?.dispose();
      this.settle(job);
    }
  }

  private stopped(job: TrainingJob, reason?: string): void {
    const why = reason ?? (job.cancelRequested ? undefined : 'cancelled: the modelgenerator stopped');
    job.cancelled(this.now(), why);
    this.parts.logger.info(`job ${job.id}: ${job.view().outcome}`);
  }

  private progressReporter(job: TrainingJob): (p: TrainingProgress) => void {
    const { logger, metrics } = this.parts;
    let lastLog = this.now();
    return (p) => {
      const stats = p.loss === undefined ? undefined : { loss: p.loss, accuracy: p.accuracy ?? Number.NaN };
      job.progress(p.epoch, p.epochFraction, stats);
      if (stats !== undefined) {
        metrics.trainLoss.set(stats.loss);
        metrics.trainAccuracy.set(stats.accuracy);
      } else if (this.now() - lastLog < PROGRESS_LOG_MS) {
        return;
      }
      lastLog = this.now();
      const figures = stats === undefined ? '' : ` loss=${stats.loss.toFixed(4)} accuracy=${stats.accuracy.toFixed(4)}`;
      logger.info(
        `  job ${job.id} epoch ${p.epoch}/${p.epochs} ${(p.epochFraction * 100).toFixed(0)}%${figures} (${p.elapsedSeconds.toFixed(1)} s)`,
      );
    };
  }

  /** A job reached its final state: count it, wake whoever waits for it, forget old ones. */
  private settle(job: TrainingJob): void {
    if (!job.isFinal) return;
    this.parts.metrics.jobs.inc({ state: job.state });
    this.parts.metrics.waiting.set(this.jobs.waiting());
    const waiting = this.waiters.get(job.id) ?? [];
    this.waiters.delete(job.id);
    for (const wake of waiting) wake(job);
    this.jobs.prune();
  }
}

function reasonNotToPublish(rule: PublishRule, accuracy: number): string | null {
  if (rule === 'always') return null;
  if (rule === 'never') return 'the request said publish: false';
  if (accuracy <= rule.beats) return `held-out accuracy ${accuracy.toFixed(4)} does not beat ${rule.beats.toFixed(4)}`;
  return null;
}

function requestOf(spec: JobSpec): JobRequest {
  return {
    origin: spec.origin,
    architecture: architectureOf(spec.plan),
    epochs: spec.plan.epochs,
    samples: spec.plan.trainSamples,
    dataset: spec.data.dataset.name,
    data: spec.data.description,
    publish: typeof spec.publish === 'string' ? spec.publish : 'if-better',
  };
}
