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
  // Minutes in all on the pure-JS/wasm backends; ~0.75, ~0.83, ~0.87 on Fashion-MNIST.
  default: 'mlp:32@2000x1,mlp:128@15000x2,mlp:256-128@allx6',
};

const PLAN_PATTERN = /^(mlp|cnn):(\d+(?:-\d+)*)@(all|\d+)x(\d+)$/;

/**
 * Parses a schedule: a preset name, or comma-separated plans `arch:widths@samples x epochs`,
 * e.g. `mlp:32@2000x1,mlp:256-128@allx5,cnn:32-64@allx8`.
 */
export function parseSchedule(text: string): TrainingPlan[] {
  const spec = SCHEDULE_PRESETS[text.trim()] ?? text;
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
