import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { InboundRecord, PredictionRecord } from '@hotswap/shared';
import { ServiceProcess, readTopic } from '../../test/dist/support/services';
import { httpGet, progress, tensorGauge, until, type Gauge } from './measure';
import { REPO } from './options';
import { benchId, kafka, running, tempDir, type Topics } from './run';

/** True when the predictor's --help lists the DELIVERY setting. */
export function predictorHasDeliveryModes(): boolean {
  const help = spawnSync(process.execPath, [join(REPO, 'predictor', 'dist', 'main.js'), '--help'], { encoding: 'utf8', timeout: 60_000 });
  return /\bDELIVERY\b/.test(help.stdout ?? '');
}

/** What the bench reads of a prediction record. */
export type Prediction = Pick<PredictionRecord, 'sampleId' | 'sampleCreatedAt' | 'predictedAt'> & { model: { version: number } };

/** A run's predictions, one per sample, and how many samples were predicted more than once. */
export interface RunPredictions {
  predictions: Prediction[];
  duplicates: number;
}

/** Parsed predictions of one run id, one per sample (the first if a sample was predicted twice). */
function predictionsOfRun(records: InboundRecord[], runId: string): RunPredictions {
  const bySample = new Map<string, Prediction>();
  let duplicates = 0;
  for (const r of records) {
    const p = JSON.parse((r.value as Buffer).toString('utf8')) as Prediction;
    if (!p.sampleId.startsWith(`${runId}:`)) continue;
    if (bySample.has(p.sampleId)) duplicates++;
    else bySample.set(p.sampleId, p);
  }
  return { predictions: [...bySample.values()], duplicates };
}

/** Sum of the end offsets of a topic's partitions (an upper bound on its record count). */
async function topicEnd(topic: string): Promise<number> {
  let sum = 0;
  for (const high of (await kafka().endOffsets(topic)).values()) sum += Number(high);
  return sum;
}

/** Reads the prediction topic until it holds `n` distinct predictions of the run. */
export async function awaitPredictions(t: Topics, runId: string, n: number, predictor: ServiceProcess): Promise<RunPredictions> {
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
  const seen = new Set<string>();
  let looked = 0;
  const records = await readTopic(
    t.prediction,
    (rs) => {
      for (; looked < rs.length; looked++) {
        const id = String((JSON.parse(((rs[looked] as InboundRecord).value as Buffer).toString('utf8')) as { sampleId: unknown }).sampleId);
        if (id.startsWith(`${runId}:`)) seen.add(id);
      }
      return seen.size >= n;
    },
    timeoutMs,
  );
  return predictionsOfRun(records, runId);
}

/** Throughput over a run's predictions: those after the first chunk over the time from its stamp to the last. */
export const latencyOf = (p: Prediction): number => p.predictedAt - p.sampleCreatedAt;

export function startPredictor(t: Topics, backend: string, extra: Record<string, string>): ServiceProcess {
  const dir = tempDir();
  const predictor = new ServiceProcess('predictor', {
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

export async function stopService(service: ServiceProcess): Promise<void> {
  const code = await service.stop(30_000);
  running.delete(service);
  if (code !== 0) progress(`${service.service} exited with ${code}:\n${service.lines.slice(-10).join('\n')}`);
}

/** The predictor's tensor count from its /metrics, or null when it exports none. */
export async function predictorTensors(metricsPort: number | null): Promise<Gauge | null> {
  if (metricsPort === null) return null;
  try {
    return tensorGauge(await httpGet(`http://127.0.0.1:${metricsPort}/metrics`));
  } catch {
    return null;
  }
}

/**
 * The predictor main thread's longest event-loop delay (ms) since the last call: prom-client resets
 * its delay histogram at every scrape, so two calls bracket a window. Null without /metrics.
 */
export async function mainThreadStall(metricsPort: number | null): Promise<number | null> {
  if (metricsPort === null) return null;
  try {
    const text = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
    const m = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})?\s+(\S+)/m.exec(text);
    return m === null ? null : Math.round(Number(m[1]) * 1000);
  } catch {
    return null;
  }
}

/** A datagenerator streaming onto a run's data topic, its run id and when it started streaming. */
export interface PacedStream {
  data: ServiceProcess;
  runId: string;
  startedAt: number;
}

/** A datagenerator streaming at the bench's rate onto the run's data topic, once it streams. */
export async function startPacedStream(t: Topics, label: string, rate: number): Promise<PacedStream> {
  const runId = `${benchId}${label}p`;
  const data = new ServiceProcess('datagenerator', {
    DATA_TOPIC: t.data,
    RATE: String(rate),
    COUNT: '0',
    RUN_ID: runId,
    ...(process.env['BENCH_VERBOSE'] === '1' ? { HOTSWAP_TEST_VERBOSE: '1' } : {}),
  });
  running.add(data);
  await data.waitFor(/streaming fashion-mnist/, 60_000);
  return { data, runId, startedAt: Date.now() };
}

/** Stops a paced stream and waits for the predictions of every sample it says it sent. */
export async function pacedPredictions(
  t: Topics,
  stream: PacedStream,
  predictor: ServiceProcess,
): Promise<{ sent: number } & RunPredictions> {
  await stopService(stream.data);
  const sentLine = stream.data.lines.find((l) => /sent \d+ samples in/.test(l));
  const sent = sentLine === undefined ? NaN : Number((/sent (\d+) samples in/.exec(sentLine) as RegExpExecArray)[1]);
  if (!Number.isInteger(sent))
    throw new Error(`datagenerator did not say how many samples it sent:\n${stream.data.lines.slice(-10).join('\n')}`);
  return { sent, ...(await awaitPredictions(t, stream.runId, sent, predictor)) };
}

/**
 * When a group has committed `n` records, as Kafka sees it, polled every 100 ms over one admin
 * connection. Under exactly-once a prediction is stamped before its transaction commits, and a
 * backlog taken at the group join can be predicted in one burst whose stamps are all the same
 * millisecond; commits show what readers get.
 */
export async function committedAt(t: Topics, n: number, predictor: ServiceProcess): Promise<number> {
  const offsets = await kafka().committedOffsetsReader(t.group, t.data);
  try {
    return await until(
      `${n} records committed by ${t.group}`,
      async () => {
        if (!predictor.running) throw new Error(`the predictor exited:\n${predictor.lines.slice(-15).join('\n')}`);
        let count = 0;
        for (const offset of (await offsets.read()).values()) count += Math.max(0, Number(offset));
        return count >= n ? Date.now() : undefined;
      },
      120_000 + n * 10,
      100,
    );
  } finally {
    await offsets.close();
  }
}

/**
 * Backlog throughput, timed as the Python peer times itself: from the first batch received (the
 * predictor's `first data batch` line, by its own timestamp) to the last one committed. Not from the
 * first prediction's stamp: a batch is stamped when scored, in fetch order, so batches predicted
 * while the first waited (for the fence, under exactly-once) were left out of the time; a CNN
 * backlog came out at 2.9 times its inference ceiling that way.
 */
export async function committedThroughput(n: number, predictor: ServiceProcess, committed: number): Promise<number> {
  const line = await predictor.waitFor(/first data batch: /, 10_000);
  const received = Date.parse(line.slice(0, line.indexOf(' ')));
  if (!Number.isFinite(received)) throw new Error(`no timestamp at the start of the predictor's line: ${line}`);
  return (n * 1000) / Math.max(1, committed - received);
}
