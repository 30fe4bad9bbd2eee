#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `node scripts/bench.js`: the predictor's figures next to the ceilings they are measured against,
 * all in one run on one broker (figures from different runs or machines do not compare).
 *
 *   inference ceiling   samples/s of the served model, in-process, batch 256, no I/O
 *   transport ceiling   records/s of a consume -> produce loop through the same broker, no model
 *   end to end          predictions/s of the real predictor process on a pre-filled backlog, and
 *                       latency (sample createdAt -> predictedAt) on a paced stream
 *   hot swap            under a paced stream: record timestamp -> first prediction by the new
 *                       version, the longest pause in predictions and p99 latency around the swap
 *   delivery modes      exactly-once against at-least-once, when the predictor has DELIVERY
 *   memory              predictor RSS and TensorFlow tensors before and after many swaps
 *
 * It starts what it needs (a fresh local Kafka on BENCH_KAFKA_PORT, default 29092, unless
 * KAFKA_BROKERS names one), stops all of it at the end, prints one table on stdout (progress goes
 * to stderr) and writes it as JSON (default bench/results/bench-<timestamp>.json). Options:
 *   --model mlp|cnn        architecture served: mlp = mlp:256-128, cnn = cnn:32-64 (default mlp)
 *   --backend B            auto|tensorflow|wasm|cpu, in the predictor and in-process (default auto)
 *   --samples N            backlog size for the throughput figures (default 20000; smoke 500)
 *   --swaps N              swaps behind the memory figures (default 100; smoke 20)
 *   --rate N               samples/s of the paced stream (default 500)
 *   --smoke                tiny counts and short windows: every figure, in well under a minute
 *   --json FILE            where to write the JSON
 * Needs `npx tsc -b` first (it runs the built services). BENCH_VERBOSE=1 shows the services' output.
 */
