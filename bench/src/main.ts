#!/usr/bin/env node
/**
 * `npm run bench --` (or `node bench/dist/main.js`): the predictor's figures next to the ceilings
 * they are measured against, all in one run on one broker (figures from different runs or machines
 * do not compare).
 *
 *   inference ceiling   samples/s of the served model, in-process, batch 512 (the predictor's default), no I/O
 *   transport ceiling   records/s of a consume -> produce loop through the same broker, no model
 *   python peer         records/s of the batched Python a user would write instead (bench/python-peer),
 *                       same broker, records and model; skipped with a line where Python is missing
 *   end to end          predictions/s of the real predictor process on a pre-filled backlog, and
 *                       latency (sample createdAt -> predictedAt) on a paced stream
 *   with a challenger   the same backlog with a candidate scored beside the serving version
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
 * Needs `npx tsc -b` first (it runs the built services; `npm run bench` builds). BENCH_VERBOSE=1
 * shows the services' output.
 */
import os from 'node:os';
import { closeLogger, createLogger, selectBackend, type Logger } from '@hotswap/shared';
import { inProcessTensors, inferenceCeiling, loadFloor, transportCeiling } from './ceilings';
import { pacedRun, shadowRun, swapRun } from './end-to-end';
import { progress } from './measure';
import { parseOptions, planName, plansOf, type Options } from './options';
import { predictorHasDeliveryModes } from './predictor';
import { pythonPeer } from './python-peer';
import type { ShadowFigure } from './shadow';
import { figureRows, printTable, titleOf, writeResult, type Measured, type Tensors } from './report';
import {
  checkKafkaPort,
  cleanUp,
  cleanUpOnSignals,
  loadHeldOut,
  modelRecords,
  ownBroker,
  startKafka,
  wasInterrupted,
  type HeldOut,
} from './run';

async function main(options: Options, held: HeldOut, logger: Logger): Promise<void> {
  const started = Date.now();
  await checkKafkaPort();
  // Other work on the machine skews every figure: the load is recorded with them.
  const loadAtStart = os.loadavg()[0] ?? 0;
  // The predictor's default (one thread per core but one, left to Kafka and JSON); set before native
  // TensorFlow starts, so the ceiling runs the model as the predictor does (the predictor inherits it).
  // 0 or unset means that default, as in the predictor (TensorFlow itself would read 0 as every core).
  const asked = Number(process.env['TF_NUM_INTRAOP_THREADS'] ?? 0);
  const tfThreads = asked > 0 ? asked : Math.max(1, os.availableParallelism() - 1);
  process.env['TF_NUM_INTRAOP_THREADS'] = String(tfThreads);
  const choice = await selectBackend(options.backend);
  const backend = choice.backend;
  const plans = plansOf(options.model);
  progress(`backend ${backend} (${choice.reason}); model ${planName(plans.served)}; ${options.samples} samples`);

  const records = await modelRecords(plans.served, plans.big, backend);

  // In-process first, while nothing else runs.
  const inference = await inferenceCeiling(records.v1, held, options.inferenceSeconds);
  progress(`inference ceiling ${Math.round(inference)} samples/s`);
  const floorSame = await loadFloor(records.v2);
  const floorBig = await loadFloor(records.big);

  startKafka(logger);
  const transport = await transportCeiling(options.samples, held);
  progress(`transport ceiling ${Math.round(transport.perSecond)} records/s`);
  const peer = await pythonPeer(options, held);
  if (!('skipped' in peer)) progress(`python peer ${Math.round(peer.perSecond)} records/s`);

  const deliveryModes = predictorHasDeliveryModes();
  const bench = { options, held };
  const e2e = await swapRun('e2e', backend, deliveryModes ? { DELIVERY: 'at-least-once' } : {}, records, bench);
  const shadow: ShadowFigure = deliveryModes
    ? { throughput: (await shadowRun('shadow', backend, { DELIVERY: 'at-least-once' }, records, bench)).throughput }
    : { skipped: 'this predictor has no DELIVERY setting, nor challengers' };
  const exactlyOnce = deliveryModes ? await pacedRun('eos', backend, { DELIVERY: 'exactly-once' }, records, bench) : null;

  let tensors: Tensors;
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
      ...(await inProcessTensors(records.v1, options.swaps)),
    };
  }

  const measured: Measured = {
    options,
    plans,
    backend,
    tfThreads,
    records,
    inference,
    floorSame,
    floorBig,
    transport,
    peer,
    deliveryModes,
    e2e,
    shadow,
    exactlyOnce,
    tensors,
  };
  const rows = figureRows(measured);
  const info = { started, loadAtStart, backendReason: choice.reason, ownBroker: ownBroker() };
  const title = titleOf(measured, info);
  printTable(rows, title);
  writeResult(measured, info, rows, title);
}

// Usage errors and --help end the process here, before the dataset loads or anything starts.
const options = parseOptions(process.argv.slice(2));
cleanUpOnSignals();
// kafkajs's start-up notices are noise here; its errors are not.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
const logger = createLogger({ service: 'bench', level: 'error' });
const held = loadHeldOut();

/** One line that says why the run failed (the stack with BENCH_VERBOSE=1), then what it started is stopped. */
async function failed(e: unknown): Promise<void> {
  if (!wasInterrupted()) process.stderr.write(`bench: failed: ${failureLine(e)}\n`);
  if (process.env['BENCH_VERBOSE'] === '1' && e instanceof Error && e.stack !== undefined) process.stderr.write(`${e.stack}\n`);
  await cleanUp();
  process.exitCode = 1;
}

/** An error's message and its causes', or, for one with no message, its name and where it was thrown. */
function failureLine(e: unknown): string {
  const parts: string[] = [];
  for (let err = e; err !== undefined && err !== null && parts.length < 4; err = (err as { cause?: unknown }).cause) {
    if (!(err instanceof Error)) {
      parts.push(String(err));
      break;
    }
    const at = err.stack
      ?.split('\n')
      .find((l) => l.trim().startsWith('at '))
      ?.trim();
    parts.push(err.message !== '' ? err.message : `${err.name} with no message, ${at ?? 'no stack'}`);
  }
  return parts.join(': ');
}

// A promise rejected outside main's chain (a client's background task) ends the run the same way.
process.on('unhandledRejection', (e) => {
  void failed(e).finally(() => process.exit());
});

main(options, held, logger)
  .then(() => cleanUp(), failed)
  .finally(() => {
    void closeLogger(logger).finally(() => process.exit());
  });
