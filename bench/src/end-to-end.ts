import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelRecord } from '@hotswap/shared';
import type { ServiceProcess } from '../../test/dist/support/services';
import { longestGap, percentile, progress, rssBytes, type Gauge } from './measure';
import { MODEL_NAME, SWAP_WINDOW_MS, type Options } from './options';
import {
  awaitPredictions,
  latencyOf,
  mainThreadStall,
  pacedPredictions,
  predictorTensors,
  startPacedStream,
  startPredictor,
  stopService,
  committedAt,
  committedThroughput,
  type Prediction,
} from './predictor';
import { httpPredictRun, requestReplyRun, type HttpPredict, type RequestReply } from './requests';
import { benchId, createTopics, prefill, publishModel, topicNames, type HeldOut, type ModelRecords, type Topics } from './run';

/** What a predictor run measures, with the predictor running, after its backlog. */
interface Started {
  label: string;
  t: Topics;
  predictor: ServiceProcess;
  metricsPort: number | null;
  options: Options;
  held: HeldOut;
}

/** The backlog's throughput, then what `then` measures with the predictor still running. */
type BacklogAnd<T> = { throughput: number; backlogDuplicates: number } & T;

/**
 * The predictor process, end to end: a pre-filled backlog of n samples (throughput), then what
 * `then` measures while it runs; the predictor is stopped on every way out.
 */
