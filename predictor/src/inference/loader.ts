import type { KeyObject } from 'node:crypto';
import {
  ModelRejected,
  verifyModelRecord,
  verifyModelSignature,
  type DataContract,
  type ModelLimits,
  type ModelRecord,
} from '@hotswap/shared/contracts';
import { modelMetadata, recordToModel, type ModelMetadata } from '@hotswap/shared/model';
import { tf } from '@hotswap/shared/tf';
import type { ModelVersion } from '../versions/registry';

/** What the predictor serves with: a layers model and what it was published with. */
export interface ServableModel {
  layers: tf.LayersModel;
  record: ModelMetadata;
  inputLength: number;
  /** Milliseconds from the start of verification to the end of warm-up. */
  loadMs: number;
}

/**
 * Verifies, loads and warms up a model record beside the serving one. Throws ModelRejected with
 * the reason; on failure nothing it created is left allocated.
 */
export async function loadServable(
  record: ModelRecord,
  data: DataContract,
  limits: ModelLimits,
  trustedKeys: ReadonlyMap<string, KeyObject>,
): Promise<ModelVersion<ServableModel>> {
  const started = performance.now();
  if (trustedKeys.size > 0) verifyModelSignature(record, trustedKeys);
  verifyModelRecord(record, data, limits);
  let layers: tf.LayersModel;
  try {
    layers = await recordToModel(record);
  } catch (e) {
    throw new ModelRejected('bad-topology', record.name, record.version, `does not load: ${(e as Error).message}`);
  }
  const inputLength = data.featureShape.reduce((a, b) => a * b, 1);
  try {
    const outputs = layers.outputs[0]?.shape;
    const classes = outputs?.[outputs.length - 1];
    if (classes !== data.classCount) {
      throw new ModelRejected(
        'classes-mismatch',
        record.name,
        record.version,
        `model outputs ${String(classes)} classes, the data has ${data.classCount}`,
      );
    }
    // Warm-up: the first predict compiles kernels; do it now, not on the first live batch.
    const probe = tf.tidy(() => (layers.predict(tf.zeros([1, inputLength])) as tf.Tensor).dataSync());
    if (probe.length !== data.classCount || !probe.every(Number.isFinite)) {
      throw new ModelRejected(
        'load-failed',
        record.name,
        record.version,
        `warm-up gave ${probe.length} outputs [${Array.from(probe.slice(0, 4)).join(', ')}...]`,
      );
    }
  } catch (e) {
    layers.dispose();
    if (e instanceof ModelRejected) throw e;
    throw new ModelRejected('load-failed', record.name, record.version, `warm-up failed: ${(e as Error).message}`);
  }
  return {
    name: record.name,
    version: record.version,
    model: { layers, record: modelMetadata(record), inputLength, loadMs: performance.now() - started },
  };
}

export interface BatchPrediction {
  predicted: Int32Array;
  confidence: Float32Array;
}

/** Class probabilities of each row, rows x classes, with one tensor call. */
export function predictProbabilities(
  model: ServableModel,
  features: Float32Array,
  rows: number,
): { probabilities: Float32Array; classes: number } {
  return tf.tidy(() => {
    const probs = model.layers.predict(tf.tensor2d(features, [rows, model.inputLength])) as tf.Tensor2D;
    return { probabilities: Float32Array.from(probs.dataSync()), classes: probs.shape[1] };
  });
}

/** One tensor call for the whole batch; returns the arg-max class and its probability per row. */
export function predictBatch(model: ServableModel, features: Float32Array, rows: number): BatchPrediction {
  const { probabilities, classes } = predictProbabilities(model, features, rows);
  return topClasses(probabilities, rows, classes);
}

/**
 * The most probable class of each row and its probability, the first on a tie (as tf.argMax picks):
 * read here from the probabilities already copied out, not by two more kernel calls and syncs.
 */
export function topClasses(probabilities: Float32Array, rows: number, classes: number): BatchPrediction {
  if (probabilities.length !== rows * classes) {
    throw new RangeError(`${probabilities.length} probabilities are not ${rows} rows of ${classes} classes`);
  }
  const predicted = new Int32Array(rows);
  const confidence = new Float32Array(rows);
  for (let row = 0, at = 0; row < rows; row++, at += classes) {
    let best = 0;
    let top = probabilities[at] as number;
    for (let c = 1; c < classes; c++) {
      const p = probabilities[at + c] as number;
      if (p > top) {
        top = p;
        best = c;
      }
    }
    predicted[row] = best;
    confidence[row] = top;
  }
  return { predicted, confidence };
}