const { execFileSync, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { Buffer } = require('node:buffer');
const http = require('node:http');
const os = require('node:os');
const { dirname, join, resolve } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const shared = require('../shared/dist');
const { tf } = shared;

const REPO = join(__dirname, '..');
const KAFKA_SCRIPT = join(REPO, 'scripts', 'kafka', 'kafka.sh');
const MODEL_NAME = 'fashion-mnist';
const FEATURES = 784;
const BATCH = 256; // the predictor's default BATCH_SIZE, and the batch of the inference ceiling
const SWAP_WINDOW_MS = 2000;
const DATA_CONTRACT = { featureShape: [28, 28], classCount: 10 };

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: node scripts/bench.js [--model mlp|cnn] [--backend auto|tensorflow|wasm|cpu] [--samples N]
                          [--swaps N] [--rate N] [--smoke] [--json FILE]`;

/** @param {string} message */
function usageError(message) {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseOptions(/** @type {string[]} */ argv) {
  /** @type {Record<string, string>} */
  const given = {};
  let smoke = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (arg === '--smoke') {
      smoke = true;
      continue;
    }
    const m = /^--(model|backend|samples|swaps|rate|json)(?:=(.*))?$/.exec(arg);
    if (m === null) usageError(`unknown argument ${arg}`);
    const name = /** @type {RegExpExecArray} */ (m)[1];
    const value = /** @type {RegExpExecArray} */ (m)[2] ?? argv[++i];
    if (value === undefined || value === '') usageError(`--${name} needs a value`);
    given[/** @type {string} */ (name)] = /** @type {string} */ (value);
  }
  const model = given['model'] ?? 'mlp';
  if (model !== 'mlp' && model !== 'cnn') usageError(`--model must be mlp or cnn, not ${model}`);
  const backend = given['backend'] ?? 'auto';
  if (!['auto', ...shared.BACKENDS].includes(backend)) usageError(`--backend must be auto, ${shared.BACKENDS.join(', ')}`);
  const count = (/** @type {string} */ name, /** @type {number} */ fallback, /** @type {number} */ min) => {
    const raw = given[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) usageError(`--${name} must be an integer >= ${min}, not ${raw}`);
    return n;
  };
  return {
    model: /** @type {'mlp' | 'cnn'} */ (model),
    backend: /** @type {shared.BackendPreference} */ (backend),
    samples: count('samples', smoke ? 500 : 20_000, 10),
    swaps: count('swaps', smoke ? 20 : 100, 1),
    rate: count('rate', 500, 10),
    smoke,
    json: given['json'] ?? join(REPO, 'bench', 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    // Measurement windows: long enough for a stable p99 in a full run, short in a smoke run.
    inferenceSeconds: smoke ? 1 : 3,
    steadyMs: smoke ? 5000 : 12_000,
  };
}

const options = parseOptions(process.argv.slice(2));
/** Architectures: the one served (same plan as the schedule's) and a bigger one for the large swap. */
const PLANS = {
  mlp: { served: { kind: 'mlp', widths: [256, 128] }, big: { kind: 'mlp', widths: [1024, 1024] } },
  cnn: { served: { kind: 'cnn', widths: [32, 64] }, big: { kind: 'cnn', widths: [64, 128] } },
}[options.model];

// ---------------------------------------------------------------------------------------------
// Small helpers

/** @param {string} line */
function progress(line) {
  process.stderr.write(`bench: ${line}\n`);
}

/** Nearest-rank percentile of unsorted numbers; null when there are none. */
function percentile(/** @type {number[]} */ values, /** @type {number} */ p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]);
}

/** Longest interval between consecutive distinct timestamps (ms); null with fewer than two. */
function longestGap(/** @type {number[]} */ stamps) {
  const sorted = [...new Set(stamps)].sort((a, b) => a - b);
  if (sorted.length < 2) return null;
  let gap = 0;
  for (let i = 1; i < sorted.length; i++) gap = Math.max(gap, /** @type {number} */ (sorted[i]) - /** @type {number} */ (sorted[i - 1]));
  return gap;
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS). */
function rssBytes(/** @type {number} */ pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** GET a local URL's body as text. */
function httpGet(/** @type {string} */ url) {
  return new Promise((resolveBody, reject) => {
    http
      .get(url, (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * A tensor count from Prometheus text, if the predictor exports one: the first sample of a
 * metric whose name mentions tensors (histogram parts aside). Null when there is none.
 */
function tensorGauge(/** @type {string} */ text) {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const name = /** @type {string} */ (m[1]);
    if (!/tensor/i.test(name) || /_(bucket|sum|count|created)$/.test(name) || /bytes/i.test(name)) continue;
    const value = Number(m[3]);
    if (Number.isFinite(value)) return { name, value };
  }
  return null;
}

/** Polls until `check` returns a value other than undefined, or fails after timeoutMs. */
async function until(
  /** @type {string} */ what,
  /** @type {() => Promise<any>} */ check,
  /** @type {number} */ timeoutMs,
  intervalMs = 250,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// What the run started, so that every exit path stops it

/** @type {Set<import('../test/dist/support/services').ServiceProcess>} */
const running = new Set();
/** @type {string | undefined} */
let startedKafkaPort;
/** @type {string[]} */
const tempDirs = [];

/** @type {Promise<void> | undefined} */
let cleaning;
let interrupted = false;

/** Stops everything this run started, once, whoever asks first (the end of main or a signal). */
function cleanUp() {
  cleaning ??= stopAll();
  return cleaning;
}

async function stopAll() {
  const producer = modelProducer;
  modelProducer = undefined;
  await producer?.disconnect().catch(() => undefined);
  for (const service of [...running]) {
    try {
      await service.stop(30_000);
    } catch (e) {
      progress(`stopping ${service.service} (pid ${service.pid}): ${/** @type {Error} */ (e).message.split('\n')[0]}`);
    }
    running.delete(service);
  }
  if (startedKafkaPort !== undefined) {
    const port = startedKafkaPort;
    startedKafkaPort = undefined;
    try {
      execFileSync('bash', [KAFKA_SCRIPT, 'stop'], { env: { ...process.env, KAFKA_PORT: port }, stdio: ['ignore', 'ignore', 'inherit'] });
    } catch (e) {
      progress(`stopping the broker on ${port}: ${/** @type {Error} */ (e).message}`);
    }
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    interrupted = true;
    progress(`${signal}: stopping what the benchmark started`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Kafka, data and models

/** @type {string} */
let brokers;
/** @type {import('../shared/dist').KafkaClient} */
let kafka;
/** @type {typeof import('../test/dist/support/services')} */
let services;
// kafkajs's start-up notices are noise here; its errors are not.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
const logger = shared.createLogger({ service: 'bench', level: 'error' });
const benchId = randomBytes(3).toString('hex');

function startKafka() {
  const external = process.env['KAFKA_BROKERS'];
  if (external !== undefined && external.trim() !== '') {
    brokers = external.trim();
    progress(`using the broker(s) in KAFKA_BROKERS: ${brokers}`);
  } else {
    const port = process.env['BENCH_KAFKA_PORT'] ?? '29092';
    progress(`starting a fresh local Kafka on 127.0.0.1:${port}`);
    startedKafkaPort = port;
    execFileSync('bash', [KAFKA_SCRIPT, 'start'], {
      env: { ...process.env, KAFKA_PORT: port, KAFKA_FRESH: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    brokers = `127.0.0.1:${port}`;
  }
  // The test support's ServiceProcess and readers take the broker from here.
  process.env['HOTSWAP_TEST_BROKERS'] = brokers;
  services = require('../test/dist/support/services.js');
  kafka = new shared.KafkaClient({ brokers: brokers.split(','), clientId: 'hotswap-bench', ssl: false }, logger);
}

/** Topic and group names of one phase, unique to this run. */
function topicNames(/** @type {string} */ phase) {
  const id = `bench-${benchId}-${phase}`;
  return {
    data: `${id}.data`,
    model: `${id}.model`,
    prediction: `${id}.prediction`,
    deadLetter: `${id}.deadletter`,
    request: `${id}.request`,
    reply: `${id}.reply`,
    group: `${id}.group`,
  };
}

async function createTopics(/** @type {ReturnType<typeof topicNames>} */ t) {
  await kafka.ensureTopics([
    shared.dataTopicSpec(t.data, shared.DEFAULT_DATA_PARTITIONS),
    shared.modelTopicSpec(t.model),
    shared.predictionTopicSpec(t.prediction, shared.DEFAULT_DATA_PARTITIONS),
    shared.predictionTopicSpec(t.deadLetter, 1),
    shared.requestTopicSpec(t.request, shared.DEFAULT_DATA_PARTITIONS),
    shared.replyTopicSpec(t.reply, shared.DEFAULT_DATA_PARTITIONS),
  ]);
}

/**
 * Request/reply round trips through the idle predictor: `datagenerator request` sends requests of
 * 5 held-out images at 20/s and prints each round trip; p50 and p99 over them.
 */
async function requestReplyRun(/** @type {ReturnType<typeof topicNames>} */ t) {
  const requests = options.smoke ? 20 : 300;
  const client = new services.ServiceProcess(
    'datagenerator',
    {
      REQUEST_TOPIC: t.request,
      REPLY_TOPIC: t.reply,
      REQUESTS: String(requests),
      REQUEST_RATE: '20',
      REQUEST_SIZE: '5',
      RUN_ID: `${benchId}rr`,
    },
    ['request'],
  );
  running.add(client);
  const code = await client.exitCode(120_000);
  running.delete(client);
  const times = client.lines
    .filter((l) => l.startsWith('{'))
    .map((l) => /** @type {{ roundTripMs: number | null }} */ (JSON.parse(l)).roundTripMs)
    .filter((ms) => ms !== null);
  if (code !== 0 || times.length !== requests) {
    throw new Error(`request client exited ${code} with ${times.length} of ${requests} replies:\n${client.lines.slice(-5).join('\n')}`);
  }
  progress(`request/reply: ${requests} requests of 5 images at 20/s`);
  return { requests, p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

/** HTTP predict throughput against the predictor's API: 4 clients in a loop, for 1 and for 64 instances per request. */
async function httpPredictRun(/** @type {number} */ port) {
  const seconds = options.smoke ? 1 : 3;
  /** @type {Record<string, { requestsPerSecond: number, instancesPerSecond: number }>} */
  const out = {};
  for (const size of [1, 64]) {
    const instances = Array.from({ length: size }, (_, i) => Array.from(shared.featuresOf(dataset, /** @type {number} */ (testSplit[i]))));
    const body = JSON.stringify({ instances });
    let done = 0;
    const until = Date.now() + seconds * 1000;
    const started = Date.now();
    const client = async () => {
      while (Date.now() < until) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/models/${MODEL_NAME}:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`HTTP predict answered ${res.status}: ${text.slice(0, 200)}`);
        done++;
      }
    };
    await Promise.all([client(), client(), client(), client()]);
    const elapsed = (Date.now() - started) / 1000;
    out[`x${size}`] = { requestsPerSecond: done / elapsed, instancesPerSecond: (done * size) / elapsed };
    progress(`http predict: ${size} instance(s) per request, ${Math.round(done / elapsed)} requests/s`);
  }
  return out;
}

const dataset = shared.loadDataset('fashion-mnist', { seed: 42, drift: 0, cacheDir: join(REPO, '.cache', 'datasets') }, progress);
const testSplit = shared.heldOutSplit(dataset.size, 42).test;

/** The sample the datagenerator would send at this position of the held-out split. */
function sampleAt(/** @type {string} */ runId, /** @type {number} */ position, /** @type {number} */ createdAt) {
  const index = /** @type {number} */ (testSplit[position % testSplit.length]);
  const pass = Math.floor(position / testSplit.length);
  /** @type {import('../shared/dist').SampleRecord} */
  const sample = {
    sampleId: `${runId}:test:${index}${pass === 0 ? '' : `:r${pass}`}`,
    dataset: dataset.name,
    createdAt,
    shape: [...dataset.featureShape],
    dtype: dataset.dtype,
    features: shared.featureBytes(shared.featuresOf(dataset, index)),
    label: /** @type {number} */ (dataset.labels[index]),
  };
  return sample;
}

/** Writes n Avro samples to a topic as the datagenerator does (keyed by sample id, 500 per send). */
async function prefill(/** @type {string} */ topic, /** @type {number} */ n, /** @type {string} */ runId) {
  const producer = kafka.producer();
  await producer.connect();
  const started = Date.now();
  let bytes = 0;
  try {
    for (let sent = 0; sent < n;) {
      const now = Date.now();
      const records = [];
      for (let i = 0; i < Math.min(500, n - sent); i++) {
        const sample = sampleAt(runId, sent + i, now);
        const value = shared.sampleCodec.encode(sample);
        bytes += value.length;
        records.push({ key: sample.sampleId, value, headers: shared.sampleCodec.headers(), timestamp: now });
      }
      await producer.send(topic, records);
      sent += records.length;
    }
  } finally {
    await producer.disconnect();
  }
  progress(`pre-filled ${topic} with ${n} samples (${Math.round(bytes / n)} bytes each) in ${Date.now() - started} ms`);
  return bytes / n;
}

/** An untrained model of the plan, built by the modelgenerator's own builder (seeded weights). */
function buildModel(/** @type {{ kind: string, widths: number[] }} */ plan, /** @type {number} */ seed) {
  const { buildModel: build } = require('../modelgenerator/dist/architectures');
  return build({ architecture: plan.kind, widths: plan.widths, trainSamples: null, epochs: 1 }, [28, 28], 10, seed);
}

/** A model record as the modelgenerator publishes it, from freshly built (untrained) weights. */
async function modelRecord(
  /** @type {{ kind: string, widths: number[] }} */ plan,
  /** @type {number} */ version,
  /** @type {string} */ backend,
) {
  const model = buildModel(plan, 1000 * version);
  try {
    return await shared.modelToRecord(model, {
      name: MODEL_NAME,
      version,
      createdAt: Date.now(),
      dataset: 'fashion-mnist',
      architecture: `${plan.kind}(${plan.widths.join('-')})`,
      inputShape: [FEATURES],
      classNames: [...shared.FASHION_MNIST_CLASSES],
      backend,
      metrics: { accuracy: 0.1, loss: 2.3, testSamples: 0, trainSamples: 0, epochs: 0, trainSeconds: 0 },
    });
  } finally {
    model.dispose();
  }
}

/** @type {import('../shared/dist').RecordProducer | undefined} */
let modelProducer;

/** Publishes a model record keyed by its name; returns the timestamp it carries on the broker. */
async function publishModel(/** @type {string} */ topic, /** @type {import('../shared/dist').ModelRecord} */ record) {
  if (modelProducer === undefined) {
    const producer = kafka.producer();
    await producer.connect();
    modelProducer = producer;
  }
  const value = shared.modelCodec.encode(record);
  // CreateTime: the broker keeps the timestamp the producer gives, so this is the record's timestamp there.
  const timestamp = Date.now();
  await modelProducer.send(topic, [{ key: record.name, value, headers: shared.modelCodec.headers(), timestamp }]);
  return timestamp;
}

/** Normalized features of `rows` held-out samples, as the predictor assembles a batch. */
function featureBatch(/** @type {number} */ rows) {
  const x = new Float32Array(rows * FEATURES);
  for (let r = 0; r < rows; r++) {
    const pixels = shared.featuresOf(dataset, /** @type {number} */ (testSplit[r]));
    for (let f = 0; f < FEATURES; f++) x[r * FEATURES + f] = /** @type {number} */ (pixels[f]) / 255;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// Ceilings, in-process

/** Samples/s of the model loaded from its record, batch 256, as the predictor's predictBatch does it. */
async function inferenceCeiling(/** @type {import('../shared/dist').ModelRecord} */ record) {
  const model = await shared.recordToModel(record);
  const features = featureBatch(BATCH);
  const once = () =>
    tf.tidy(() => {
      const probs = /** @type {import('@tensorflow/tfjs').Tensor2D} */ (model.predict(tf.tensor2d(features, [BATCH, FEATURES])));
      probs.argMax(1).dataSync();
      probs.max(1).dataSync();
    });
  try {
    for (let i = 0; i < 3; i++) once(); // warm-up: kernels compile on first use
    let rows = 0;
    const started = performance.now();
    while (performance.now() - started < options.inferenceSeconds * 1000) {
      once();
      rows += BATCH;
    }
    return rows / ((performance.now() - started) / 1000);
  } finally {
    model.dispose();
  }
}

/** Milliseconds to decode, verify, load and warm up a record in-process (median of 3): the swap's floor. */
async function loadFloor(/** @type {import('../shared/dist').ModelRecord} */ record) {
  const bytes = shared.modelCodec.encode(record);
  const headers = shared.modelCodec.headers();
  /** @type {number[]} */
  const times = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const decoded = shared.modelCodec.decode(bytes, headers);
    shared.verifyModelRecord(decoded, DATA_CONTRACT, { maxModelBytes: 256 * 1024 * 1024 });
    const model = await shared.recordToModel(decoded);
    tf.tidy(() => /** @type {import('@tensorflow/tfjs').Tensor} */ (model.predict(tf.zeros([1, FEATURES]))).dataSync());
    times.push(performance.now() - started);
    model.dispose();
  }
  return /** @type {number} */ (percentile(times, 0.5));
}

/**
 * Records/s of a consume -> produce loop with no model: the predictor's loop (same consumer and
 * producer settings, chunks of 256, one small JSON record out per record in, offsets marked done
 * after the send) with the decoding and the model taken out.
 */
async function transportCeiling(/** @type {number} */ n) {
  const t = topicNames('transport');
  await kafka.ensureTopics([
    shared.dataTopicSpec(t.data, shared.DEFAULT_DATA_PARTITIONS),
    shared.predictionTopicSpec(t.prediction, shared.DEFAULT_DATA_PARTITIONS),
  ]);
  await prefill(t.data, n, `${benchId}t`);
  const producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer({ groupId: t.group, fromBeginning: true });
  let done = 0;
  /** @type {number | undefined} */
  let first;
  let firstChunk = 0;
  let last = 0;
  /** @type {() => void} */
  let finished = () => undefined;
  const allDone = new Promise((resolveDone, rejectDone) => {
    finished = () => resolveDone(undefined);
    // The consumer restarts itself on errors, so a loop that stalls is caught by time instead.
    setTimeout(() => rejectDone(new Error(`transport loop stalled: ${done} of ${n} records in 5 min`)), 300_000).unref();
  });
  try {
    await consumer.connect();
    await consumer.subscribe([t.data]);
    await consumer.run(async (batch) => {
      for (let i = 0; i < batch.records.length; i += BATCH) {
        if (!batch.isActive()) return;
        const chunk = batch.records.slice(i, i + BATCH);
        const now = Date.now();
        const out = chunk.map((r) => ({
          key: r.key,
          value: JSON.stringify({
            key: r.key?.toString() ?? null,
            bytes: r.value?.length ?? 0,
            forwardedAt: now,
            source: { topic: r.topic, partition: r.partition, offset: r.offset },
          }),
          headers: { 'content-type': shared.PREDICTION_CONTENT_TYPE },
        }));
        await producer.send(t.prediction, out);
        batch.markDone(/** @type {import('../shared/dist').InboundRecord} */ (chunk[chunk.length - 1]).offset);
        await batch.heartbeat();
        if (first === undefined) {
          first = now;
          firstChunk = chunk.length;
        }
        last = now;
        done += chunk.length;
        if (done >= n) finished();
      }
      await batch.commit();
    });
    let timer;
    await Promise.race([
      allDone,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`transport loop: ${done} of ${n} records after ${60 + n / 200} s`)),
          (60 + n / 200) * 1000,
        );
      }),
    ]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  const spanMs = last - /** @type {number} */ (first);
  return { perSecond: ((done - firstChunk) * 1000) / Math.max(1, spanMs), records: done, spanMs };
}

// ---------------------------------------------------------------------------------------------
// The real predictor

/** True when the predictor's --help lists the DELIVERY setting. */
function predictorHasDeliveryModes() {
  const help = spawnSync(process.execPath, [join(REPO, 'predictor', 'dist', 'main.js'), '--help'], { encoding: 'utf8', timeout: 60_000 });
  return /\bDELIVERY\b/.test(help.stdout ?? '');
}

/** @typedef {{ sampleId: string, model: { version: number }, sampleCreatedAt: number, predictedAt: number }} Prediction */

/** Parsed predictions of one run id, one per sample (the first if a sample was predicted twice). */
function predictionsOfRun(/** @type {import('../shared/dist').InboundRecord[]} */ records, /** @type {string} */ runId) {
  /** @type {Map<string, Prediction>} */
  const bySample = new Map();
  let duplicates = 0;
  for (const r of records) {
    const p = /** @type {Prediction} */ (JSON.parse(/** @type {Buffer} */ (r.value).toString('utf8')));
    if (!p.sampleId.startsWith(`${runId}:`)) continue;
    if (bySample.has(p.sampleId)) duplicates++;
    else bySample.set(p.sampleId, p);
  }
  return { predictions: [...bySample.values()], duplicates };
}

/** Sum of the end offsets of a topic's partitions (an upper bound on its record count). */
async function topicEnd(/** @type {string} */ topic) {
  let sum = 0;
  for (const high of (await kafka.endOffsets(topic)).values()) sum += Number(high);
  return sum;
}

/** Reads the prediction topic until it holds `n` distinct predictions of the run. */
async function awaitPredictions(
  /** @type {ReturnType<typeof topicNames>} */ t,
  /** @type {string} */ runId,
  /** @type {number} */ n,
  /** @type {import('../test/dist/support/services').ServiceProcess} */ predictor,
) {
  const timeoutMs = 120_000 + n * 10;
  // Cheap polling first, so no reader competes with the predictor for the CPU while it works.
  await until(
    `${n} predictions on ${t.prediction}`,
    async () => {
      if (!predictor.running) throw new Error(`the predictor exited:\n${predictor.lines.slice(-15).join('\n')}`);
      return (await topicEnd(t.prediction)) >= n ? true : undefined;
    },
    timeoutMs,
    500,
  );
  const seen = new Set();
  let looked = 0;
  const records = await services.readTopic(
    t.prediction,
    (rs) => {
      for (; looked < rs.length; looked++) {
        const id = String(JSON.parse(/** @type {Buffer} */ (/** @type {any} */ (rs[looked]).value).toString('utf8')).sampleId);
        if (id.startsWith(`${runId}:`)) seen.add(id);
      }
      return seen.size >= n;
    },
    timeoutMs,
  );
  return predictionsOfRun(records, runId);
}

/** Throughput over a run's predictions: those after the first chunk over the time from its stamp to the last. */
function throughputOf(/** @type {Prediction[]} */ predictions) {
  const stamps = predictions.map((p) => p.predictedAt).sort((a, b) => a - b);
  const first = /** @type {number} */ (stamps[0]);
  const last = /** @type {number} */ (stamps[stamps.length - 1]);
  const firstChunk = stamps.filter((s) => s === first).length;
  return { perSecond: ((stamps.length - firstChunk) * 1000) / Math.max(1, last - first), spanMs: last - first };
}

function startPredictor(
  /** @type {ReturnType<typeof topicNames>} */ t,
  /** @type {string} */ backend,
  /** @type {Record<string, string>} */ extra,
) {
  const dir = mkdtempSync(join(os.tmpdir(), 'hotswap-bench-'));
  tempDirs.push(dir);
  const predictor = new services.ServiceProcess('predictor', {
    DATA_TOPIC: t.data,
    MODEL_TOPIC: t.model,
    PREDICTION_TOPIC: t.prediction,
    DEAD_LETTER_TOPIC: t.deadLetter,
    REQUEST_TOPIC: t.request,
    PREDICTOR_GROUP: t.group,
    HTTP_PORT: '0',
    LOG_FILE: join(dir, 'predictor.log'),
    TF_BACKEND: backend,
    METRICS_PORT: '0',
    ...(process.env['BENCH_VERBOSE'] === '1' ? { HOTSWAP_TEST_VERBOSE: '1' } : {}),
    ...extra,
  });
  running.add(predictor);
  return predictor;
}

async function stopService(/** @type {import('../test/dist/support/services').ServiceProcess} */ service) {
  const code = await service.stop(30_000);
  running.delete(service);
  if (code !== 0) progress(`${service.service} exited with ${code}:\n${service.lines.slice(-10).join('\n')}`);
}

/** The predictor's tensor count from its /metrics, or null when it exports none. */
async function predictorTensors(/** @type {number | null} */ metricsPort) {
  if (metricsPort === null) return null;
  try {
    return tensorGauge(/** @type {string} */ (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`)));
  } catch {
    return null;
  }
}

