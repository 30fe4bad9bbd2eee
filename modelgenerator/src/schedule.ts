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

const ARCHITECTURE_PATTERN = /^(mlp|cnn):(\d+(?:-\d+)*)$/;
const PLAN_PATTERN = /^([^@]*)@(all|\d+)x(\d+)$/;

// Bounds that keep one request from exhausting memory or the queue (largest preset: 256 units, 12 epochs).
export const MAX_WIDTH = 4096;
export const MAX_LAYERS = 8;
export const MAX_EPOCHS = 1000;

/** `none`: no schedule at all (the training API, when on, is the only source of work). */
export const NO_SCHEDULE = 'none';

/** Parses an architecture `mlp:widths` or `cnn:widths`, widths dash-separated, e.g. `mlp:256-128`. */
export function parseArchitecture(text: string): Pick<TrainingPlan, 'architecture' | 'widths'> {
  const m = ARCHITECTURE_PATTERN.exec(text.trim());
  if (m === null) throw new Error(`architecture "${text.trim()}" is not mlp:widths or cnn:widths, e.g. mlp:256-128 or cnn:32-64`);
  const widths = (m[2] as string).split('-').map(Number);
  if (widths.some((w) => w < 1 || w > MAX_WIDTH)) throw new Error(`architecture "${text.trim()}" has a width outside 1..${MAX_WIDTH}`);
  if (widths.length > MAX_LAYERS) throw new Error(`architecture "${text.trim()}" has ${widths.length} layers, more than ${MAX_LAYERS}`);
  return { architecture: m[1] as 'mlp' | 'cnn', widths };
}

/** Checks an epoch count: a whole number 1..MAX_EPOCHS. */
export function checkEpochs(epochs: unknown): number {
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 1 || epochs > MAX_EPOCHS) {
    throw new Error(`epochs ${JSON.stringify(epochs)} is not an integer 1..${MAX_EPOCHS}`);
  }
  return epochs;
}

/** Parses one plan `arch:widths@samples x epochs`, e.g. `mlp:128@allx3`. */
export function parsePlan(text: string): TrainingPlan {
  const part = text.trim();
  const m = PLAN_PATTERN.exec(part);
  const arch = m === null ? null : ARCHITECTURE_PATTERN.exec(m[1] as string);
  if (m === null || arch === null) throw new Error(`plan "${part}" is not arch:widths@samples x epochs, e.g. mlp:128@all x3`);
  const trainSamples = m[2] === 'all' ? null : Number(m[2]);
  const epochs = Number(m[3]);
  if (trainSamples === 0 || epochs === 0 || (arch[2] as string).split('-').some((w) => Number(w) === 0)) {
    throw new Error(`plan "${part}" has a zero width, sample count or epoch count`);
  }
  try {
    return { ...parseArchitecture(m[1] as string), trainSamples, epochs: checkEpochs(epochs) };
  } catch (e) {
    throw new Error(`plan "${part}": ${(e as Error).message}`);
  }
}

/**
 * Parses a schedule: a preset name, `none`, or comma-separated plans `arch:widths@samples x epochs`,
 * e.g. `mlp:32@2000x1,mlp:256-128@allx5,cnn:32-64@allx8`.
 */
export function parseSchedule(text: string, backend = 'cpu'): TrainingPlan[] {
  if (text.trim() === NO_SCHEDULE) return [];
  const name = text.trim() === 'default' ? defaultPreset(backend) : text.trim();
  const spec = SCHEDULE_PRESETS[name] ?? text;
  return spec.split(',').map(parsePlan);
}

/** The architecture as model records name it, e.g. `mlp(256-128)`. */
export function describePlan(plan: TrainingPlan): string {
  return `${plan.architecture}(${plan.widths.join('-')})`;
}

/** The architecture as requests and schedules write it, e.g. `mlp:256-128`. */
export function architectureOf(plan: Pick<TrainingPlan, 'architecture' | 'widths'>): string {
  return `${plan.architecture}:${plan.widths.join('-')}`;
}
