import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ServiceProcess, isolatedNames, predictionsOf, readTopic, settledValue, stopStarted, tempDir } from './support/services';
import { setUpSuite } from './support/set-up';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function metricsPort(service: ServiceProcess): Promise<number> {
  const line = await service.waitFor(/metrics on :\d+\/metrics/);
  return Number(/metrics on :(\d+)/.exec(line)?.[1]);
}

/** The live accuracy page's service on the pipeline's topics, its metrics on a free port. */
function dashboardOf(env: Record<string, string>): ServiceProcess {
  return new ServiceProcess('dashboard', { ...env, DASHBOARD_PORT: '0', DASHBOARD_HOST: '127.0.0.1', METRICS_PORT: '0' });
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

describe('observability: Prometheus metrics and the accuracy log', function () {
  this.timeout(180_000);
  const names = isolatedNames('obs');
  const common = names.env;
  const logDir = tempDir('obs');
  const logFile = join(logDir, 'predictor.log');
  const SAMPLES = 400;
  let predictor: ServiceProcess;
  let models: ServiceProcess;
  let data: ServiceProcess;
  let prometheus: ChildProcess | undefined;

  setUpSuite(async () => {
    for (const tool of [PROMETHEUS, PROMTOOL]) {
      assert.ok(existsSync(tool), `${tool} is missing: bash scripts/prerequisites.sh installs Debian's prometheus`);
    }
    predictor = new ServiceProcess('predictor', {
      ...common,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: logFile,
      LOG_MAX_BYTES: '2048',
      LOG_MAX_FILES: '4',
      METRICS_PORT: '0',
      // On, so the HTTP API's metrics are exported and checked against the docs like the rest.
      HTTP_PORT: '0',
    });
    await predictor.waitFor(/reading models/);
    // Two versions with a long pause between: the modelgenerator stays up to be scraped.
    models = new ServiceProcess('modelgenerator', {
      ...common,
      MODEL_SCHEDULE: 'mlp:64@6000x2,mlp:64@8000x2',
      MODEL_INTERVAL_MS: '120000',
      METRICS_PORT: '0',
    });
    await models.waitFor(/published fashion-mnist v1/, 120_000);
    data = new ServiceProcess('datagenerator', {
      ...common,
      RATE: '0',
      COUNT: String(SAMPLES),
      RUN_ID: names.id,
      METRICS_PORT: '0',
      UNLABELLED_RATIO: '0.05',
    });
    await readTopic(names.predictionTopic, (r) => r.length >= SAMPLES);
  });

  after(async () => {
    prometheus?.kill('SIGTERM');
    await stopStarted(predictor, models, data);
  });

  it("passes promtool's check of every service's /metrics", async () => {
    // The datagenerator of the pipeline has finished its count; scrape one that keeps running.
    const running = new ServiceProcess('datagenerator', {
      ...common,
      DATA_TOPIC: `${names.dataTopic}.scrape`,
      RATE: '1',
      METRICS_PORT: '0',
    });
    await running.waitFor(/sent|streaming/);
    const page = dashboardOf(common);
    for (const service of [predictor, models, running, page]) {
      const text = await scrape(await metricsPort(service));
      const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(check.status, 0, `${service.service}: ${check.stdout}${check.stderr}`);
      assert.match(text, /process_resident_memory_bytes/);
    }
    assert.deepEqual([await running.stop(), await page.stop()], [0, 0]);
  });

  it('exports every metric the Grafana dashboard, the README and docs/ name', async () => {
    const running = new ServiceProcess('datagenerator', {
      ...common,
      DATA_TOPIC: `${names.dataTopic}.names`,
      RATE: '1',
      METRICS_PORT: '0',
    });
    const page = dashboardOf(common);
    const exported = new Set<string>();
    for (const service of [predictor, models, running, page]) {
      const text = await scrape(await metricsPort(service));
      for (const m of text.matchAll(/^# TYPE (\S+) /gm)) exported.add(m[1] as string);
    }
    assert.deepEqual([await running.stop(), await page.stop()], [0, 0]);
    const REPO_ROOT = join(__dirname, '..', '..');
    const dashboard = readFileSync(join(REPO_ROOT, 'deploy', 'grafana', 'dashboards', 'hotswap.json'), 'utf8');
    const pages = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).map((f) => join('docs', f))].filter((f) => f.endsWith('.md'));
    const docs = pages.map((f) => readFileSync(join(REPO_ROOT, f), 'utf8')).join('\n');
    const named = new Set(
      [...`${dashboard}\n${docs}`.matchAll(/\b((?:hotswap|process|nodejs)_[a-z_]+)/g)].map((m) =>
        (m[1] as string).replace(/_(bucket|sum|count)$/, ''),
      ),
    );
    const missing = [...named].filter((n) => !exported.has(n));
    assert.deepEqual(missing, [], 'named in the dashboard, README.md or docs/*.md but not exported');
    assert.ok(named.size >= 18, `${named.size} metric names found`);
  });

  it('exports the predictor metrics with the values the prediction records give', async () => {
    const predictions = predictionsOf(await readTopic(names.predictionTopic, (r) => r.length >= SAMPLES));
    const last = predictions.at(-1)!;
    const counted = (text: string) =>
      [...text.matchAll(/^hotswap_predictions_total\{[^}]*outcome="(\w+)"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[2]), 0);
    // A batch is counted once its commit has returned, a moment after a reader may see its records.
    const port = await metricsPort(predictor);
    const text = await settledValue(
      () => scrape(port),
      (t) => counted(t) >= SAMPLES,
    );
    const accuracy = Number(/^hotswap_accuracy_ratio\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    assert.equal(accuracy, last.accuracy);
    assert.equal(counted(text), SAMPLES);
    for (const name of [
      'hotswap_accuracy_window_ratio',
      'hotswap_model_accuracy_ratio',
      'hotswap_prediction_latency_seconds_bucket',
      'hotswap_batch_size_bucket',
      'hotswap_model_swaps_total',
      'hotswap_model_load_seconds_bucket',
      'hotswap_serving_model_info',
      'hotswap_consumer_lag_records',
    ]) {
      assert.match(text, new RegExp(`^${name}`, 'm'), `${name} is exported`);
    }
  });

  it('is scraped by a real Prometheus, whose API gives the accuracy the records give', async () => {
    const port = await metricsPort(predictor);
    const webPort = await freePort();
    const dir = tempDir('prometheus');
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: predictor\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
      ],
      { stdio: 'ignore' },
    );
    const predictions = predictionsOf(await readTopic(names.predictionTopic, (r) => r.length >= SAMPLES));
    const expected = predictions.at(-1)!.accuracy;
    let seen: string | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(
          `http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent('hotswap_accuracy_ratio{job="predictor"}')}`,
        );
        const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
        seen = body.data?.result?.[0]?.value[1];
        if (seen !== undefined) break;
      } catch {
        // Prometheus is still starting.
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(seen !== undefined, 'Prometheus returned no hotswap_accuracy_ratio series within 60 s');
    assert.equal(Number(seen), expected);
  });

  it('rotates the accuracy log at its size limit and keeps every accuracy line', async () => {
    await predictor.stop();
    const files = readdirSync(logDir).filter((f) => f.startsWith('predictor'));
    assert.ok(files.length >= 2, `rotated into ${files.join(', ')}`);
    // winston checks the size between writes, so a file may pass the limit by the lines in flight.
    for (const f of files) assert.ok(statSync(join(logDir, f)).size <= 2048 + 512, `${f} is ${statSync(join(logDir, f)).size} bytes`);
    const lines = files.flatMap((f) => readFileSync(join(logDir, f), 'utf8').trim().split('\n'));
    const counts = lines.map((l) => Number(/predictions=(\d+)/.exec(l)?.[1])).sort((a, b) => a - b);
    assert.deepEqual(
      counts,
      Array.from({ length: SAMPLES / 10 }, (_, i) => (i + 1) * 10),
    );
  });
});
