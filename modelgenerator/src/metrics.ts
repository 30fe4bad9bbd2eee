import { Counter, Gauge, type Registry } from 'prom-client';
import { FINAL_STATES } from './jobs';

export interface GeneratorMetrics {
  published: Counter;
  trainAccuracy: Gauge;
  trainLoss: Gauge;
  heldOutAccuracy: Gauge<'model' | 'version'>;
  /** Training jobs by the state they ended in. */
  jobs: Counter<'state'>;
  /** Training jobs queued, not yet running. */
  waiting: Gauge;
  /** Continual mode: rises in the serving version's error rate detected. */
  driftDetected: Counter;
  /** Continual mode: decisions written on candidates. */
  decisions: Counter<'decision'>;
}

export function createGeneratorMetrics(registry: Registry): GeneratorMetrics {
  const metrics: GeneratorMetrics = {
    published: new Counter({ name: 'hotswap_models_published_total', help: 'Model versions published', registers: [registry] }),
    trainAccuracy: new Gauge({
      name: 'hotswap_training_accuracy_ratio',
      help: 'Training accuracy at the last epoch end',
      registers: [registry],
    }),
    trainLoss: new Gauge({ name: 'hotswap_training_loss', help: 'Training loss at the last epoch end', registers: [registry] }),
    heldOutAccuracy: new Gauge({
      name: 'hotswap_model_heldout_accuracy_ratio',
      help: 'Held-out accuracy of each published version',
      labelNames: ['model', 'version'],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'hotswap_training_jobs_total',
      help: 'Training jobs finished, by final state (published, trained, failed, cancelled)',
      labelNames: ['state'],
      registers: [registry],
    }),
    waiting: new Gauge({ name: 'hotswap_training_jobs_waiting', help: 'Training jobs queued, not yet running', registers: [registry] }),
    driftDetected: new Counter({
      name: 'hotswap_drift_detected_total',
      help: "Continual mode: rises in the serving version's live error rate detected (Page-Hinkley)",
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'hotswap_candidate_decisions_total',
      help: 'Continual mode: decisions written on candidates (promoted, rejected)',
      labelNames: ['decision'],
      registers: [registry],
    }),
  };
  for (const decision of ['promoted', 'rejected']) metrics.decisions.inc({ decision }, 0);
  // Every state from 0, so increase() sees the first job that ends in it.
  for (const state of FINAL_STATES) metrics.jobs.inc({ state }, 0);
  return metrics;
}
