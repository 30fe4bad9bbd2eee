import { tf } from '@hotswap/shared';
import type { TrainingPlan } from './schedule';

/** Builds an untrained model for the plan; images are fed as [28, 28, 1] to a CNN, flat to an MLP. */
export function buildModel(plan: TrainingPlan, featureShape: readonly number[], classes: number, seed: number): tf.LayersModel {
  const inputLength = featureShape.reduce((a, b) => a * b, 1);
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed + i });
  const model = tf.sequential();
  if (plan.architecture === 'cnn') {
    if (featureShape.length !== 2) throw new Error(`a CNN needs 2-D samples, not shape [${featureShape.join(',')}]`);
    model.add(tf.layers.reshape({ inputShape: [inputLength], targetShape: [...featureShape, 1] }));
    plan.widths.forEach((filters, i) => {
      model.add(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(i) }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    });
    model.add(tf.layers.flatten());
    model.add(tf.layers.dropout({ rate: 0.3 }));
    model.add(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(100) }));
  } else {
    plan.widths.forEach((units, i) => {
      model.add(
        tf.layers.dense({
          ...(i === 0 ? { inputShape: [inputLength] } : {}),
          units,
          activation: 'relu',
          kernelInitializer: init(i),
        }),
      );
    });
  }
  model.add(tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(200) }));
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}
