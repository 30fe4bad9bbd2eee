import * as tf from '@tensorflow/tfjs';
import { isMainThread } from 'node:worker_threads';
import { ConfigError } from './config';

export { tf };

// TensorFlow's C++ start-up chatter (oneDNN, CPU features) is noise in our logs unless asked for
// (TF_CPP_MIN_LOG_LEVEL=0). Set here, on the main thread, at import: C++ reads the process's real
// environment, which a worker thread's process.env is only a copy of, and workers load TF first.
if (isMainThread) process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';

// The names are apart from this module, so settings can list them without loading TensorFlow.js.
import { BACKENDS, type BackendName, type BackendPreference } from './backends';
export { BACKENDS, type BackendName, type BackendPreference };

export interface BackendChoice {
  backend: BackendName;
  /** One line saying why this backend, for the start-up log. */
  reason: string;
}

/**
 * Loads a backend's package and makes it active; throws with the cause when it cannot. Services
 * call selectBackend once; tests and benchmarks that compare backends call this directly.
 */
export async function activateBackend(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // Registers the native backend; throws when the addon was never built (see scripts/tfjs-native.sh).
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    // Point at the .wasm files inside the package, so no network fetch is ever tried.
    const dir = require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, 'dist/');
    wasm.setWasmPaths(dir);
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0] as string;
}

let chosen: BackendChoice | undefined;

/**
 * Picks the backend once per process. `auto` tries native, wasm, cpu in order and says why
 * each one before the chosen was passed over; a forced backend that fails is an error.
 */
export async function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendChoice> {
  if (chosen !== undefined) {
    if (preference !== 'auto' && preference !== chosen.backend) {
      throw new Error(`TensorFlow backend already chosen as ${chosen.backend}, cannot switch to ${preference}`);
    }
    return chosen;
  }
  if (preference !== 'auto') {
    try {
      await activateBackend(preference);
    } catch (e) {
      throw new ConfigError('TF_BACKEND', preference, `an installed backend; ${preference} is not (${firstLine(e)})`);
    }
    chosen = { backend: preference, reason: `forced by TF_BACKEND=${preference}` };
    return chosen;
  }
  const passedOver: string[] = [];
  for (const name of BACKENDS) {
    try {
      await activateBackend(name);
      const why = passedOver.length === 0 ? 'first choice' : `passed over ${passedOver.join('; ')}`;
      chosen = { backend: name, reason: why };
      return chosen;
    } catch (e) {
      passedOver.push(`${name} (${firstLine(e)})`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be started: ${passedOver.join('; ')}`);
}
