import { setTimeout as sleep } from 'node:timers/promises';
import { modelToRecord, retryForever, type Dataset, type Logger, type ModelRecord, type Split } from '@hotswap/shared';
import type { Counter, Gauge } from 'prom-client';
import type { ModelPublisher } from './publisher';
import { describePlan, type TrainingPlan } from './schedule';
import { trainPlan } from './trainer';

export interface GeneratorParts {
  dataset: Dataset;
  split: Split;
  seed: number;
  modelName: string;
  plans: TrainingPlan[];
  firstVersion: number;
  intervalMs: number;
  backend: string;
  publisher: ModelPublisher;
  /** Signs a record when a signing key is configured; returns it unchanged otherwise. */
  sign: (record: ModelRecord) => ModelRecord;
  logger: Logger;
  metrics: { published: Counter; trainAccuracy: Gauge; trainLoss: Gauge; heldOutAccuracy: Gauge<'model' | 'version'> };
}

/** Trains the schedule's plans in turn and publishes each version that beats the one before. */
export class ModelGenerator {
  private stopping = false;
  private readonly abort = new AbortController();

  private running: Promise<void> = Promise.resolve();

  constructor(private readonly parts: GeneratorParts) {}

  start(): Promise<void> {
    this.running = this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    const { plans, logger, metrics, modelName, dataset, split } = this.parts;
    let version = this.parts.firstVersion;
    let bestAccuracy = 0;
    for (const [i, plan] of plans.entries()) {
      if (this.stopping) return;
      const arch = describePlan(plan);
      const samples = plan.trainSamples ?? split.train.length;
      logger.info(
        `training ${modelName} v${version}: ${arch} on ${Math.min(samples, split.train.length)} samples, ${plan.epochs} epoch(s) (plan ${i + 1}/${plans.length})`,
      );
      const trained = await trainPlan(
        plan,
        dataset,
        split,
        this.parts.seed + i,
        () => this.stopping,
        (p) => {
          const stats = p.loss === undefined ? '' : ` loss=${p.loss.toFixed(4)} accuracy=${(p.accuracy ?? 0).toFixed(4)}`;
          logger.info(
            `  v${version} epoch ${p.epoch}/${p.epochs} ${(p.epochFraction * 100).toFixed(0)}%${stats} (${p.elapsedSeconds.toFixed(1)} s)`,
          );
          if (p.loss !== undefined) {
            metrics.trainLoss.set(p.loss);
            metrics.trainAccuracy.set(p.accuracy ?? 0);
          }
        },
      );
      if (this.stopping) {
        trained.model.dispose();
        return;
      }
      const { accuracy } = trained.metrics;
      if (accuracy <= bestAccuracy) {
        logger.warn(`not publishing ${arch}: held-out accuracy ${accuracy.toFixed(4)} does not beat ${bestAccuracy.toFixed(4)}`);
        trained.model.dispose();
        continue;
      }
      const unsigned = await modelToRecord(trained.model, {
        name: modelName,
        version,
        createdAt: Date.now(),
        dataset: dataset.name,
        architecture: arch,
        inputShape: [dataset.featureShape.reduce((a, b) => a * b, 1)],
        classNames: [...dataset.classNames],
        backend: this.parts.backend,
        metrics: trained.metrics,
      });
      trained.model.dispose();
      const record = this.parts.sign(unsigned);
      let bytes: number;
      try {
        bytes = await retryForever(() => this.parts.publisher.publish(record), {
          what: `publishing ${modelName} v${version}`,
          warn: (l) => logger.warn(l),
          signal: this.abort.signal,
        });
      } catch (e) {
        if (this.stopping) return;
        throw e;
      }
      bestAccuracy = accuracy;
      metrics.published.inc();
      metrics.heldOutAccuracy.set({ model: modelName, version: String(version) }, accuracy);
      logger.info(
        `published ${modelName} v${version} (${arch}, ${bytes} bytes): held-out accuracy ${accuracy.toFixed(4)} on ${trained.metrics.testSamples} samples, trained in ${trained.metrics.trainSeconds.toFixed(1)} s`,
      );
      version++;
      if (i < plans.length - 1 && this.parts.intervalMs > 0) {
        try {
          await sleep(this.parts.intervalMs, undefined, { signal: this.abort.signal });
        } catch {
          return;
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.running.catch(() => undefined);
  }
}
