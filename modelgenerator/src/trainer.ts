import { tf, featureLength, recordToModel, type Dataset, type HeldOutMetrics, type ModelRecord } from '@hotswap/shared';
import { buildModel } from './architectures';
import type { TrainingPlan } from './schedule';

export interface TrainingProgress {
  epoch: number;
  epochs: number;
  /** Fraction of the current epoch done, 0..1. */
  epochFraction: number;
  loss?: number;
  accuracy?: number;
  elapsedSeconds: number;
}

export interface TrainedModel {
  model: tf.LayersModel;
  metrics: HeldOutMetrics;
  trainAccuracy: number;
  trainLoss: number;
}

/** Gathers samples into one normalized float tensor [n, features] and int labels [n]. */
export function toTensors(ds: Dataset, indices: Uint32Array): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const length = featureLength(ds.featureShape);
  const x = new Float32Array(indices.length * length);
  const y = new Int32Array(indices.length);
  // Pixels go to [0, 1]; tabular features stay as they are (the predictor does the same).
  const scale = ds.dtype === 'UINT8' ? 1 / 255 : 1;
  indices.forEach((sample, row) => {
    const from = sample * length;
    for (let f = 0; f < length; f++) x[row * length + f] = (ds.features[from + f] as number) * scale;
    y[row] = ds.labels[sample] as number;
  });
  return { x: tf.tensor2d(x, [indices.length, length]), y: tf.tensor1d(y, 'float32') };
}

/**
 * Trains one plan on (a prefix of) the train split, then measures it on the held-out split.
 * `onProgress` hears of every batch and every epoch end (with the epoch's loss and accuracy).
 * Null when `shouldStop` said stop before it was done.
 */
export async function trainPlan(
  plan: TrainingPlan,
  ds: Dataset,
  split: { train: Uint32Array; test: Uint32Array },
  seed: number,
  shouldStop: () => boolean,
  onProgress: (p: TrainingProgress) => void,
  startFrom?: ModelRecord,
): Promise<TrainedModel | null> {
  const trainIndices = plan.trainSamples === null ? split.train : split.train.subarray(0, Math.min(plan.trainSamples, split.train.length));
  const model = startFrom === undefined ? buildModel(plan, ds.featureShape, ds.classNames.length, seed) : await warmStart(startFrom);
  const train = toTensors(ds, trainIndices);
  const started = Date.now();
  const batchSize = 64;
  const batchesPerEpoch = Math.ceil(trainIndices.length / batchSize);
  let epoch = 0;
  let trainLoss = Number.NaN;
  let trainAccuracy = Number.NaN;
  try {
    await model.fit(train.x, train.y, {
      epochs: plan.epochs,
      batchSize,
      shuffle: true,
      verbose: 0,
      callbacks: {
        onEpochBegin: async (e) => {
          epoch = e + 1;
        },
        onBatchEnd: async (batch) => {
          // Ctrl-C or a cancelled job during a long epoch: stop at the next batch instead of finishing the plan.
          if (shouldStop()) model.stopTraining = true;
          onProgress({
            epoch,
            epochs: plan.epochs,
            epochFraction: (batch + 1) / batchesPerEpoch,
            elapsedSeconds: (Date.now() - started) / 1000,
          });
        },
        onEpochEnd: async (_e, logs) => {
          // A stopped fit still ends its epoch part-way: not an epoch's figures.
          if (model.stopTraining) return;
          trainLoss = Number(logs?.['loss']);
          trainAccuracy = Number(logs?.['acc'] ?? logs?.['accuracy']);
          onProgress({
            epoch,
            epochs: plan.epochs,
            epochFraction: 1,
            loss: trainLoss,
            accuracy: trainAccuracy,
            elapsedSeconds: (Date.now() - started) / 1000,
          });
        },
      },
    });
  } finally {
    train.x.dispose();
    train.y.dispose();
  }
  if (shouldStop()) {
    // Stopped part-way: not worth measuring.
    model.dispose();
    return null;
  }
  const trainSeconds = (Date.now() - started) / 1000;
  const heldOut = evaluate(model, ds, split.test);
  return {
    model,
    trainLoss,
    trainAccuracy,
    metrics: {
      accuracy: heldOut.accuracy,
      loss: heldOut.loss,
      testSamples: split.test.length,
      trainSamples: trainIndices.length,
      epochs: plan.epochs,
      trainSeconds,
    },
  };
}

/** A published model's weights as the starting point (fine-tuning), compiled as buildModel compiles a new one. */
async function warmStart(record: ModelRecord): Promise<tf.LayersModel> {
  const model = await recordToModel(record);
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Accuracy and mean cross-entropy on the given samples, in chunks to bound memory. */
export function evaluate(model: tf.LayersModel, ds: Dataset, indices: Uint32Array): { accuracy: number; loss: number } {
  let correct = 0;
  let lossSum = 0;
  const chunk = 2000;
  for (let start = 0; start < indices.length; start += chunk) {
    const part = indices.subarray(start, start + chunk);
    const { x, y } = toTensors(ds, part);
    const [c, l] = tf.tidy(() => {
      const probs = model.predict(x) as tf.Tensor2D;
      const labels = y.toInt();
      const hits = probs.argMax(1).equal(labels).sum();
      const picked = probs.mul(tf.oneHot(labels, probs.shape[1])).sum(1).clipByValue(1e-7, 1);
      return [hits.dataSync()[0] as number, picked.log().neg().sum().dataSync()[0] as number];
    });
    x.dispose();
    y.dispose();
    correct += c as number;
    lossSum += l as number;
  }
  return { accuracy: correct / indices.length, loss: lossSum / indices.length };
}
