import { createHash } from 'node:crypto';
import type { ModelRecord } from '../schemas/records';

/** Why a model was rejected; stable strings, used as metric labels. */
export const REJECTION_REASONS = [
  'undecodable',
  'checksum-mismatch',
  'bad-topology',
  'bad-weights',
  'input-shape-mismatch',
  'classes-mismatch',
  'too-large',
  'stale-version',
  'load-failed',
  'unsigned',
  'untrusted-key',
  'bad-signature',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export class ModelRejected extends Error {
  constructor(
    readonly reason: RejectionReason,
    readonly modelName: string,
    readonly version: number,
    readonly detail: string,
  ) {
    super(`model ${modelName} v${version} rejected (${reason}): ${detail}`);
    this.name = 'ModelRejected';
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What the data on this predictor looks like; a model must fit it. */
export interface DataContract {
  /** Per-sample feature shape, e.g. [28, 28]. */
  featureShape: readonly number[];
  /** Number of classes the labels use. */
  classCount: number;
}

export interface ModelLimits {
  maxModelBytes: number;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Checks a model record before anything is loaded: size, checksum, topology, weight manifest
 * against the weight bytes, finite weights, input and output fit. Pure: no TensorFlow, no I/O.
 * Returns the parsed weight specs for the loader.
 */
export function verifyModelRecord(record: ModelRecord, data: DataContract, limits: ModelLimits): WeightSpec[] {
  const reject = (reason: RejectionReason, detail: string): never => {
    throw new ModelRejected(reason, record.name, record.version, detail);
  };
  const size = record.weights.length + record.topology.length + record.weightSpecs.length;
  if (size > limits.maxModelBytes) reject('too-large', `${size} bytes exceeds the limit of ${limits.maxModelBytes}`);
  const digest = sha256Hex(record.weights);
  if (digest !== record.weightsSha256) {
    reject('checksum-mismatch', `weights sha256 ${digest} does not match the declared ${record.weightsSha256}`);
  }
  let topology: unknown;
  try {
    topology = JSON.parse(record.topology);
  } catch (e) {
    reject('bad-topology', `topology is not JSON (${(e as Error).message})`);
  }
  if (typeof topology !== 'object' || topology === null || !('class_name' in topology) || !('config' in topology)) {
    reject('bad-topology', 'topology has no class_name/config');
  }
  let specs: WeightSpec[] = [];
  try {
    specs = JSON.parse(record.weightSpecs) as WeightSpec[];
    if (!Array.isArray(specs)) throw new Error('not an array');
  } catch (e) {
    reject('bad-weights', `weight manifest is not a JSON array (${(e as Error).message})`);
  }
  let expectedBytes = 0;
  for (const spec of specs) {
    const bytes = DTYPE_BYTES[spec.dtype];
    if (bytes === undefined || !Array.isArray(spec.shape)) reject('bad-weights', `weight ${spec.name} has dtype ${spec.dtype}`);
    expectedBytes += product(spec.shape) * (bytes as number);
  }
  if (expectedBytes !== record.weights.length) {
    reject('bad-weights', `weights are ${record.weights.length} bytes, the manifest needs ${expectedBytes}`);
  }
  let offset = 0;
  for (const spec of specs) {
    const n = product(spec.shape);
    if (spec.dtype === 'float32') {
      // Weights may sit at any byte offset inside the Avro buffer; copy to align before viewing as floats.
      const floats = new Float32Array(
        record.weights.buffer.slice(record.weights.byteOffset + offset, record.weights.byteOffset + offset + n * 4),
      );
      // A plain loop: a callback per weight costs ~10 ms on a 7 MB model, on the thread loading it.
      for (let i = 0; i < floats.length; i++) {
        const v = floats[i] as number;
        // v - v is 0 for every finite number, NaN for NaN and the infinities.
        if (v - v !== 0) reject('bad-weights', `weight ${spec.name}[${i}] is ${v}`);
      }
    }
    offset += n * (DTYPE_BYTES[spec.dtype] as number);
  }
  if (product(record.inputShape) !== product(data.featureShape)) {
    reject(
      'input-shape-mismatch',
      `input shape [${record.inputShape.join(',')}] does not match data shape [${data.featureShape.join(',')}]`,
    );
  }
  if (record.classNames.length !== data.classCount) {
    reject('classes-mismatch', `${record.classNames.length} output classes, the data has ${data.classCount}`);
  }
  return specs;
}
