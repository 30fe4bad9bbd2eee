import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotMessage } from '@hotswap/dashboard/view';
import { KafkaClient, createLogger, type TopicReader } from '@hotswap/shared';
import { ServiceProcess, brokers, isolatedNames, stopStarted, tempDir } from './support/services';
import { setUpSuite } from './support/set-up';

/** CPU seconds a process has used so far (Linux /proc), or null elsewhere. */
function cpuSeconds(pid: number): number | null {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return null;
  // utime and stime, in clock ticks (100 a second on Linux), after the command's closing parenthesis.
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The q-quantile of sorted numbers. */
const quantile = (sorted: number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;

/**
 * The dashboard's lag at the benchmark's full rate: a predictor works through a backlog of
 * SAMPLES samples as fast as it can, and the dashboard reports how long after each prediction's
 * predictedAt it had aggregated it. A bare reader of the same topic in this process gives the
 * lag of the delivery alone, to tell the dashboard's own part (docs/dashboard.md has figures).
 */
describe('dashboard lag at full rate', function () {
  this.timeout(400_000);
  const SAMPLES = Number(process.env['HOTSWAP_LAG_SAMPLES'] ?? 100_000);
  const names = isolatedNames('dashlag');
  const common = { ...names.env };
  let predictor: ServiceProcess | undefined;
  let dashboard: ServiceProcess | undefined;
  let state: SnapshotMessage;
  let dashboardCpu: number | null = null;
  const bareLags: number[] = [];
  let bare: TopicReader | undefined;

  setUpSuite(async () => {
    const data = new ServiceProcess('datagenerator', { ...common, RATE: '0', COUNT: String(SAMPLES), RUN_ID: names.id });
    const models = new ServiceProcess('modelgenerator', { ...common, MODEL_SCHEDULE: 'mlp:64@2000x1', MODEL_INTERVAL_MS: '0' });
    assert.equal(await data.exitCode(300_000), 0, data.lines.join('\n'));
    assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
    dashboard = new ServiceProcess('dashboard', { ...common, DASHBOARD_PORT: '0', DASHBOARD_HOST: '127.0.0.1' });
    const line = await dashboard.waitFor(/dashboard on http:\/\/127\.0\.0\.1:\d+\//);
    const base = /(http:\S+)\/$/.exec(line)?.[1] ?? '';
    // Every prediction is live: the dashboard has read the (empty) prediction topic before the predictor starts.
    await dashboard.waitFor(/read the predictions already on \S+; live from now on/, 120_000);
    const kafka = new KafkaClient(
      { brokers: brokers().split(','), clientId: 'hotswap-test', ssl: false },
      createLogger({ service: 'test-reader', level: 'error' }),
    );
    bare = await kafka.readFromStart(
      names.predictionTopic,
      'hotswap-test-lag',
      async (r) => {
        bareLags.push(Date.now() - (JSON.parse((r.value as Buffer).toString()) as { predictedAt: number }).predictedAt);
      },
      () => undefined,
    );
    const cpuBefore = cpuSeconds(dashboard.pid);
    predictor = new ServiceProcess('predictor', {
      ...common,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('dashlag'), 'p.log'),
      // HOTSWAP_LAG_DELIVERY=at-least-once shows what of the lag is the transactions' (exactly once by default).
      DELIVERY: process.env['HOTSWAP_LAG_DELIVERY'] ?? 'auto',
    });
    const until = Date.now() + 300_000;
    for (;;) {
      state = (await (await fetch(`${base}/api/state`)).json()) as SnapshotMessage;
      if (state.totals.predictions >= SAMPLES || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const cpuAfter = cpuSeconds(dashboard.pid);
    if (cpuBefore !== null && cpuAfter !== null) dashboardCpu = cpuAfter - cpuBefore;
  });

  after(async () => {
    await bare?.disconnect();
    await stopStarted(predictor, dashboard);
  });

  it("aggregates every prediction of the backlog live, with a p99 lag within 3 times a bare reader's of the same topic", () => {
    assert.equal(state.totals.predictions, SAMPLES);
    assert.equal(state.lag.samples, SAMPLES, 'every prediction counted as live');
    const version = state.versions.find((v) => v.predictions > 0);
    const seconds = ((version?.lastAt ?? 0) - (version?.firstAt ?? 0)) / 1000;
    const rate = Math.round(SAMPLES / seconds);
    const { lag } = state;
    const sorted = bareLags.slice().sort((a, b) => a - b);
    process.stderr.write(
      `      dashboard lag while the predictor made ${SAMPLES} predictions at ${rate}/s: p50 ${lag.overallP50Ms} ms, ` +
        `p99 ${lag.overallP99Ms} ms, max ${Math.round(lag.maxMs ?? 0)} ms (over the last 8192: p50 ${lag.p50Ms} ms, p99 ${lag.p99Ms} ms)\n` +
        `      a bare reader of the topic, for the delivery alone: p50 ${quantile(sorted, 0.5)} ms, p99 ${quantile(sorted, 0.99)} ms, ` +
        `max ${sorted.at(-1)} ms over ${sorted.length}` +
        `${dashboardCpu === null ? '' : `\n      the dashboard used ${dashboardCpu.toFixed(1)} s of CPU for them (${Math.round(SAMPLES / dashboardCpu)} predictions per CPU second)`}\n`,
    );
    // Kept up: a dashboard that fell behind would add lag growing with the backlog (tens of seconds); compared, in
    // this run, with what a bare reader of the same topic saw (no absolute time: the machine's speed varies).
    const bareP99 = quantile(sorted, 0.99);
    assert.ok(
      (lag.overallP99Ms ?? Infinity) <= 3 * bareP99,
      `dashboard p99 lag ${lag.overallP99Ms} ms against the bare reader's ${bareP99} ms`,
    );
  });
});