/**
 * The predictor process, end to end: a pre-filled backlog of n samples (throughput), then a paced
 * stream (latency) during which v2 (same architecture), a bigger model, and `swaps` more versions
 * are published (hot swap, memory). With `backlogOnly`, just the throughput.
 */
/** A datagenerator streaming at the bench's rate onto the run's data topic, once it streams. */
async function startPacedStream(/** @type {{ data: string }} */ t, /** @type {string} */ label) {
  const runId = `${benchId}${label}p`;
  const data = new services.ServiceProcess('datagenerator', {
    DATA_TOPIC: t.data,
    RATE: String(options.rate),
    COUNT: '0',
    RUN_ID: runId,
    ...(process.env['BENCH_VERBOSE'] === '1' ? { HOTSWAP_TEST_VERBOSE: '1' } : {}),
  });
  running.add(data);
  await data.waitFor(/streaming fashion-mnist/, 60_000);
  return { data, runId, startedAt: Date.now() };
}

/** Stops a paced stream and waits for the predictions of every sample it says it sent. */
async function pacedPredictions(/** @type {any} */ t, /** @type {{ data: any, runId: string }} */ stream, /** @type {any} */ predictor) {
  await stopService(stream.data);
  const sentLine = stream.data.lines.find((/** @type {string} */ l) => /sent \d+ samples in/.test(l));
  const sent = sentLine === undefined ? NaN : Number(/** @type {RegExpExecArray} */ (/sent (\d+) samples in/.exec(sentLine))[1]);
  if (!Number.isInteger(sent))
    throw new Error(`datagenerator did not say how many samples it sent:\n${stream.data.lines.slice(-10).join('\n')}`);
  return { sent, ...(await awaitPredictions(t, stream.runId, sent, predictor)) };
}

