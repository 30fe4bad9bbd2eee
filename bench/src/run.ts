import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { SplitSource } from '@hotswap/datagenerator/stream';
import { buildModel as build } from '@hotswap/modelgenerator/architectures';
import {
  DEFAULT_DATA_PARTITIONS,
  FASHION_MNIST_CLASSES,
  HEADER_MODEL_ROLE,
  KafkaClient,
  dataTopicSpec,
  heldOutSplit,
  loadDataset,
  modelCodec,
  modelToRecord,
  modelTopicSpec,
  predictionTopicSpec,
  replyTopicSpec,
  requestTopicSpec,
  sampleCodec,
  type Dataset,
  type Logger,
  type ModelRecord,
  type ModelRole,
  type OutboundRecord,
  type RecordProducer,
  type tf,
} from '@hotswap/shared';
import type { ServiceProcess } from '../../test/dist/support/services';
import { progress } from './measure';
import { FEATURES, KAFKA_SCRIPT, MODEL_NAME, REPO, type Plan } from './options';

// ---------------------------------------------------------------------------------------------
// What the run started, so that every exit path stops it

/** The services running now; whoever starts one adds it, whoever stops it removes it. */
export const running = new Set<ServiceProcess>();
let startedKafkaPort: string | undefined;
const tempDirs: string[] = [];
let modelProducer: RecordProducer | undefined;

let cleaning: Promise<void> | undefined;
let interrupted = false;

/** This run's id, in its topic, group and run names. */
export const benchId = randomBytes(3).toString('hex');

/** A fresh temporary folder, removed at the end of the run. */
export function tempDir(): string {
  const dir = mkdtempSync(join(os.tmpdir(), 'hotswap-bench-'));
  tempDirs.push(dir);
  return dir;
}

/** True when this run started its own broker (rather than using KAFKA_BROKERS). */
export function ownBroker(): boolean {
  return startedKafkaPort !== undefined;
}

/** True once a signal stopped the run: its failure is then no news. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** Stops everything this run started, once, whoever asks first (the end of main or a signal). */
export function cleanUp(): Promise<void> {
  cleaning ??= stopAll();
  return cleaning;
}

