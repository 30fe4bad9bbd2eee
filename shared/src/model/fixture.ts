import type { ModelRecord } from '../schemas/records';
import { tf } from '../tf';
import { modelToRecord, type ModelMetadata } from './serialize';

/**
 * For tests and benchmarks: an untrained MLP (784 inputs, `units` hidden, 10 classes) as a
 * published record of `name` v`version`; `over` replaces any of its metadata.
 */
export async function untrainedModelRecord(
  name: string,
  version: number,
  units = 16,
  over: Partial<ModelMetadata> = {},
): Promise<ModelRecord> {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [784], units, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })],
  });
  try {
    return await modelToRecord(model, {
      name,
      version,
      createdAt: 0,
      dataset: 'fashion-mnist',
      architecture: `mlp(${units})`,
      inputShape: [784],
      classNames: '0123456789'.split(''),
      backend: 'cpu',
      metrics: { accuracy: 0, loss: 0, testSamples: 0, trainSamples: 0, epochs: 0, trainSeconds: 0 },
      ...over,
    });
  } finally {
    model.dispose();
  }
}
