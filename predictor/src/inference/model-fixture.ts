import { modelToRecord, tf, type ModelRecord } from '@hotswap/shared';

/** For tests: an untrained MLP (784 inputs, `units` hidden, 10 classes) published as `name` v`version`. */
export async function smallModelRecord(name: string, version: number, units = 16): Promise<ModelRecord> {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [784], units, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })],
  });
  const record = await modelToRecord(model, {
    name,
    version,
    createdAt: 0,
    dataset: 'fashion-mnist',
    architecture: `mlp(${units})`,
    inputShape: [784],
    classNames: '0123456789'.split(''),
    backend: 'cpu',
    metrics: { accuracy: 0, loss: 0, testSamples: 0, trainSamples: 0, epochs: 0, trainSeconds: 0 },
  });
  model.dispose();
  return record;
}
