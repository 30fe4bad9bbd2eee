import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { constants, accessSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, type PredictionLike } from '../support/services';
import { consoleConsumer, containers, docker, dockerOk, predictorGet, waitFor, type Container } from './engine';

/**
 * The whole system the way its users run it: the repository's compose files, unchanged, on a real
 * Docker engine (npm run compose:test; scripts/docker/compose-test.sh sets the engine up). One story
 * in order: Kafka alone, then the system with three predictors, a replica killed, down, up again.
 */

const REPLICAS = 3;
const PROMETHEUS = 'http://127.0.0.1:9090';
const LOGS = join(REPO, 'logs');
// Two small versions in about a minute, instead of the default schedule's CNN (many minutes).
const USER_ENV = { MODEL_SCHEDULE: 'quick' };

/** Figures printed at the end, for the README and the issue's note. */
const figures: Record<string, string | number> = {};

/** The services `up` starts: all but Grafana, which no reachable registry has. */
const SERVICES = ['kafka', 'datagenerator', 'modelgenerator', 'predictor', 'prometheus', 'dashboard'];

/** A prediction record, with where its sample was read from. */
interface Prediction extends PredictionLike {
  source: { topic: string; partition: number; offset: string };
}

async function predictions(extra: string[] = []): Promise<Prediction[]> {
  const lines = await consoleConsumer(
    'streaming.prediction',
    ['--isolation-level', 'read_committed', '--timeout-ms', '15000', ...extra],
    180_000,
  );
  return lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Prediction);
}

async function prometheus(
  path: string,
  params: Record<string, string>,
): Promise<{ status: string; data: { result: unknown[]; activeTargets?: unknown[] } }> {
  const res = await fetch(`${PROMETHEUS}${path}?${new URLSearchParams(params).toString()}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: unknown[] } };
  assert.equal(body.status, 'success', `Prometheus ${path} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
  return body;
}

/** Every PromQL expression in a Grafana dashboard (panel targets and annotations). */
function dashboardExpressions(dashboard: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') found.push(value);
        else walk(value);
      }
    }
  };
  walk(dashboard);
  return found;
}

function describeContainers(list: Container[]): string {
  return list
    .map((c) => `${c.Name} ${c.State}${c.Health ? `/${c.Health}` : ''}${c.State === 'exited' ? ` (${c.ExitCode})` : ''}`)
    .join(', ');
}

/** Running and healthy where the image has a healthcheck; one-shot services done with exit 0. */
function ready(c: Container): boolean {
  if (c.State === 'exited') return c.ExitCode === 0 && (c.Service === 'logs-permissions' || c.Service === 'modelgenerator');
  return c.State === 'running' && (c.Health === '' || c.Health === 'healthy');
}

async function servingVersions(): Promise<(number | null)[]> {
  const versions: (number | null)[] = [];
  for (let i = 1; i <= REPLICAS; i++) {
    const status = (await predictorGet(i, '/v1/models/fashion-mnist').catch(() => undefined)) as
      { serving_version?: number | null } | undefined;
    versions.push(status?.serving_version ?? null);
  }
  return versions;
}

const DATA_PARTITIONS = 6;

/** Which consumer of the predictors' group owns each data partition (kafka-consumer-groups.sh). */
async function dataPartitionOwners(): Promise<Map<number, string>> {
  const out = await dockerOk([
    'compose',
    'exec',
    '-T',
    'kafka',
    '/opt/kafka/bin/kafka-consumer-groups.sh',
    '--bootstrap-server',
    'kafka:19092',
    '--describe',
    '--group',
    'hotswap-predictor',
  ]);
  const owners = new Map<number, string>();
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
    if (cols[1] === 'queueing.data' && cols[6] !== undefined && cols[6] !== '-') owners.set(Number(cols[2]), cols[6]);
  }
  return owners;
}

