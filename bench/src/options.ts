import { join } from 'node:path';
import { BACKENDS, type BackendPreference, type DataContract } from '@hotswap/shared';

/** The repository root (this file runs as bench/dist/options.js). */
export const REPO = join(__dirname, '..', '..');
export const KAFKA_SCRIPT = join(REPO, 'scripts', 'kafka', 'kafka.sh');
export const MODEL_NAME = 'fashion-mnist';
export const FEATURES = 784;
export const BATCH = 512; // the predictor's default BATCH_SIZE, and the batch of the inference ceiling
export const SWAP_WINDOW_MS = 2000;
export const DATA_CONTRACT: DataContract = { featureShape: [28, 28], classCount: 10 };

export const USAGE = `usage: node bench/dist/main.js [--model mlp|cnn] [--backend auto|tensorflow|wasm|cpu] [--samples N]
                            [--swaps N] [--rate N] [--smoke] [--json FILE]`;

export interface Options {
  model: 'mlp' | 'cnn';
  backend: BackendPreference;
  samples: number;
  swaps: number;
  rate: number;
  smoke: boolean;
  json: string;
  /** Measurement windows: long enough for a stable p99 in a full run, short in a smoke run. */
  inferenceSeconds: number;
  steadyMs: number;
}

function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** The options of a run; --help and usage errors end the process (exit 0 and 2). */
export function parseOptions(argv: string[]): Options {
  const given: Record<string, string> = {};
  let smoke = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (arg === '--smoke') {
      smoke = true;
      continue;
    }
    const m = /^--(model|backend|samples|swaps|rate|json)(?:=(.*))?$/.exec(arg);
    if (m === null) usageError(`unknown argument ${arg}`);
    const name = m[1] as string;
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') usageError(`--${name} needs a value`);
    given[name] = value;
  }
  const model = given['model'] ?? 'mlp';
  if (model !== 'mlp' && model !== 'cnn') usageError(`--model must be mlp or cnn, not ${model}`);
  const backend = given['backend'] ?? 'auto';
  if (!(['auto', ...BACKENDS] as string[]).includes(backend)) usageError(`--backend must be auto, ${BACKENDS.join(', ')}`);
  const count = (name: string, fallback: number, min: number): number => {
    const raw = given[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) usageError(`--${name} must be an integer >= ${min}, not ${raw}`);
    return n;
  };
  return {
    model,
    backend: backend as BackendPreference,
    samples: count('samples', smoke ? 500 : 20_000, 10),
    swaps: count('swaps', smoke ? 20 : 100, 1),
    rate: count('rate', 500, 10),
    smoke,
    json: given['json'] ?? join(REPO, 'bench', 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    // Measurement windows: long enough for a stable p99 in a full run, short in a smoke run.
    inferenceSeconds: smoke ? 1 : 3,
    steadyMs: smoke ? 5000 : 12_000,
  };
}

/** An architecture as the modelgenerator's schedule names it: mlp widths, or cnn filters per block. */
export interface Plan {
  kind: 'mlp' | 'cnn';
  widths: number[];
}

/** Architectures: the one served (same plan as the schedule's) and a bigger one for the large swap. */
export interface Plans {
  served: Plan;
  big: Plan;
}

const PLANS: Record<Options['model'], Plans> = {
  mlp: { served: { kind: 'mlp', widths: [256, 128] }, big: { kind: 'mlp', widths: [1024, 1024] } },
  cnn: { served: { kind: 'cnn', widths: [32, 64] }, big: { kind: 'cnn', widths: [64, 128] } },
};

export function plansOf(model: Options['model']): Plans {
  return PLANS[model];
}

/** A plan as the table names it, e.g. mlp:256-128. */
export function planName(plan: Plan): string {
  return `${plan.kind}:${plan.widths.join('-')}`;
}
