import assert from 'node:assert/strict';
import { activateBackend, tf, type BackendName } from '../tf';
import { loadImageDataset } from '../datasets';
import { modelToRecord, recordToModel } from './serialize';
import type { ModelRecord } from '../schemas/records';

/** The backends this machine can run; cpu and wasm always can, native when its addon is built. */
async function availableBackends(): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    try {
      await activateBackend(name);
      out.push(name);
    } catch {
      // not available here
    }
  }
  return out;
}

function architecture(kind: 'mlp' | 'cnn'): tf.Sequential {
  const m = tf.sequential();
  if (kind === 'cnn') {
    m.add(tf.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1] }));
    m.add(
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
  } else {
    m.add(
      tf.layers.dense({ inputShape: [784], units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    );
  }
  m.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

describe('model portability across TensorFlow.js backends', function () {
  this.timeout(180_000);
  let previous: string | undefined;
  let backends: BackendName[];
  let x: Float32Array;
  let y: Float32Array;
  const rows = 128;

  let prepared: Promise<void> | undefined;
  // Prepared by the first test, not a hook: a failure then fails each test instead of hiding them.
  const prepare = (): Promise<void> => (prepared ??= prepareOnce());
  async function prepareOnce(): Promise<void> {
    previous = tf.getBackend();
    backends = await availableBackends();
    const ds = loadImageDataset('fashion-mnist');
    x = new Float32Array(rows * 784);
    y = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      const i = r * 541; // spread over the classes, which the package stores in blocks
      for (let f = 0; f < 784; f++) x[r * 784 + f] = (ds.features[i * 784 + f] as number) / 255;
      y[r] = ds.labels[i] as number;
    }
  }

  after(async () => {
    if (previous !== undefined) await tf.setBackend(previous);
  });

  it('finds the pure-JS and WebAssembly backends, and native where CI built it', async () => {
    await prepare();
    assert.ok(backends.includes('cpu') && backends.includes('wasm'), `available: ${backends.join(', ')}`);
    if (process.env['HOTSWAP_EXPECT_NATIVE'] === '1') {
      assert.ok(backends.includes('tensorflow'), 'HOTSWAP_EXPECT_NATIVE=1 but native TensorFlow does not load');
    }
  });

  for (const kind of ['mlp', 'cnn'] as const) {
    it(`serves a ${kind} trained on one backend with the same probabilities (within 1e-4) on every other`, async () => {
      await prepare();
      // wasm has no convolution gradients: it trains the MLP only.
      const trainers = backends.filter((b) => kind === 'mlp' || b !== 'wasm');
      let compared = 0;
      for (const trainer of trainers) {
        await tf.setBackend(trainer);
        const model = architecture(kind);
        const xs = tf.tensor2d(x, [rows, 784]);
        const ys = tf.tensor1d(y);
        await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
        const expected = (model.predict(xs) as tf.Tensor).dataSync().slice();
        const record: ModelRecord = await modelToRecord(model, {
          name: 'p',
          version: 1,
          createdAt: 0,
          dataset: 'fashion-mnist',
          architecture: kind,
          inputShape: [784],
          classNames: '0123456789'.split(''),
          backend: trainer,
          metrics: { accuracy: 0, loss: 0, testSamples: 0, trainSamples: rows, epochs: 1, trainSeconds: 0 },
        });
        tf.dispose([xs, ys]);
        model.dispose();
        for (const server of backends) {
          await tf.setBackend(server);
          const loaded = await recordToModel(record);
          const input = tf.tensor2d(x, [rows, 784]);
          const got = (loaded.predict(input) as tf.Tensor).dataSync();
          let worst = 0;
          for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (expected[i] as number)));
          assert.ok(worst <= 1e-4, `${kind} trained on ${trainer}, served on ${server}: max |dp| = ${worst}`);
          input.dispose();
          loaded.dispose();
          compared++;
        }
      }
      assert.ok(compared >= 4, `only ${compared} trainer/server pairs compared`);
    });
  }
});
