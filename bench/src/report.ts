import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { modelCodec, type ModelRecord } from '@hotswap/shared';
import type { Transport } from './ceilings';
import { peerRow, type PeerFigure } from './python-peer';
import { shadowRow, type ShadowFigure } from './shadow';
import type { PacedRun, SwapRun } from './end-to-end';
import { progress } from './measure';
import { BATCH, SWAP_WINDOW_MS, planName, type Options, type Plans } from './options';
import type { ModelRecords } from './run';

/** A ratio of a figure to what bounds it; null when either side is missing. */
export interface Ratio {
  value: number | null;
  against: string;
}

/**
 * One figure. `ratios` compare it with what bounds it (a ceiling, or the steady state it should
 * not stray far from); `note` replaces the value when there is none, saying why.
 */
export interface Row {
  id: string;
  figure: string;
  value: number | null;
  unit: string;
  ratios?: Ratio[];
  note?: string;
}

/** Tensors before and after many swaps, and where the counts come from. */
export interface Tensors {
  source: string;
  what: string;
  before: number;
  after: number;
}

/** Everything a run measured, as the table and the JSON report it. */
export interface Measured {
  options: Options;
  plans: Plans;
  backend: string;
  tfThreads: number;
  records: ModelRecords;
  inference: number;
  floorSame: number;
  floorBig: number;
  transport: Transport;
  peer: PeerFigure;
  deliveryModes: boolean;
  e2e: SwapRun;
  shadow: ShadowFigure;
  exactlyOnce: PacedRun | null;
  tensors: Tensors;
}

export const recordBytes = (r: ModelRecord): number => modelCodec.encode(r).length;

function formatNumber(v: number): string {
  if (Number.isInteger(v) || Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function formatRatios(row: Row): string {
  return (row.ratios ?? [])
    .map((r) => (r.value === null ? `n/a (${r.against})` : `${r.value.toFixed(r.value < 0.1 ? 3 : 2)} of ${r.against}`))
    .join('; ');
}

export function printTable(rows: Row[], title: string): void {
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
function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
}

/** The table's rows, in order: ceilings, end to end, hot swaps, delivery modes, memory, requests. */
export function figureRows(m: Measured): Row[] {
  const { options, backend, tfThreads, inference, transport, peer, deliveryModes, e2e, exactlyOnce, tensors } = m;
  const peerRate = 'skipped' in peer ? null : peer.perSecond;
  const served = planName(m.plans.served);
  const bigName = planName(m.plans.big);
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
  const window = `±${SWAP_WINDOW_MS / 1000} s`;
  const rows: Row[] = [
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
      figure: `end to end: predictor on a backlog of ${options.samples}${deliveryModes ? ', at-least-once' : ''}, first batch received to last commit`,
      value: e2e.throughput,
      unit: 'predictions/s',
      ratios: [
        { value: ratio(e2e.throughput, transport.perSecond), against: 'transport' },
        { value: ratio(e2e.throughput, inference), against: 'inference' },
        { value: ratio(e2e.throughput, peerRate), against: 'python peer' },
      ],
    },
    peerRow(peer, options.samples),
    shadowRow(m.shadow, options.samples, e2e.throughput),
    {
      id: 'e2e-latency-p50',
      figure: `end to end latency p50, createdAt -> predictedAt, stream paced at ${options.rate}/s (${e2e.steady.samples} samples)`,
      value: e2e.steady.p50,
      unit: 'ms',
    },
    { id: 'e2e-latency-p99', figure: 'end to end latency p99, same paced stream', value: e2e.steady.p99, unit: 'ms' },
    { id: 'steady-gap', figure: 'longest gap between predictions, same paced stream', value: e2e.steady.gap, unit: 'ms' },
  ];
  for (const [key, name, floor, bytes] of [
    ['same', `v2 ${served}`, m.floorSame, recordBytes(m.records.v2)],
    ['big', `v3 ${bigName}`, m.floorBig, recordBytes(m.records.big)],
  ] as const) {
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
          figure: `end to end throughput, exactly-once, backlog of ${options.samples}, first batch received to last commit`,
          value: exactlyOnce.throughput,
          unit: 'predictions/s',
          ratios: [
            { value: ratio(exactlyOnce.throughput, e2e.throughput), against: 'at-least-once' },
            { value: ratio(exactlyOnce.throughput, transport.perSecond), against: 'transport' },
            { value: ratio(exactlyOnce.throughput, peerRate), against: 'python peer (at-least-once)' },
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
  return rows;
}

/** How the run went, beyond what it measured: for the title and the JSON. */
export interface RunInfo {
  started: number;
  loadAtStart: number;
  backendReason: string;
  ownBroker: boolean;
}

/** The table's title: what ran where, and how busy the machine was. */
export function titleOf(m: Measured, info: RunInfo): string {
  const { options } = m;
  return (
    `hotswap benchmark: ${planName(m.plans.served)} on ${m.backend}, ${options.samples} samples, paced ${options.rate}/s, ` +
    `${os.cpus().length} CPUs (load ${info.loadAtStart.toFixed(1)} at start, ${(os.loadavg()[0] ?? 0).toFixed(1)} at end), ` +
    `Node ${process.versions.node}${options.smoke ? ', smoke' : ''} (one run; compare within it)`
  );
}

/** Writes the run as JSON: the rows (with their first ratio), the environment, the details behind them. */
export function writeResult(m: Measured, info: RunInfo, rows: Row[], title: string): void {
  const { options, records } = m;
  const result = {
    at: new Date().toISOString(),
    seconds: (Date.now() - info.started) / 1000,
    title,
    options: { ...options, json: undefined },
    environment: {
      backend: m.backend,
      backendReason: info.backendReason,
      node: process.versions.node,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      loadAverage1m: { start: info.loadAtStart, end: os.loadavg()[0] ?? 0 },
      brokers: info.ownBroker ? 'own local broker' : 'external (KAFKA_BROKERS)',
      deliveryModes: m.deliveryModes,
    },
    rows: rows.map((r) => ({ ...r, ratio: r.ratios?.[0]?.value ?? null })),
    details: {
      modelRecordBytes: { v1: recordBytes(records.v1), v2: recordBytes(records.v2), big: recordBytes(records.big) },
      loadFloorMs: { same: m.floorSame, big: m.floorBig },
      transport: m.transport,
      predictor: m.e2e,
      exactlyOnce: m.exactlyOnce,
      tensors: m.tensors,
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