async function stopAll(): Promise<void> {
  const producer = modelProducer;
  modelProducer = undefined;
  await producer?.disconnect().catch(() => undefined);
  for (const service of [...running]) {
    try {
      await service.stop(30_000);
    } catch (e) {
      progress(`stopping ${service.service} (pid ${service.pid}): ${(e as Error).message.split('\n')[0]}`);
    }
    running.delete(service);
  }
  if (startedKafkaPort !== undefined) {
    const port = startedKafkaPort;
    startedKafkaPort = undefined;
    try {
      execFileSync('bash', [KAFKA_SCRIPT, 'stop'], { env: { ...process.env, KAFKA_PORT: port }, stdio: ['ignore', 'ignore', 'inherit'] });
    } catch (e) {
      progress(`stopping the broker on ${port}: ${(e as Error).message}`);
    }
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** On SIGINT and SIGTERM: stop what the run started, then exit 130. */
export function cleanUpOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interrupted = true;
      progress(`${signal}: stopping what the benchmark started`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Kafka

let client: KafkaClient | undefined;

/** The run's client of the broker; startKafka first. */
export function kafka(): KafkaClient {
  if (client === undefined) throw new Error('Kafka is not started yet');
  return client;
}

/** Fails at once, before the minutes of measuring, when the port the bench's own broker needs is taken. */
export async function checkKafkaPort(): Promise<void> {
  const external = process.env['KAFKA_BROKERS'];
  if (external !== undefined && external.trim() !== '') return;
  const port = Number(process.env['BENCH_KAFKA_PORT'] ?? '29092');
  for (const p of [port, port + 1]) {
    const taken = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: p }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (taken)
      throw new Error(
        `127.0.0.1:${p} is taken by another process; the bench's broker needs ${port} and ${port + 1} (BENCH_KAFKA_PORT picks others)`,
      );
  }
}

/** Uses the broker(s) in KAFKA_BROKERS, or starts a fresh local one on BENCH_KAFKA_PORT (default 29092). */
export function startKafka(logger: Logger): void {
  let brokers: string;
  const external = process.env['KAFKA_BROKERS'];
  if (external !== undefined && external.trim() !== '') {
    brokers = external.trim();
    progress(`using the broker(s) in KAFKA_BROKERS: ${brokers}`);
  } else {
    const port = process.env['BENCH_KAFKA_PORT'] ?? '29092';
    progress(`starting a fresh local Kafka on 127.0.0.1:${port}`);
    startedKafkaPort = port;
    try {
      execFileSync('bash', [KAFKA_SCRIPT, 'start'], {
        env: { ...process.env, KAFKA_PORT: port, KAFKA_FRESH: '1' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch {
      // kafka.sh said why on the line above (a port in use, a broker that exited during start-up).
      throw new Error(
        `the local Kafka on 127.0.0.1:${port} did not start (kafka.sh's reason is above; BENCH_KAFKA_PORT picks another port)`,
      );
    }
    brokers = `127.0.0.1:${port}`;
  }
  // The test support's ServiceProcess and readers take the broker from here.
  process.env['HOTSWAP_TEST_BROKERS'] = brokers;
  client = new KafkaClient({ brokers: brokers.split(','), clientId: 'hotswap-bench', ssl: false }, logger);
}

/** Topic and group names of one phase, unique to this run. */
export function topicNames(phase: string) {
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

export type Topics = ReturnType<typeof topicNames>;

export async function createTopics(t: Topics): Promise<void> {
  await kafka().waitForTopics([
    dataTopicSpec(t.data, DEFAULT_DATA_PARTITIONS),
    modelTopicSpec(t.model),
    predictionTopicSpec(t.prediction, DEFAULT_DATA_PARTITIONS),
    predictionTopicSpec(t.deadLetter, 1),
    requestTopicSpec(t.request, DEFAULT_DATA_PARTITIONS),
    replyTopicSpec(t.reply, DEFAULT_DATA_PARTITIONS),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Data and models

/** The dataset and its held-out split, in the split's (seeded) order: what the datagenerator streams. */
export interface HeldOut {
  dataset: Dataset;
  test: Uint32Array;
}

export function loadHeldOut(): HeldOut {
  const dataset = loadDataset('fashion-mnist', { seed: 42, drift: 0, cacheDir: join(REPO, '.cache', 'datasets') }, progress);
  return { dataset, test: heldOutSplit(dataset.size, 42).test };
}

/** Writes n Avro samples to a topic as the datagenerator does (its own sample source, keyed by sample id, 500 per send). */
export async function prefill(held: HeldOut, topic: string, n: number, runId: string): Promise<number> {
  const source = new SplitSource(held.dataset, held.test, 'test', { runId, unlabelledRatio: 0, seed: 42 });
  const producer = kafka().producer();
  await producer.connect();
  const started = Date.now();
  let bytes = 0;
  try {
    for (let sent = 0; sent < n;) {
      const now = Date.now();
      const records: OutboundRecord[] = [];
      for (let i = 0; i < Math.min(500, n - sent); i++) {
        const sample = source.sampleAt(sent + i, now);
        const value = sampleCodec.encode(sample);
        bytes += value.length;
        records.push({ key: sample.sampleId, value, headers: sampleCodec.headers(), timestamp: now });
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
function buildModel(plan: Plan, seed: number): tf.LayersModel {
  return build({ architecture: plan.kind, widths: plan.widths, trainSamples: null, epochs: 1 }, [28, 28], 10, seed);
}

/** A model record as the modelgenerator publishes it, from freshly built (untrained) weights. */
export async function modelRecord(plan: Plan, version: number, backend: string): Promise<ModelRecord> {
  const model = buildModel(plan, 1000 * version);
  try {
    return await modelToRecord(model, {
      name: MODEL_NAME,
      version,
      createdAt: Date.now(),
      dataset: 'fashion-mnist',
      architecture: `${plan.kind}(${plan.widths.join('-')})`,
      inputShape: [FEATURES],
      classNames: [...FASHION_MNIST_CLASSES],
      backend,
      metrics: { accuracy: 0.1, loss: 2.3, testSamples: 0, trainSamples: 0, epochs: 0, trainSeconds: 0 },
    });
  } finally {
    model.dispose();
  }
}

/** The records a run publishes: v1 and v2 of the served plan, v3 of the big one. */
export interface ModelRecords {
  v1: ModelRecord;
  v2: ModelRecord;
  big: ModelRecord;
}

export async function modelRecords(served: Plan, big: Plan, backend: string): Promise<ModelRecords> {
  const v1 = await modelRecord(served, 1, backend);
  const v2 = await modelRecord(served, 2, backend);
  return { v1, v2, big: await modelRecord(big, 3, backend) };
}

/** Publishes a model record keyed by its name; returns the timestamp it carries on the broker. */
export async function publishModel(topic: string, record: ModelRecord, role: ModelRole = 'release'): Promise<number> {
  if (modelProducer === undefined) {
    const producer = kafka().producer();
    await producer.connect();
    modelProducer = producer;
  }
  const value = modelCodec.encode(record);
  // CreateTime: the broker keeps the timestamp the producer gives, so this is the record's timestamp there.
  const timestamp = Date.now();
  const headers = role === 'candidate' ? { ...modelCodec.headers(), [HEADER_MODEL_ROLE]: role } : modelCodec.headers();
  await modelProducer.send(topic, [{ key: record.name, value, headers, timestamp }]);
  return timestamp;
}
