import assert from 'node:assert/strict';
import { ModelRejected, sha256Hex, verifyModelRecord, type RejectionReason } from './checks';
import { untrainedModelRecord } from './fixture';
import { modelToRecord, recordToModel } from './serialize';
import { selectBackend, tf } from '../tf';
import type { ModelRecord } from '../schemas/records';
import { modelCodec } from '../schemas/records';

const contract = { featureShape: [28, 28], classCount: 10 };
const limits = { maxModelBytes: 10_000_000 };

function smallModel(): Promise<ModelRecord> {
  return untrainedModelRecord('m', 1, 4, {
    createdAt: 1,
    classNames: 'abcdefghij'.split(''),
    metrics: { accuracy: 0.5, loss: 1, testSamples: 10, trainSamples: 10, epochs: 1, trainSeconds: 0 },
  });
}

function rejection(record: ModelRecord, data = contract, lim = limits): RejectionReason | 'accepted' {
  try {
    verifyModelRecord(record, data, lim);
    return 'accepted';
  } catch (e) {
    if (e instanceof ModelRejected) return e.reason;
    throw e;
  }
}

function withWeights(record: ModelRecord, weights: Buffer): ModelRecord {
  return { ...record, weights, weightsSha256: sha256Hex(weights) };
}

describe('model records', () => {
  // Each test selects the backend itself (it is idempotent): a failed hook would hide them all.
  it('serialize, travel as Avro and load back into a model that predicts the same', async () => {
    await selectBackend('cpu');
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 10, activation: 'softmax' })] });
    const record = await modelToRecord(model, {
      name: 'm',
      version: 1,
      createdAt: 1,
      dataset: 'mnist',
      architecture: 'linear',
      inputShape: [784],
      classNames: '0123456789'.split(''),
      backend: 'cpu',
      metrics: { accuracy: 0.5, loss: 1, testSamples: 1, trainSamples: 1, epochs: 1, trainSeconds: 0 },
    });
    const travelled = modelCodec.decode(modelCodec.encode(record), modelCodec.headers());
    verifyModelRecord(travelled, contract, limits);
    const loaded = await recordToModel(travelled);
    const x = tf.randomUniform([3, 784]);
    const a = (model.predict(x) as tf.Tensor).arraySync();
    const b = (loaded.predict(x) as tf.Tensor).arraySync();
    assert.deepEqual(a, b);
    tf.dispose([x, model, loaded] as unknown as tf.Tensor[]);
  });

  it('accepts a well-formed record', async () => {
    await selectBackend('cpu');
    assert.equal(rejection(await smallModel()), 'accepted');
  });

  it('rejects each defect with its own reason', async () => {
    await selectBackend('cpu');
    const good = await smallModel();
    const flipped = Buffer.from(good.weights);
    flipped[0] = (flipped[0] as number) ^ 0xff;
    assert.equal(rejection({ ...good, weights: flipped }), 'checksum-mismatch');
    assert.equal(rejection({ ...good, topology: '{not json' }), 'bad-topology');
    assert.equal(rejection({ ...good, topology: '{"a":1}' }), 'bad-topology');
    assert.equal(rejection(withWeights(good, good.weights.subarray(0, good.weights.length - 4))), 'bad-weights');
    const nan = Buffer.from(good.weights);
    nan.writeFloatLE(Number.NaN, 8);
    assert.equal(rejection(withWeights(good, nan)), 'bad-weights');
    const inf = Buffer.from(good.weights);
    inf.writeFloatLE(Number.POSITIVE_INFINITY, 0);
    assert.equal(rejection(withWeights(good, inf)), 'bad-weights');
    assert.equal(rejection({ ...good, inputShape: [8] }), 'input-shape-mismatch');
    assert.equal(rejection(good, { featureShape: [28, 28], classCount: 2 }), 'classes-mismatch');
    assert.equal(rejection(good, contract, { maxModelBytes: 1000 }), 'too-large');
  });

  it('says what and with what value in the message', async () => {
    await selectBackend('cpu');
    const good = await smallModel();
    assert.throws(
      () => verifyModelRecord({ ...good, inputShape: [8] }, contract, limits),
      /model m v1 rejected \(input-shape-mismatch\): input shape \[8\] does not match data shape \[28,28\]/,
    );
  });
});