const latencyOf = (/** @type {Prediction} */ p) => p.predictedAt - p.sampleCreatedAt;

async function predictorRun(
  /** @type {string} */ label,
  /** @type {string} */ backend,
  /** @type {Record<string, string>} */ extraEnv,
  /** @type {{ v1: any, v2: any, big: any }} */ records,
  /** @type {boolean} */ backlogOnly,
) {
  const t = topicNames(label);
  await createTopics(t);
  const backlogRun = `${benchId}${label}b`;
  await prefill(t.data, options.samples, backlogRun);
  await publishModel(t.model, records.v1);
  progress(
    `${label}: starting the predictor (${
      Object.entries(extraEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'defaults'
    })`,
  );
  const predictor = startPredictor(t, backend, extraEnv);
  /** @type {Record<string, any>} */
  const out = {};
  try {
    const metricsLine = await predictor.waitFor(/metrics on :\d+\/metrics/, 120_000).catch(() => null);
    const metricsPort = metricsLine === null ? null : Number(/** @type {RegExpExecArray} */ (/metrics on :(\d+)\//.exec(metricsLine))[1]);
    await predictor.waitFor(/consuming .* in group/, 120_000);
    const backlog = await awaitPredictions(t, backlogRun, options.samples, predictor);
    out.throughput = throughputOf(backlog.predictions).perSecond;
    out.backlogDuplicates = backlog.duplicates;
    progress(`${label}: ${options.samples} backlog predictions at ${Math.round(out.throughput)}/s`);
    if (backlogOnly) {
      // A paced stream with no swap: each small batch is a transaction of its own here, so this is
      // where the cost per transaction (begin, commit, the markers) shows, not on the backlog.
      const stream = await startPacedStream(t, label);
      await sleep(options.steadyMs);
      const paced = await pacedPredictions(t, stream, predictor);
      const steady = paced.predictions.filter((p) => p.predictedAt >= stream.startedAt + 1000);
      out.paced = {
        samples: steady.length,
        duplicates: paced.duplicates,
        p50: percentile(steady.map(latencyOf), 0.5),
        p99: percentile(steady.map(latencyOf), 0.99),
      };
      progress(`${label}: paced latency p50 ${out.paced.p50} ms, p99 ${out.paced.p99} ms (${steady.length} samples)`);
      // The idle predictor, with the default delivery, answers requests: round trips and HTTP throughput.
      out.requestReply = await requestReplyRun(t);
      const httpLine = await predictor.waitFor(/HTTP API on :\d+/, 10_000);
      out.http = await httpPredictRun(Number(/** @type {RegExpExecArray} */ (/HTTP API on :(\d+)/.exec(httpLine))[1]));
      return out;
    }

    // Paced stream: steady state, then the swaps, while samples keep coming.
    const stream = await startPacedStream(t, label);
    const pacedStart = stream.startedAt;
    progress(`${label}: paced stream at ${options.rate}/s; steady for ${options.steadyMs / 1000} s`);
    await sleep(options.steadyMs);

    /** Publishes a version and waits until the predictor has swapped it in. */
    const swapTo = async (/** @type {any} */ record, /** @type {number} */ from) => {
      const at = await publishModel(t.model, record);
      await predictor.waitFor(new RegExp(`swapped v${from} -> ${MODEL_NAME} v${record.version}\\b`), 120_000);
      return at;
    };
    // Apart enough that the windows around the two swaps do not overlap.
    const v2At = await swapTo(records.v2, 1);
    await sleep(2 * SWAP_WINDOW_MS + 500);
    const bigAt = await swapTo(records.big, 2);
    await sleep(2 * SWAP_WINDOW_MS + 500);

    // Memory: RSS and tensors before and after many swaps of the served architecture.
    out.rssBefore = rssBytes(predictor.pid);
    out.tensorsBefore = await predictorTensors(metricsPort);
    let version = records.big.version;
    const swapsStarted = Date.now();
    for (let i = 0; i < options.swaps; i++) {
      await swapTo({ ...records.v1, version: version + 1, createdAt: Date.now() }, version);
      version++;
    }
    out.swapsSeconds = (Date.now() - swapsStarted) / 1000;
    await sleep(1500);
    out.rssAfter = rssBytes(predictor.pid);
    out.tensorsAfter = await predictorTensors(metricsPort);
    out.swaps = options.swaps;
    progress(`${label}: ${options.swaps} swaps in ${out.swapsSeconds.toFixed(1)} s`);

    const paced = await pacedPredictions(t, stream, predictor);
    out.pacedDuplicates = paced.duplicates;
    out.pacedSamples = paced.sent;
    const ps = paced.predictions;
    const latency = latencyOf;
    const between = (/** @type {number} */ from, /** @type {number} */ to) =>
      ps.filter((p) => p.predictedAt >= from && p.predictedAt <= to);

    // Steady: from 1 s into the stream (start-up transients aside) to 2 s before the first swap.
    const steady = between(pacedStart + 1000, v2At - SWAP_WINDOW_MS);
    out.steady = {
      samples: steady.length,
      p50: percentile(steady.map(latency), 0.5),
      p99: percentile(steady.map(latency), 0.99),
      gap: longestGap(steady.map((p) => p.predictedAt)),
    };
    /** The swap to `version` published at `at`: first prediction by it, and the window around it. */
    const swapFigures = (/** @type {number} */ v, /** @type {number} */ at) => {
      const byIt = ps.filter((p) => p.model.version === v).map((p) => p.predictedAt);
      const firstBy = byIt.length === 0 ? null : Math.min(...byIt);
      const windowEnd = Math.max(at, firstBy ?? at) + SWAP_WINDOW_MS;
      const window = between(at - SWAP_WINDOW_MS, windowEnd);
      return {
        publishedAt: at,
        toFirstPredictionMs: firstBy === null ? null : firstBy - at,
        samples: window.length,
        p99: percentile(window.map(latency), 0.99),
        gap: longestGap(window.map((p) => p.predictedAt)),
        predictorSays:
          predictor.lines.find((l) => new RegExp(`first prediction by v${v} `).test(l))?.replace(/^.*?(first prediction)/, '$1') ?? null,
        loadLine: predictor.lines.find((l) => new RegExp(`loaded ${MODEL_NAME} v${v} `).test(l))?.replace(/^.*?(loaded )/, '$1') ?? null,
      };
    };
    out.swapSame = swapFigures(2, v2At);
    out.swapBig = swapFigures(records.big.version, bigAt);
    out.rssAtEnd = rssBytes(predictor.pid);
    return out;
  } finally {
    await stopService(predictor);
  }
}

/**
 * Tensors in this process before and after `n` swaps done as the predictor does them: a serving
 * model stays loaded while the next is loaded and warmed up, then the old one is disposed.
 */
async function inProcessTensors(/** @type {import('../shared/dist').ModelRecord} */ record, /** @type {number} */ n) {
  const load = async () => {
    const model = await shared.recordToModel(record);
    tf.tidy(() => /** @type {import('@tensorflow/tfjs').Tensor} */ (model.predict(tf.zeros([1, FEATURES]))).dataSync());
    return model;
  };
  let serving = await load();
  const before = tf.memory().numTensors;
  for (let i = 0; i < n; i++) {
    const next = await load();
    serving.dispose();
    serving = next;
  }
  const after = tf.memory().numTensors;
  serving.dispose();
  return { before, after };
}

// ---------------------------------------------------------------------------------------------
// The table

/**
 * One figure. `ratios` compare it with what bounds it (a ceiling, or the steady state it should
 * not stray far from); `note` replaces the value when there is none, saying why.
 * @typedef {{ value: number | null, against: string }} Ratio
 * @typedef {{ id: string, figure: string, value: number | null, unit: string, ratios?: Ratio[], note?: string }} Row
 */

function formatNumber(/** @type {number} */ v) {
  if (Number.isInteger(v) || Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function formatRatios(/** @type {Row} */ row) {
  return (row.ratios ?? [])
    .map((r) => (r.value === null ? `n/a (${r.against})` : `${r.value.toFixed(r.value < 0.1 ? 3 : 2)} of ${r.against}`))
    .join('; ');
}

function printTable(/** @type {Row[]} */ rows, /** @type {string} */ title) {
  const header = ['figure', 'value', 'unit', 'ratio to ceiling'];
  console.log(title);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of rows) {
    const value = r.value === null ? (r.note ?? 'n/a') : formatNumber(r.value);
    console.log(`| ${[r.figure, value, r.unit, formatRatios(r)].join(' | ')} |`);
  }
}

/** a / b, or null when either is missing. */
function ratio(/** @type {number | null | undefined} */ a, /** @type {number | null | undefined} */ b) {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  // Other work on the machine skews every figure: the load is recorded with them.
  const loadAtStart = os.loadavg()[0] ?? 0;
  // The predictor's default (one thread per core but one, left to Kafka and JSON); set before native
  // TensorFlow starts, so the ceiling runs the model as the predictor does (the predictor inherits it).
  // 0 or unset means that default, as in the predictor (TensorFlow itself would read 0 as every core).
  const asked = Number(process.env['TF_NUM_INTRAOP_THREADS'] ?? 0);
  const tfThreads = asked > 0 ? asked : Math.max(1, os.availableParallelism() - 1);
  process.env['TF_NUM_INTRAOP_THREADS'] = String(tfThreads);
  const choice = await shared.selectBackend(options.backend);
  const backend = choice.backend;
  const served = `${PLANS.served.kind}:${PLANS.served.widths.join('-')}`;
  const bigName = `${PLANS.big.kind}:${PLANS.big.widths.join('-')}`;
  progress(`backend ${backend} (${choice.reason}); model ${served}; ${options.samples} samples`);

  const v1 = await modelRecord(PLANS.served, 1, backend);
  const v2 = await modelRecord(PLANS.served, 2, backend);
  const big = await modelRecord(PLANS.big, 3, backend);
  const recordBytes = (/** @type {import('../shared/dist').ModelRecord} */ r) => shared.modelCodec.encode(r).length;

  // In-process first, while nothing else runs.
  const inference = await inferenceCeiling(v1);
  progress(`inference ceiling ${Math.round(inference)} samples/s`);
  const floorSame = await loadFloor(v2);
  const floorBig = await loadFloor(big);

  startKafka();
  const transport = await transportCeiling(options.samples);
  progress(`transport ceiling ${Math.round(transport.perSecond)} records/s`);

  const deliveryModes = predictorHasDeliveryModes();
  const e2e = await predictorRun('e2e', backend, deliveryModes ? { DELIVERY: 'at-least-once' } : {}, { v1, v2, big }, false);
  const exactlyOnce = deliveryModes ? await predictorRun('eos', backend, { DELIVERY: 'exactly-once' }, { v1, v2, big }, true) : null;

  /** @type {{ source: string, before: number, after: number, what: string }} */
  let tensors;
  if (e2e.tensorsBefore !== null && e2e.tensorsAfter !== null) {
    tensors = {
      source: `predictor /metrics ${e2e.tensorsBefore.name}`,
      what: `${options.swaps} swaps`,
      before: e2e.tensorsBefore.value,
      after: e2e.tensorsAfter.value,
    };
  } else {
    tensors = {
      source: 'in-process, load next + warm-up + dispose previous as the predictor swaps: the predictor exports no tensor count',
      what: `${options.swaps} in-process swaps`,
      ...(await inProcessTensors(v1, options.swaps)),
    };
  }

  const mb = (/** @type {number} */ b) => (b / 1024 / 1024).toFixed(1);
  const window = `±${SWAP_WINDOW_MS / 1000} s`;
  /** @type {Row[]} */
  const rows = [
    {
      id: 'inference-ceiling',
      figure: `inference ceiling: ${served}, batch ${BATCH}, in-process, no I/O${backend === 'tensorflow' ? `, ${tfThreads} TF thread(s)` : ''}`,
      value: inference,
      unit: 'samples/s',
    },
    {
      id: 'transport-ceiling',
      figure: `transport ceiling: consume -> produce, no model, ${transport.records} records`,
      value: transport.perSecond,
      unit: 'records/s',
    },
    {
      id: 'e2e-throughput',
      figure: `end to end: predictor on a backlog of ${options.samples}${deliveryModes ? ', at-least-once' : ''}`,
      value: e2e.throughput,
      unit: 'predictions/s',
      ratios: [
        { value: ratio(e2e.throughput, transport.perSecond), against: 'transport' },
        { value: ratio(e2e.throughput, inference), against: 'inference' },
      ],
    },
    {
      id: 'e2e-latency-p50',
      figure: `end to end latency p50, createdAt -> predictedAt, stream paced at ${options.rate}/s (${e2e.steady.samples} samples)`,
      value: e2e.steady.p50,
      unit: 'ms',
    },
    { id: 'e2e-latency-p99', figure: 'end to end latency p99, same paced stream', value: e2e.steady.p99, unit: 'ms' },
    { id: 'steady-gap', figure: 'longest gap between predictions, same paced stream', value: e2e.steady.gap, unit: 'ms' },
  ];
  for (const [key, name, floor, bytes] of /** @type {const} */ ([
    ['same', `v2 ${served}`, floorSame, recordBytes(v2)],
    ['big', `v3 ${bigName}`, floorBig, recordBytes(big)],
  ])) {
    const s = key === 'same' ? e2e.swapSame : e2e.swapBig;
    rows.push(
      {
        id: `swap-${key}-time`,
        figure: `hot swap to ${name} (${mb(bytes)} MB): record timestamp -> first prediction by it`,
        value: s.toFirstPredictionMs,
        unit: 'ms',
        ratios: [{ value: ratio(s.toFirstPredictionMs, floor), against: `in-process decode+verify+load+warm-up, ${floor.toFixed(0)} ms` }],
      },
      {
        id: `swap-${key}-gap`,
        figure: `hot swap to ${name}: longest gap between predictions, ${window} window`,
        value: s.gap,
        unit: 'ms',
        ratios: [{ value: ratio(s.gap, e2e.steady.gap), against: 'steady longest gap' }],
      },
      {
        id: `swap-${key}-p99`,
        figure: `hot swap to ${name}: latency p99, ${window} window (${s.samples} samples)`,
        value: s.p99,
        unit: 'ms',
        ratios: [{ value: ratio(s.p99, e2e.steady.p99), against: 'steady p99' }],
      },
    );
  }
  rows.push(
    exactlyOnce === null
      ? {
          id: 'delivery-exactly-once',
          figure: 'end to end throughput, exactly-once against at-least-once',
          value: null,
          unit: 'predictions/s',
          note: 'n/a (one delivery mode)',
        }
      : {
          id: 'delivery-exactly-once',
          figure: `end to end throughput, exactly-once, backlog of ${options.samples}`,
          value: exactlyOnce.throughput,
          unit: 'predictions/s',
          ratios: [
            { value: ratio(exactlyOnce.throughput, e2e.throughput), against: 'at-least-once' },
            { value: ratio(exactlyOnce.throughput, transport.perSecond), against: 'transport' },
          ],
        },
    ...(exactlyOnce === null
      ? []
      : [
          {
            id: 'eos-latency-p50',
            figure: `end to end latency p50, exactly-once, paced at ${options.rate}/s, no swap (${exactlyOnce.paced.samples} samples)`,
            value: exactlyOnce.paced.p50,
            unit: 'ms',
            ratios: [{ value: ratio(exactlyOnce.paced.p50, e2e.steady.p50), against: 'at-least-once p50' }],
          },
          {
            id: 'eos-latency-p99',
            figure: 'end to end latency p99, exactly-once, same paced stream',
            value: exactlyOnce.paced.p99,
            unit: 'ms',
            ratios: [{ value: ratio(exactlyOnce.paced.p99, e2e.steady.p99), against: 'at-least-once p99' }],
          },
        ]),
    { id: 'memory-rss-before', figure: `predictor RSS (VmRSS) before ${e2e.swaps} swaps`, value: e2e.rssBefore / 1024 / 1024, unit: 'MiB' },
    {
      id: 'memory-rss-after',
      figure: `predictor RSS (VmRSS) after ${e2e.swaps} swaps (${e2e.swapsSeconds.toFixed(1)} s)`,
      value: e2e.rssAfter / 1024 / 1024,
      unit: 'MiB',
      ratios: [{ value: ratio(e2e.rssAfter, e2e.rssBefore), against: 'before' }],
    },
    {
      id: 'memory-tensors-before',
      figure: `tensors before ${tensors.what} (${tensors.source.split(':')[0]})`,
      value: tensors.before,
      unit: 'tensors',
    },
    { id: 'memory-tensors-after', figure: `tensors after ${tensors.what}`, value: tensors.after, unit: 'tensors' },
  );
  const rr = exactlyOnce?.requestReply;
  const http = exactlyOnce?.http;
  rows.push(
    {
      id: 'request-reply-p50',
      figure: `request/reply round trip p50, ${rr?.requests} requests of 5 images at 20/s, exactly-once, idle data topic`,
      value: rr?.p50 ?? null,
      unit: 'ms',
    },
    { id: 'request-reply-p99', figure: 'request/reply round trip p99, same requests', value: rr?.p99 ?? null, unit: 'ms' },
    {
      id: 'http-predict-1',
      figure: 'HTTP predict, 1 instance per request, 4 clients',
      value: http?.x1.requestsPerSecond ?? null,
      unit: 'requests/s',
    },
    {
      id: 'http-predict-64',
      figure: 'HTTP predict, 64 instances per request, 4 clients',
      value: http?.x64.instancesPerSecond ?? null,
      unit: 'instances/s',
      ratios: [{ value: ratio(http?.x64.instancesPerSecond, inference), against: 'inference' }],
    },
  );

  const title =
    `hotswap benchmark: ${served} on ${backend}, ${options.samples} samples, paced ${options.rate}/s, ` +
    `${os.cpus().length} CPUs (load ${loadAtStart.toFixed(1)} at start, ${(os.loadavg()[0] ?? 0).toFixed(1)} at end), ` +
    `Node ${process.versions.node}${options.smoke ? ', smoke' : ''} (one run; compare within it)`;
  printTable(rows, title);

  const result = {
    at: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    title,
    options: { ...options, json: undefined },
    environment: {
      backend,
      backendReason: choice.reason,
      node: process.versions.node,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      loadAverage1m: { start: loadAtStart, end: os.loadavg()[0] ?? 0 },
      brokers: startedKafkaPort === undefined ? 'external (KAFKA_BROKERS)' : 'own local broker',
      deliveryModes,
    },
    rows: rows.map((r) => ({ ...r, ratio: r.ratios?.[0]?.value ?? null })),
    details: {
      modelRecordBytes: { v1: recordBytes(v1), v2: recordBytes(v2), big: recordBytes(big) },
      loadFloorMs: { same: floorSame, big: floorBig },
      transport,
      predictor: e2e,
      exactlyOnce,
      tensors,
      method: {
        throughput:
          '(predictions after the first chunk) / (last predictedAt - first predictedAt); the transport loop likewise with its own stamps',
        latency: `predictedAt - sampleCreatedAt on a datagenerator stream paced at ${options.rate}/s (not the backlog), from 1 s after its start to ${SWAP_WINDOW_MS} ms before the first swap; predictedAt is stamped before the prediction is sent`,
        swap: `published with timestamp = Date.now() at send (CreateTime: the broker keeps it); window from ${SWAP_WINDOW_MS} ms before it to ${SWAP_WINDOW_MS} ms after the first prediction by the new version`,
        models:
          'untrained (seeded glorot) weights in the schedule architectures, serialized with modelToRecord; the inference ceiling loads the published v1 record with recordToModel',
      },
    },
  };
  mkdirSync(dirname(resolve(options.json)), { recursive: true });
  writeFileSync(options.json, JSON.stringify(result, null, 2));
  progress(`wrote ${options.json}; ${result.seconds.toFixed(0)} s in all`);
}

main()
  .then(
    () => cleanUp(),
    async (e) => {
      if (!interrupted) process.stderr.write(`bench: failed: ${/** @type {Error} */ (e).stack ?? String(e)}\n`);
      await cleanUp();
      process.exitCode = 1;
    },
  )
  .finally(() => {
    void shared.closeLogger(logger).finally(() => process.exit());
  });
