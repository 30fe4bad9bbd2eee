#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm run bench:backends`: inference samples/s at batch 1, 32 and 256, and training samples/s,
 * for the same MLP and CNN on every TensorFlow.js backend this machine has, in one run.
 * Figures are comparable within a run only (shared, noisy machines). Options:
 *   --seconds N   time per inference figure (default 2)
 *   --json FILE   also write the results as JSON
 */
const { writeFileSync, mkdirSync } = require('node:fs');
const { dirname } = require('node:path');
const shared = require('../shared/dist');
const { tf } = shared;

const args = process.argv.slice(2);
const option = (/** @type {string} */ name, /** @type {string} */ fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
};
const seconds = Number(option('--seconds', '2'));
const jsonFile = option('--json', '');

/** @param {'mlp' | 'cnn'} kind */
function build(kind) {
  const m = tf.sequential();
  if (kind === 'cnn') {
    m.add(tf.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1] }));
    m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  } else {
    m.add(tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  }
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

/** Predict batches of `batch` rows for about `seconds`; samples/s. */
function inference(/** @type {any} */ model, /** @type {number} */ batch) {
  const x = tf.randomUniform([batch, 784]);
  tf.tidy(() => model.predict(x).dataSync()); // warm-up compiles kernels
  let rows = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    tf.tidy(() => model.predict(x).dataSync());
    rows += batch;
  }
  x.dispose();
  return rows / ((performance.now() - started) / 1000);
}

/** One epoch of fit on `n` samples at batch 64; samples/s, or the reason it cannot train. */
async function training(/** @type {any} */ model, /** @type {number} */ n) {
  const x = tf.randomUniform([n, 784]);
  const y = tf.randomUniform([n], 0, 10, 'int32').toFloat();
  try {
    await model.fit(x.slice([0, 0], [64, 784]), y.slice([0], [64]), { epochs: 1, batchSize: 64, verbose: 0 });
    const started = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
    return n / ((performance.now() - started) / 1000);
  } catch (e) {
    return String(/** @type {Error} */ (e).message).split('\n')[0];
  } finally {
    tf.dispose([x, y]);
  }
}

async function main() {
  /** @type {Record<string, unknown>[]} */
  const rows = [];
  for (const backend of shared.BACKENDS) {
    try {
      await shared.activateBackend(backend);
    } catch (e) {
      console.error(`${backend}: not available (${String(/** @type {Error} */ (e).message).split('\n')[0]})`);
      continue;
    }
    for (const kind of /** @type {const} */ (['mlp', 'cnn'])) {
      const model = build(kind);
      // The pure-JS backend trains a CNN at tens of samples/s: measure it on fewer samples.
      const n = backend === 'cpu' && kind === 'cnn' ? 64 : 4096;
      const row = {
        backend,
        model: kind,
        'batch 1': inference(model, 1),
        'batch 32': inference(model, 32),
        'batch 256': inference(model, 256),
        training: await training(model, n),
      };
      model.dispose();
      rows.push(row);
      console.error(`measured ${backend} ${kind}`);
    }
  }
  const fmt = (/** @type {unknown} */ v) => (typeof v === 'number' ? Math.round(v).toLocaleString('en-US') : String(v));
  const header = ['backend', 'model', 'batch 1', 'batch 32', 'batch 256', 'training'];
  console.log('inference and training, samples/s (one run; compare within it)');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${header.map((h) => fmt(r[h])).join(' | ')} |`);
  if (jsonFile !== '') {
    mkdirSync(dirname(jsonFile), { recursive: true });
    writeFileSync(jsonFile, JSON.stringify({ at: new Date().toISOString(), seconds, rows }, null, 2));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