async function predictorRun<T>(
  label: string,
  backend: string,
  extraEnv: Record<string, string>,
  records: ModelRecords,
  bench: { options: Options; held: HeldOut },
  then: (run: Started) => Promise<T>,
  candidate?: ModelRecord,
): Promise<BacklogAnd<T>> {
  const { options, held } = bench;
  const t = topicNames(label);
  await createTopics(t);
  const backlogRun = `${benchId}${label}b`;
  await prefill(held, t.data, options.samples, backlogRun);
  await publishModel(t.model, records.v1);
  if (candidate !== undefined) await publishModel(t.model, candidate, 'candidate');
  progress(
    `${label}: starting the predictor (${
      Object.entries(extraEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'defaults'
    })`,
  );
  const predictor = startPredictor(t, backend, extraEnv);
  try {
    const metricsLine = await predictor.waitFor(/metrics on :\d+\/metrics/, 120_000).catch(() => null);
    const metricsPort = metricsLine === null ? null : Number((/metrics on :(\d+)\//.exec(metricsLine) as RegExpExecArray)[1]);
    await predictor.waitFor(/consuming .* in group/, 120_000);
    // Both deliveries counted at commit, as the Python peer counts itself (see committedAt).
    const committed = committedAt(t, options.samples, predictor);
    // Awaited below; a failure of the reading first must not leave this one unhandled.
    committed.catch(() => undefined);
    const backlog = await awaitPredictions(t, backlogRun, options.samples, predictor);
    const throughput = await committedThroughput(options.samples, predictor, await committed);
    progress(`${label}: ${options.samples} backlog predictions at ${Math.round(throughput)}/s`);
    return { throughput, backlogDuplicates: backlog.duplicates, ...(await then({ label, t, predictor, metricsPort, options, held })) };
  } finally {
    await stopService(predictor);
  }
}

/**
 * The backlog with v2, of the same architecture, published as a candidate: the predictor scores it
 * beside v1 on every batch (loaded at catch-up, before data flows), so this is what shadow scoring costs.
 */
export function shadowRun(
  label: string,
  backend: string,
  extraEnv: Record<string, string>,
  records: ModelRecords,
  bench: { options: Options; held: HeldOut },
): Promise<BacklogAnd<object>> {
  const checkScored = async ({ predictor }: Started): Promise<object> => {
    const scored = predictor.lines.findIndex((l) => /challenger \S+ v2 .* scored beside the serving version/.test(l));
    const flowed = predictor.lines.findIndex((l) => /first data batch/.test(l));
    if (scored < 0 || scored > flowed)
      throw new Error(`the candidate was not the challenger before the backlog:\n${predictor.lines.slice(-15).join('\n')}`);
    return {};
  };
  return predictorRun(label, backend, extraEnv, records, bench, checkScored, records.v2);
}

/** Latency on the paced stream with no swap (ms). */
export interface PacedLatency {
  samples: number;
  duplicates: number;
  p50: number | null;
  p99: number | null;
}

export type PacedRun = BacklogAnd<{ paced: PacedLatency; requestReply: RequestReply; http: HttpPredict }>;

/**
 * The backlog, then a paced stream with no swap: each small batch is a transaction of its own
 * here, so this is where the cost per transaction (begin, commit, the markers) shows, not on the
 * backlog. Then the idle predictor answers requests: round trips and HTTP throughput.
 */
export function pacedRun(
  label: string,
  backend: string,
  extraEnv: Record<string, string>,
  records: ModelRecords,
  bench: { options: Options; held: HeldOut },
): Promise<PacedRun> {
  return predictorRun(label, backend, extraEnv, records, bench, async ({ t, predictor, options, held }) => {
    const stream = await startPacedStream(t, label, options.rate);
    await sleep(options.steadyMs);
    const paced = await pacedPredictions(t, stream, predictor);
    const steady = paced.predictions.filter((p) => p.predictedAt >= stream.startedAt + 1000);
    const latency: PacedLatency = {
      samples: steady.length,
      duplicates: paced.duplicates,
      p50: percentile(steady.map(latencyOf), 0.5),
      p99: percentile(steady.map(latencyOf), 0.99),
    };
    progress(`${label}: paced latency p50 ${latency.p50} ms, p99 ${latency.p99} ms (${steady.length} samples)`);
    // The idle predictor, with the default delivery, answers requests: round trips and HTTP throughput.
    const requestReply = await requestReplyRun(t, options.smoke);
    const httpLine = await predictor.waitFor(/HTTP API on :\d+/, 10_000);
    const http = await httpPredictRun(Number((/HTTP API on :(\d+)/.exec(httpLine) as RegExpExecArray)[1]), held, options.smoke);
    return { paced: latency, requestReply, http };
  });
}

/** Latency and the longest gap between predictions on the paced stream before the first swap. */
export interface Steady {
  samples: number;
  p50: number | null;
  p99: number | null;
  gap: number | null;
}

/** One swap: its record's timestamp, the first prediction by it, and the window around it. */
export interface SwapFigures {
  publishedAt: number;
  toFirstPredictionMs: number | null;
  samples: number;
  p99: number | null;
  gap: number | null;
  predictorSays: string | null;
  loadLine: string | null;
}

export type SwapRun = BacklogAnd<{
  rssBefore: number;
  tensorsBefore: Gauge | null;
  swapsSeconds: number;
  rssAfter: number;
  tensorsAfter: Gauge | null;
  swaps: number;
  pacedDuplicates: number;
  pacedSamples: number;
  steady: Steady;
  swapSame: SwapFigures;
  swapBig: SwapFigures;
  /** The predictor main thread's longest event-loop delay in the steady window and around the big swap (ms). */
  mainThreadStallMs: { steady: number | null; bigSwap: number | null };
  rssAtEnd: number;
}>;

/**
 * The backlog, then a paced stream (latency) during which v2 (same architecture), a bigger model,
 * and `swaps` more versions are published (hot swap, memory).
 */
export function swapRun(
  label: string,
  backend: string,
  extraEnv: Record<string, string>,
  records: ModelRecords,
  bench: { options: Options; held: HeldOut },
): Promise<SwapRun> {
  return predictorRun(label, backend, extraEnv, records, bench, async ({ t, predictor, metricsPort, options }) => {
    // Paced stream: steady state, then the swaps, while samples keep coming.
    const stream = await startPacedStream(t, label, options.rate);
    const pacedStart = stream.startedAt;
    progress(`${label}: paced stream at ${options.rate}/s; steady for ${options.steadyMs / 1000} s`);
    // The main thread's longest stall over the steady window, then over the big swap's: is a slow p99 the main thread's?
    await sleep(1000);
    await mainThreadStall(metricsPort);
    await sleep(options.steadyMs - 1000 - SWAP_WINDOW_MS);
    const steadyStall = await mainThreadStall(metricsPort);
    await sleep(SWAP_WINDOW_MS);

    /** Publishes a version and waits until the predictor has swapped it in. */
    const swapTo = async (record: ModelRecord, from: number): Promise<number> => {
      const at = await publishModel(t.model, record);
      await predictor.waitFor(new RegExp(`swapped v${from} -> ${MODEL_NAME} v${record.version}\\b`), 120_000);
      return at;
    };
    // Apart enough that the windows around the two swaps do not overlap.
    const v2At = await swapTo(records.v2, 1);
    await sleep(SWAP_WINDOW_MS + 500);
    await mainThreadStall(metricsPort);
    await sleep(SWAP_WINDOW_MS);
    const bigAt = await swapTo(records.big, 2);
    await sleep(SWAP_WINDOW_MS);
    const bigStall = await mainThreadStall(metricsPort);
    await sleep(SWAP_WINDOW_MS + 500);

    // Memory: RSS and tensors before and after many swaps of the served architecture.
    const rssBefore = rssBytes(predictor.pid);
    const tensorsBefore = await predictorTensors(metricsPort);
    let version = records.big.version;
    const swapsStarted = Date.now();
    for (let i = 0; i < options.swaps; i++) {
      await swapTo({ ...records.v1, version: version + 1, createdAt: Date.now() }, version);
      version++;
    }
    const swapsSeconds = (Date.now() - swapsStarted) / 1000;
    await sleep(1500);
    const rssAfter = rssBytes(predictor.pid);
    const tensorsAfter = await predictorTensors(metricsPort);
    progress(`${label}: ${options.swaps} swaps in ${swapsSeconds.toFixed(1)} s`);

    const paced = await pacedPredictions(t, stream, predictor);
    const ps = paced.predictions;
    const between = (from: number, to: number): Prediction[] => ps.filter((p) => p.predictedAt >= from && p.predictedAt <= to);

    // Steady: from 1 s into the stream (start-up transients aside) to 2 s before the first swap.
    const steady = between(pacedStart + 1000, v2At - SWAP_WINDOW_MS);
    /** The swap to version `v` published at `at`: first prediction by it, and the window around it. */
    const swapFigures = (v: number, at: number): SwapFigures => {
      const byIt = ps.filter((p) => p.model.version === v).map((p) => p.predictedAt);
      const firstBy = byIt.length === 0 ? null : Math.min(...byIt);
      const windowEnd = Math.max(at, firstBy ?? at) + SWAP_WINDOW_MS;
      const window = between(at - SWAP_WINDOW_MS, windowEnd);
      return {
        publishedAt: at,
        toFirstPredictionMs: firstBy === null ? null : firstBy - at,
        samples: window.length,
        p99: percentile(window.map(latencyOf), 0.99),
        gap: longestGap(window.map((p) => p.predictedAt)),
        predictorSays:
          predictor.lines.find((l) => new RegExp(`first prediction by v${v} `).test(l))?.replace(/^.*?(first prediction)/, '$1') ?? null,
        loadLine: predictor.lines.find((l) => new RegExp(`loaded ${MODEL_NAME} v${v} `).test(l))?.replace(/^.*?(loaded )/, '$1') ?? null,
      };
    };
    const big = swapFigures(records.big.version, bigAt);
    const steadyP99 = percentile(steady.map(latencyOf), 0.99);
    progress(
      `${label}: big swap window p99 ${big.p99} ms (steady ${steadyP99}); the predictor main thread's longest stall ${bigStall} ms there (steady ${steadyStall})`,
    );
    return {
      rssBefore,
      tensorsBefore,
      swapsSeconds,
      rssAfter,
      tensorsAfter,
      swaps: options.swaps,
      pacedDuplicates: paced.duplicates,
      pacedSamples: paced.sent,
      steady: {
        samples: steady.length,
        p50: percentile(steady.map(latencyOf), 0.5),
        p99: steadyP99,
        gap: longestGap(steady.map((p) => p.predictedAt)),
      },
      swapSame: swapFigures(2, v2At),
      swapBig: big,
      mainThreadStallMs: { steady: steadyStall, bigSwap: bigStall },
      rssAtEnd: rssBytes(predictor.pid),
    };
  });
}
