/** One version to train: an architecture, how much of the train split, how many epochs. */
export interface TrainingPlan {
  architecture: 'mlp' | 'cnn';
  /** Hidden layer widths for an MLP; filters per conv block for a CNN. */
  widths: number[];
  /** Train samples to use; `null` means the whole train split. */
  trainSamples: number | null;
  epochs: number;
}

/** Named schedules: each version bigger or trained on more data than the one before. */
export const SCHEDULE_PRESETS: Record<string, string> = {
  // Seconds per version on any backend: for tests and demos.
  quick: 'mlp:16@1000x1,mlp:64@4000x2',
  // MLPs only: trains on every backend (wasm has no convolution gradients). Fashion-MNIST held-out:
  // 0.62, 0.83, 0.89 (native, 23 s in all).
  mlp: 'mlp:32@2000x1,mlp:128@15000x2,mlp:256-128@allx6',
  // The MLPs, then a CNN: 0.927 on Fashion-MNIST held-out after 12 epochs (283 s native, 2 cores).
  full: 'mlp:32@2000x1,mlp:128@15000x2,mlp:256-128@allx6,cnn:32-64@allx12',
};

/** `default` is `full` where convolutions train fast (native TensorFlow), `mlp` elsewhere. */
export function defaultPreset(backend: string): 'full' | 'mlp' {
  return backend === 'tensorflow' ? 'full' : 'mlp';
}

const PLAN_PATTERN = /^(mlp|cnn):(\d+(?:-\d+)*)@(all|\d+)x(\d+)$/;

/**
 * Parses a schedule: a preset name, or comma-separated plans `arch:widths@samples x epochs`,
 * e.g. `mlp:32@2000x1,mlp:256-128@allx5,cnn:32-64@allx8`.
 */
export function parseSchedule(text: string, backend = 'cpu'): TrainingPlan[] {
  const name = text.trim() === 'default' ? defaultPreset(backend) : text.trim();
  const spec = SCHEDULE_PRESETS[name] ?? text;
  const plans = spec.split(',').map((part) => {
    const m = PLAN_PATTERN.exec(part.trim());
    if (m === null) throw new Error(`plan "${part.trim()}" is not arch:widths@samples x epochs, e.g. mlp:128@all x3`);
    const widths = (m[2] as string).split('-').map(Number);
    const epochs = Number(m[4]);
    const trainSamples = m[3] === 'all' ? null : Number(m[3]);
    if (widths.some((w) => w < 1) || epochs < 1 || (trainSamples !== null && trainSamples < 1)) {
      throw new Error(`plan "${part.trim()}" has a zero width, sample count or epoch count`);
    }
    return { architecture: m[1] as 'mlp' | 'cnn', widths, trainSamples, epochs };
  });
  if (plans.length === 0) throw new Error('schedule is empty');
  return plans;
}

export function describePlan(plan: TrainingPlan): string {
  return `${plan.architecture}(${plan.widths.join('-')})`;
}