/** (partition, offset) of every record on the data topic, read to its end. */
async function dataRecords(): Promise<string[]> {
  const lines = await consoleConsumer(
    'queueing.data',
    ['--timeout-ms', '15000', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.value=false'],
    180_000,
  );
  return lines
    .map((l) => /Partition:(\d+)\s+Offset:(\d+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}:${m[2]}`);
}

describe('docker compose up, as users run it (real engine, the repository compose files unchanged)', function () {
  let startedAt = 0;
  let latestVersion = 0;

  after(async function () {
    this.timeout(180_000);
    const down = await docker(['compose', 'down', '--volumes', '--remove-orphans'], { timeoutMs: 150_000 });
    if (down.status !== 0) console.error(`cleanup: docker compose down failed: ${down.stderr}`);
    console.log('\ncompose test figures:');
    for (const [k, v] of Object.entries(figures)) console.log(`  ${k}: ${v}`);
  });

  // A step of the story, not a hook: if it fails, it fails alone and the steps after it still run.
  it('starts from nothing: no container, volume or accuracy log of an earlier run', async function () {
    this.timeout(180_000);
    await dockerOk(['compose', 'down', '--volumes', '--remove-orphans'], { timeoutMs: 150_000 });
    // A fresh clone has no ./logs: Docker makes it, and the logs-permissions service opens it.
    const earlier = existsSync(LOGS) ? readdirSync(LOGS).filter((name) => /^predictor-.*\.log/.test(name)) : [];
    for (const name of earlier) rmSync(join(LOGS, name));
    assert.equal((await containers()).length, 0);
  });

  it('Kafka alone first (docker compose -f docker-compose.kafka.yml up -d): healthy, and answers on 127.0.0.1:9092 from the host', async function () {
    this.timeout(240_000);
    const t0 = Date.now();
    await dockerOk(['compose', '-f', 'docker-compose.kafka.yml', 'up', '-d', '--wait', '--wait-timeout', '180'], { timeoutMs: 200_000 });
    figures['Kafka healthy after (s)'] = ((Date.now() - t0) / 1000).toFixed(1);
    const list = await containers();
    assert.deepEqual(
      list.map((c) => `${c.Service} ${c.State} ${c.Health}`),
      ['kafka running healthy'],
    );
    // The EXTERNAL listener through the published port, with the host's own Kafka tools.
    const r = spawnSync('bash', [join(REPO, 'scripts/kafka/kafka.sh'), 'topics', '--bootstrap-server', '127.0.0.1:9092', '--list'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `listing topics on 127.0.0.1:9092 from the host failed: ${r.stderr}`);
  });

  it(`the system (up -d --scale predictor=${REPLICAS}): every container healthy, a one-shot done with exit 0`, async function () {
    this.timeout(480_000);
    startedAt = Date.now();
    await dockerOk(['compose', 'up', '-d', '--scale', `predictor=${REPLICAS}`, ...SERVICES], { env: USER_ENV, timeoutMs: 300_000 });
    const list = await waitFor(
      'every container ready',
      420_000,
      async () => {
        const now = await containers();
        const predictors = now.filter((c) => c.Service === 'predictor');
        return predictors.length === REPLICAS && now.every(ready) ? now : undefined;
      },
      async () => describeContainers(await containers()),
    );
    figures['containers healthy after (s)'] = ((Date.now() - startedAt) / 1000).toFixed(1);
    figures['containers'] = describeContainers(list);
    assert.deepEqual([...new Set(list.map((c) => c.Service))].sort(), [
      'dashboard',
      'datagenerator',
      'kafka',
      'logs-permissions',
      'modelgenerator',
      'predictor',
      'prometheus',
    ]);
  });

  it('the modelgenerator publishes its versions and each of the 3 replicas serves the latest', async function () {
    this.timeout(600_000);
    const logs = await waitFor('the modelgenerator to finish its schedule', 480_000, async () => {
      const out = await dockerOk(['compose', 'logs', '--no-color', 'modelgenerator']);
      return /schedule complete/.test(out) ? out : undefined;
    });
    const published = [...logs.matchAll(/published fashion-mnist v(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(published, [1, 2], `versions published: ${published.join(', ')}`);
    latestVersion = Math.max(...published);
    const versions = await waitFor(
      `every replica serving v${latestVersion}`,
      120_000,
      async () => {
        const v = await servingVersions();
        return v.every((x) => x === latestVersion) ? v : undefined;
      },
      async () => JSON.stringify(await servingVersions()),
    );
    assert.deepEqual(versions, Array(REPLICAS).fill(latestVersion));
  });

  it('predictions are on streaming.prediction (Kafka console consumer in the broker container, read_committed)', async function () {
    this.timeout(300_000);
    const list = await predictions(['--max-messages', '2000']);
    assert.ok(list.length >= 100, `only ${list.length} committed predictions`);
    for (const p of list.slice(0, 100)) {
      assert.match(p.sampleId, /\S/);
      assert.equal(p.model.name, 'fashion-mnist');
      assert.ok(p.count >= 1 && p.accuracy !== null && p.accuracy >= 0 && p.accuracy <= 1, JSON.stringify(p));
    }
    const first = list.reduce((a, p) => Math.min(a, p.predictedAt), Infinity);
    figures['first prediction after up (s)'] = ((first - startedAt) / 1000).toFixed(1);
    figures['predictors seen in the first predictions'] = new Set(list.map((p) => p.predictor)).size;
  });

  it('the live accuracy page answers on 127.0.0.1:8080, its own bundle served, the predictions counted', async function () {
    this.timeout(120_000);
    const state = await waitFor('the dashboard to count predictions', 90_000, async () => {
      try {
        const res = await fetch('http://127.0.0.1:8080/api/state');
        const body = res.ok ? ((await res.json()) as { totals: { predictions: number } }) : undefined;
        return body !== undefined && body.totals.predictions > 0 ? body : undefined;
      } catch {
        return undefined; // not listening yet
      }
    });
    const page = await fetch('http://127.0.0.1:8080/');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1|localhost)[^"' ]+\.(js|css)/, 'no script or style from another host');
    figures['dashboard: predictions counted'] = state.totals.predictions;
  });

  it('Prometheus finds the 3 replicas through Docker DNS and has hotswap_accuracy_ratio for each', async function () {
    this.timeout(120_000);
    await waitFor('3 predictor targets up', 90_000, async () => {
      const body = await prometheus('/api/v1/targets', { state: 'active' });
      const up = (body.data.activeTargets as { labels: { job: string }; health: string }[]).filter(
        (t) => t.labels.job === 'predictor' && t.health === 'up',
      );
      return up.length === REPLICAS ? up : undefined;
    });
    const series = await waitFor('hotswap_accuracy_ratio of 3 instances', 60_000, async () => {
      const body = await prometheus('/api/v1/query', { query: 'hotswap_accuracy_ratio' });
      const instances = new Set((body.data.result as { metric: { instance: string } }[]).map((r) => r.metric.instance));
      return instances.size === REPLICAS ? instances : undefined;
    });
    figures['Prometheus predictor targets'] = [...series].join(' ');
  });

  it('every PromQL query of the Grafana dashboard runs against that Prometheus and returns data', async function () {
    this.timeout(120_000);
    const dashboard: unknown = JSON.parse(readFileSync(join(REPO, 'deploy/grafana/dashboards/hotswap.json'), 'utf8'));
    const expressions = dashboardExpressions(dashboard);
    assert.ok(expressions.length >= 10, `only ${expressions.length} expressions found`);
    // Grafana's own variables, as it fills them for a dashboard over the run so far.
    const end = Date.now() / 1000;
    const start = startedAt / 1000;
    const empty: string[] = [];
    for (const expr of expressions) {
      const query = expr
        .replaceAll('$__rate_interval', '1m')
        .replaceAll('$__interval', '15s')
        .replaceAll('$__range', `${Math.ceil(end - start)}s`);
      const body = await prometheus('/api/v1/query_range', { query, start: String(start), end: String(end), step: '5' });
      if (body.data.result.length === 0) empty.push(expr);
    }
    assert.deepEqual(empty, [], `queries without data over the run: ${empty.join(' | ')}`);
    figures['dashboard queries with data'] = `${expressions.length}/${expressions.length}`;
  });

  it("each replica's accuracy log is under ./logs, readable, one line per 10 predictions", async function () {
    this.timeout(60_000);
    const predictors = (await containers()).filter((c) => c.Service === 'predictor');
    for (const c of predictors) {
      const hostname = (await dockerOk(['inspect', '--format', '{{.Config.Hostname}}', c.Name])).trim();
      const file = join(LOGS, `predictor-${hostname}.log`);
      accessSync(file, constants.R_OK);
      // Others may read it: the user who ran compose need not be the container's uid 1000.
      assert.ok(
        (statSync(file).mode & 0o004) !== 0,
        `${file} is not readable by others (mode ${(statSync(file).mode & 0o777).toString(8)})`,
      );
      const counts = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((line) => {
          const m = /accuracy=(\d\.\d{4}) count=\d+ predictions=(\d+) model=fashion-mnist v\d+$/.exec(line);
          assert.ok(m, `${file}: unexpected line "${line}"`);
          return Number(m[2]);
        });
      assert.ok(counts.length >= 3, `${file} has ${counts.length} lines`);
      counts.forEach((n, i) => assert.equal(n, (i + 1) * 10, `${file} line ${i + 1} is for ${n} predictions`));
    }
  });

  it('a healthy run prints no error line: no container logged one up to here', async function () {
    this.timeout(60_000);
    const logs = await dockerOk(['compose', 'logs', '--no-color']);
    // The services' lines ("<time> predictor error: ...") and the broker's ("[<time>] ERROR ...").
    const errors = logs.split('\n').filter((line) => /\| \S+ \w+ error: |\] ERROR /.test(line));
    assert.deepEqual(errors, [], `${errors.length} error lines`);
    figures['log lines before the kill (none at error)'] = logs.split('\n').length;
  });

  it('killing one predictor (docker kill): the other two take its partitions; no sample lost or predicted twice', async function () {
    this.timeout(600_000);
    const victim = (await containers()).find((c) => c.Service === 'predictor' && c.Name.endsWith(`-${REPLICAS}`));
    assert.ok(victim, 'no third predictor container');
    await dockerOk(['kill', victim.Name]);
    // The group's answer, not a guess: every data partition owned, by the two replicas left.
    const owners = await waitFor(
      'the two replicas left owning every data partition',
      120_000,
      async () => {
        const o = await dataPartitionOwners();
        return o.size === DATA_PARTITIONS && new Set(o.values()).size === REPLICAS - 1 ? o : undefined;
      },
      async () => JSON.stringify([...(await dataPartitionOwners())]),
    );
    figures['partitions after the kill'] = `${owners.size} data partitions, ${new Set(owners.values()).size} consumers`;
    // Then no more samples, so that every one of them can be accounted for.
    await dockerOk(['compose', 'stop', 'datagenerator'], { timeoutMs: 60_000 });
    const data = await dataRecords();
    assert.ok(data.length > 0);
    const predicted = await waitFor(
      `a committed prediction for each of the ${data.length} samples`,
      240_000,
      async () => {
        const list = await predictions();
        return list.length >= data.length ? list : undefined;
      },
      async () => `${(await predictions()).length} predictions`,
    );
    const sources = predicted.map((p) => `${p.source.partition}:${p.source.offset}`);
    const twice = sources.filter((s, i) => sources.indexOf(s) !== i);
    assert.deepEqual(twice, [], `predicted twice: ${twice.slice(0, 10).join(', ')}`);
    const missing = data.filter((d) => !sources.includes(d));
    assert.deepEqual(missing, [], `never predicted: ${missing.slice(0, 10).join(', ')}`);
    figures['samples accounted for after the kill'] = `${data.length} samples, ${predicted.length} predictions, 0 lost, 0 twice`;
  });

  it('docker compose down leaves nothing running; a second up serves the latest model at once', async function () {
    this.timeout(600_000);
    await dockerOk(['compose', 'down'], { timeoutMs: 150_000 });
    const left = await dockerOk(['ps', '--all', '--quiet', '--filter', 'label=com.docker.compose.project=hotswap']);
    assert.equal(left.trim(), '', 'containers left after down');
    // Without the modelgenerator: the latest model must come from the compacted model topic.
    const t0 = Date.now();
    await dockerOk(['compose', 'up', '-d', '--scale', `predictor=${REPLICAS}`, 'kafka', 'datagenerator', 'predictor', 'prometheus'], {
      env: USER_ENV,
      timeoutMs: 300_000,
    });
    const seen = new Set<number>();
    await waitFor(
      `every replica serving v${latestVersion} again`,
      300_000,
      async () => {
        const v = await servingVersions();
        for (const x of v) if (x !== null) seen.add(x);
        return v.every((x) => x === latestVersion) ? v : undefined;
      },
      async () => JSON.stringify(await servingVersions()),
    );
    assert.deepEqual([...seen], [latestVersion], `versions served after the second up: ${[...seen].join(', ')}`);
    figures['second up: every replica serving the latest after (s)'] = ((Date.now() - t0) / 1000).toFixed(1);
  });
});
