import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry } from '@hotswap/shared';
import { REPO } from './support/services';
import { setUpSuite } from './support/set-up';

/**
 * The deploy artifacts (compose files, Dockerfiles, Prometheus and Grafana provisioning), checked
 * without a Docker engine: the real Compose implementation and promtool validate what they can,
 * and the rest is read as a user's tools would read it. No Kafka needed.
 */

/** The tools, by absolute path: a missing tool fails the test and names its Debian package. */
const TOOLS = {
  compose: { path: '/usr/bin/docker-compose', apt: 'docker-compose' },
  promtool: { path: '/usr/bin/promtool', apt: 'prometheus' },
  // Turns Compose's YAML output into JSON; python3-yaml is a dependency of docker-compose.
  python: { path: '/usr/bin/python3', apt: 'python3-yaml' },
} as const;
const INSTALL = 'bash scripts/prerequisites.sh';

function tool(name: keyof typeof TOOLS): string {
  const t = TOOLS[name];
  assert.ok(existsSync(t.path), `${t.path} is missing: install the Debian package ${t.apt} (or all of them: ${INSTALL})`);
  return t.path;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const r = spawnSync(file, args, { cwd: REPO, encoding: 'utf8', timeout: 60_000, input: options.input, env: options.env ?? process.env });
  if (r.error !== undefined) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Parses YAML with the library docker-compose itself uses. */
function yamlToJson(text: string): unknown {
  const py = tool('python');
  const r = run(py, ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: text });
  assert.equal(r.status, 0, `python3 could not parse the YAML (install python3-yaml): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// ---- docker compose ------------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string; network?: string };
  container_name?: string;
  ports?: unknown[];
  expose?: (string | number)[];
  environment?: Record<string, string | number | null>;
  volumes?: (string | { type: string; source: string; target: string })[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string | string[] };
}
interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Compose settings from the caller's environment would override .env; a user's shell has none. */
function composeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('COMPOSE_')) delete env[k];
  return env;
}

function composeConfig(args: string[]): ComposeConfig {
  const r = run(tool('compose'), [...args, 'config'], { env: composeEnv() });
  assert.equal(r.status, 0, `docker-compose ${[...args, 'config'].join(' ')} failed:\n${r.stderr}`);
  return yamlToJson(r.stdout) as ComposeConfig;
}

/** A volume entry as `source:target`, whichever syntax Compose printed. */
function volumeMount(v: string | { source: string; target: string }): { source: string; target: string } {
  if (typeof v !== 'string') return { source: v.source, target: v.target };
  const [source, target] = v.split(':') as [string, string];
  return { source, target };
}

const APP_SERVICES = ['datagenerator', 'modelgenerator', 'predictor', 'dashboard'] as const;
const METRICS_PORTS = { datagenerator: 9466, modelgenerator: 9465, predictor: 9464, dashboard: 9467 } as const;

describe('deploy: docker compose files', () => {
  let all: ComposeConfig;
  setUpSuite(() => {
    // As a user runs it: plain `docker-compose config` in the repo root, which reads .env.
    all = composeConfig([]);
  });

  it('.env makes plain `docker compose` use the Kafka file and the system file', () => {
    const env = readFileSync(join(REPO, '.env'), 'utf8');
    assert.match(env, /^COMPOSE_FILE=docker-compose\.kafka\.yml:docker-compose\.yml$/m);
  });

  it('the merged config has Kafka, the four services, Prometheus and Grafana', () => {
    for (const name of ['kafka', 'datagenerator', 'modelgenerator', 'predictor', 'dashboard', 'prometheus', 'grafana']) {
      assert.ok(all.services[name] !== undefined, `service ${name} missing; services: ${Object.keys(all.services).join(', ')}`);
    }
  });

  it('docker-compose.kafka.yml alone is Kafka alone', () => {
    const kafkaOnly = composeConfig(['-f', 'docker-compose.kafka.yml']);
    assert.deepEqual(Object.keys(kafkaOnly.services), ['kafka']);
  });

  it('Kafka: apache/kafka 3.9.1 in KRaft mode, reachable as kafka:19092 and localhost:9092, with a healthcheck and a data volume', () => {
    const kafka = all.services['kafka'] as ComposeService;
    assert.equal(kafka.image, 'apache/kafka:3.9.1');
    const env = kafka.environment ?? {};
    assert.equal(env['KAFKA_PROCESS_ROLES'], 'broker,controller');
    assert.match(String(env['KAFKA_ADVERTISED_LISTENERS']), /\/\/kafka:19092/);
    assert.match(String(env['KAFKA_ADVERTISED_LISTENERS']), /\/\/localhost:9092/);
    assert.match(String(env['CLUSTER_ID']), /^[A-Za-z0-9_-]{22}$/);
    for (const k of [
      'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR',
    ]) {
      assert.equal(String(env[k]), '1', k);
    }
    assert.equal(String(env['KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS']), '0');
    assert.match(JSON.stringify(kafka.ports), /9092/);
    assert.match(JSON.stringify(kafka.healthcheck?.test), /kafka:19092/);
    const data = (kafka.volumes ?? []).map(volumeMount).find((v) => v.target === env['KAFKA_LOG_DIRS']);
    assert.ok(data !== undefined && Object.keys(all.volumes ?? {}).includes(data.source), 'KAFKA_LOG_DIRS is on a named volume');
  });

  for (const name of APP_SERVICES) {
    it(`${name}: built from the repo root as the Dockerfile's ${name} target, on kafka:19092 once Kafka is healthy`, () => {
      const svc = all.services[name] as ComposeService;
      assert.equal(svc.build?.context, REPO);
      assert.equal(svc.build?.dockerfile ?? 'Dockerfile', 'Dockerfile');
      assert.equal(svc.build?.target, name);
      assert.equal(svc.build?.network, 'host', 'build steps fetch packages over the host network');
      assert.equal(svc.environment?.['KAFKA_BROKERS'], 'kafka:19092');
      assert.equal(String(svc.environment?.['METRICS_PORT']), String(METRICS_PORTS[name]));
      assert.ok(svc.depends_on !== undefined && !Array.isArray(svc.depends_on), 'depends_on with conditions');
      assert.equal(svc.depends_on['kafka']?.condition, 'service_healthy');
      assert.equal(svc.container_name, undefined);
    });
  }

  it('predictor scales: no container_name, no published port, metrics and HTTP API exposed inside the network only', () => {
    const predictor = all.services['predictor'] as ComposeService;
    assert.equal(predictor.container_name, undefined);
    assert.equal(predictor.ports, undefined, `published ports would clash with --scale: ${JSON.stringify(predictor.ports)}`);
    assert.ok((predictor.expose ?? []).map(String).includes('9464'));
    assert.ok((predictor.expose ?? []).map(String).includes('8501'));
    assert.equal(String(predictor.environment?.['HTTP_PORT']), '8501');
  });

  it('dashboard: its page published on this machine only, on 8080', () => {
    // Compose v1 prints the short syntax, v2 the long one.
    const ports = (all.services['dashboard']?.ports ?? []).map((p) =>
      typeof p === 'string' ? p : (({ host_ip, published, target }) => `${host_ip}:${published}:${target}`)(p as Record<string, unknown>),
    );
    assert.equal(ports.length, 1, JSON.stringify(ports));
    assert.match(ports[0] ?? '', /^127\.0\.0\.1:8080:8080(\/tcp)?$/);
  });

  it('predictor writes its accuracy log into ./logs on the host', () => {
    const predictor = all.services['predictor'] as ComposeService;
    assert.equal(predictor.environment?.['LOG_FILE'], '/app/logs/predictor-{hostname}.log');
    const mounts = (predictor.volumes ?? []).map(volumeMount);
    assert.ok(
      mounts.some((m) => m.source === join(REPO, 'logs') && m.target === '/app/logs'),
      `no ./logs:/app/logs bind mount in ${JSON.stringify(mounts)}`,
    );
  });

  it('Prometheus on host port 9090 and Grafana on 3000, with their provisioning mounted', () => {
    assert.match(JSON.stringify(all.services['prometheus']?.ports), /"published":"?9090"?,"target":"?9090"?|9090:9090/);
    assert.match(JSON.stringify(all.services['grafana']?.ports), /"published":"?3000"?,"target":"?3000"?|3000:3000/);
    const prom = (all.services['prometheus']?.volumes ?? []).map(volumeMount);
    assert.ok(
      prom.some((m) => m.source === join(REPO, 'deploy/prometheus/prometheus.yml') && m.target === '/etc/prometheus/prometheus.yml'),
    );
    const grafana = all.services['grafana'] as ComposeService;
    const mounts = (grafana.volumes ?? []).map(volumeMount);
    assert.ok(mounts.some((m) => m.source === join(REPO, 'deploy/grafana/provisioning') && m.target === '/etc/grafana/provisioning'));
    const dashboards = mounts.find((m) => m.source === join(REPO, 'deploy/grafana/dashboards'));
    assert.ok(dashboards !== undefined, 'dashboards folder mounted');
    // The provider reads the folder where compose mounts it, and the home dashboard is in it.
    const provider = yamlToJson(readFileSync(join(REPO, 'deploy/grafana/provisioning/dashboards/dashboards.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    assert.equal(provider.providers[0]?.options.path, dashboards.target);
    assert.equal(grafana.environment?.['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'], `${dashboards.target}/hotswap.json`);
  });
});

// ---- Prometheus ----------------------------------------------------------------------------------

describe('deploy: Prometheus configuration', () => {
  it('passes promtool check config', () => {
    const r = run(tool('promtool'), ['check', 'config', 'deploy/prometheus/prometheus.yml']);
    assert.equal(r.status, 0, `promtool check config failed:\n${r.stdout}${r.stderr}`);
  });

  it('scrapes every predictor replica through Docker DNS, and the two generators, every 5 s', () => {
    const cfg = yamlToJson(readFileSync(join(REPO, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      global: { scrape_interval: string };
      scrape_configs: {
        job_name: string;
        dns_sd_configs?: { names: string[]; type: string; port: number }[];
        static_configs?: { targets: string[] }[];
      }[];
    };
    assert.equal(cfg.global.scrape_interval, '5s');
    const job = (name: string) => cfg.scrape_configs.find((j) => j.job_name === name);
    assert.deepEqual(job('predictor')?.dns_sd_configs, [{ names: ['predictor'], type: 'A', port: 9464, refresh_interval: '5s' }]);
    assert.deepEqual(job('modelgenerator')?.static_configs, [{ targets: ['modelgenerator:9465'] }]);
    assert.deepEqual(job('datagenerator')?.static_configs, [{ targets: ['datagenerator:9466'] }]);
  });
});

// ---- Grafana -------------------------------------------------------------------------------------

interface Target {
  expr?: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  annotations: { list: { name: string; enable: boolean; expr?: string; datasource?: { uid?: string } }[] };
}

/** The metric names the services export (see the brief in each service's metrics), by type. */
const HOTSWAP_METRICS: Record<string, 'counter' | 'gauge' | 'histogram'> = {
  hotswap_predictions_total: 'counter',
  hotswap_accuracy_ratio: 'gauge',
  hotswap_accuracy_window_ratio: 'gauge',
  hotswap_model_accuracy_ratio: 'gauge',
  hotswap_prediction_latency_seconds: 'histogram',
  hotswap_batch_size: 'histogram',
  hotswap_model_swaps_total: 'counter',
  hotswap_model_load_seconds: 'histogram',
  hotswap_model_swap_seconds: 'histogram',
  hotswap_model_rejections_total: 'counter',
  hotswap_deadletter_records_total: 'counter',
  hotswap_serving_model_info: 'gauge',
  hotswap_consumer_lag_records: 'gauge',
  hotswap_models_published_total: 'counter',
  hotswap_training_accuracy_ratio: 'gauge',
  hotswap_training_loss: 'gauge',
  hotswap_model_heldout_accuracy_ratio: 'gauge',
  hotswap_samples_produced_total: 'counter',
};

/** The series names Prometheus stores for the exported metrics (histograms become three). */
async function knownSeriesNames(): Promise<Set<string>> {
  // prom-client's default metrics, as the services' registry really exports them.
  const defaults = (await createRegistry('deploy-test').getMetricsAsJSON()).map((m) => [m.name, String(m.type)] as const);
  const names = new Set<string>();
  for (const [name, type] of [...Object.entries(HOTSWAP_METRICS), ...defaults]) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

const PROMQL_KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/** Metric names a PromQL expression reads: identifiers that are not functions, keywords or label names. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range and subquery windows
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(after) || PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue; // a function or an operator
    if (/\d$/.test(bare.slice(0, m.index ?? 0)) || /^e\d/i.test(m[0])) continue; // part of a number such as 1e3
    names.add(m[0]);
  }
  return [...names];
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

describe('deploy: Grafana dashboard and provisioning', () => {
  const dashboard = JSON.parse(readFileSync(join(REPO, 'deploy/grafana/dashboards/hotswap.json'), 'utf8')) as Dashboard;
  const panels = allPanels(dashboard.panels);
  const queries = [
    ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr ?? '' }))),
    ...dashboard.annotations.list.filter((a) => a.expr !== undefined).map((a) => ({ where: `annotation "${a.name}"`, expr: a.expr ?? '' })),
  ];
  const titled = (pattern: RegExp): Panel => {
    const p = panels.find((x) => x.type !== 'row' && pattern.test(x.title));
    assert.ok(p !== undefined, `no panel titled ${pattern}; titles: ${panels.map((x) => x.title).join(' | ')}`);
    return p;
  };
  const exprs = (p: Panel) => (p.targets ?? []).map((t) => t.expr ?? '');

  it('reads metric names out of PromQL (self-check of the extractor)', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.9, sum by (le, instance) (rate(a_bucket{job="x",le!="1e3"}[1m] offset 5m))) / on(instance) group_left b > 1e3',
      ),
      ['a_bucket', 'b'],
    );
    assert.deepEqual(metricNames('sum without (outcome) (increase(c_total[5m:1m])) or vector(0)'), ['c_total']);
  });

  it('every PromQL expression parses (promtool check rules)', () => {
    assert.ok(queries.length >= 10, `only ${queries.length} queries found`);
    const dir = mkdtempSync(join(tmpdir(), 'hotswap-deploy-'));
    try {
      const rules = { groups: [{ name: 'dashboard', rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr })) }] };
      writeFileSync(join(dir, 'rules.yml'), JSON.stringify(rules)); // JSON is YAML
      const r = run(tool('promtool'), ['check', 'rules', join(dir, 'rules.yml')]);
      assert.equal(r.status, 0, `promtool rejects a dashboard query:\n${r.stdout}${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses only metrics the services export', async () => {
    const known = await knownSeriesNames();
    const unknown = queries.flatMap((q) =>
      metricNames(q.expr)
        .filter((n) => !known.has(n))
        .map((n) => `${n} (${q.where}: ${q.expr})`),
    );
    assert.deepEqual(unknown, []);
  });

  it('opens with accuracy over time per model version, overall and windowed', () => {
    const accuracy = titled(/accuracy per model version/i);
    const all = exprs(accuracy).join('\n');
    for (const metric of ['hotswap_model_accuracy_ratio', 'hotswap_accuracy_ratio', 'hotswap_accuracy_window_ratio']) {
      assert.ok(metricNames(all).includes(metric), `${metric} not in the accuracy panel`);
    }
    assert.match(all, /by \((model, version|version, model)\)/);
    // The first graph from the top is the accuracy graph.
    const graphs = dashboard.panels
      .filter((p) => p.type === 'timeseries')
      .sort((a, b) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x);
    assert.equal(graphs[0]?.id, accuracy.id);
  });

  it('marks each model swap with an annotation', () => {
    const swap = dashboard.annotations.list.find((a) => a.enable && a.expr !== undefined && /hotswap_model_swaps_total/.test(a.expr));
    assert.ok(swap !== undefined, 'no enabled annotation on hotswap_model_swaps_total');
    assert.match(swap.expr ?? '', /changes\(hotswap_model_swaps_total\[/);
  });

  it('has predictions per second, latency percentiles and consumer lag', () => {
    assert.ok(exprs(titled(/predictions per second/i)).some((e) => /rate\(hotswap_predictions_total\[/.test(e)));
    const latency = exprs(titled(/latency/i));
    for (const q of ['0.5', '0.9', '0.99']) {
      assert.ok(
        latency.some((e) => e.includes(`histogram_quantile(${q},`) && e.includes('hotswap_prediction_latency_seconds_bucket')),
        `no p${Number(q) * 100} latency`,
      );
    }
    assert.ok(exprs(titled(/lag/i)).some((e) => e.includes('hotswap_consumer_lag_records')));
  });

  it('queries the provisioned Prometheus data source, and panel ids are unique', () => {
    const ds = yamlToJson(readFileSync(join(REPO, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
      datasources: { uid: string; url: string; type: string }[];
    };
    const source = ds.datasources[0];
    assert.equal(source?.type, 'prometheus');
    assert.equal(source?.url, 'http://prometheus:9090');
    for (const p of panels.filter((x) => x.type !== 'row')) {
      assert.equal(p.datasource?.uid, source?.uid, `panel "${p.title}" data source`);
    }
    for (const a of dashboard.annotations.list.filter((x) => x.expr !== undefined)) assert.equal(a.datasource?.uid, source?.uid);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate panel ids');
  });
});

// ---- Dockerfiles ---------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, with line continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full === '') continue;
    const m = /^(\S+)\s*(.*)$/.exec(full) as RegExpExecArray;
    out.push({ op: (m[1] as string).toUpperCase(), args: m[2] as string });
  }
  return out;
}

function stages(ins: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const i of ins) {
    if (i.op === 'FROM') out.push([]);
    out[out.length - 1]?.push(i);
  }
  return out;
}

/** The HEALTHCHECK's command in exec form; Docker reads anything that is not JSON as a shell line. */
function healthcheckCommand(stage: Instruction[]): string[] {
  const hc = stage.find((i) => i.op === 'HEALTHCHECK');
  assert.ok(hc !== undefined, 'no HEALTHCHECK in the final stage');
  const m = /\bCMD\s+(\[.*\])\s*$/.exec(hc.args);
  assert.ok(m !== null, `HEALTHCHECK is not in exec form: ${hc.args}`);
  try {
    return JSON.parse(m[1] as string) as string[];
  } catch (e) {
    assert.fail(`HEALTHCHECK CMD is not a JSON array, so Docker would run it as a shell line (${(e as Error).message}): ${m[1]}`);
  }
}

/** Serves `status` on every path of a local port; resolves with the port. */
async function serve(status: number): Promise<{ port: number; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(status);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

function runProbe(command: string[], port: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file === 'node' ? process.execPath : file, args, {
      env: { ...process.env, METRICS_PORT: String(port), HEALTH_PATH: '/metrics' },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('deploy: Dockerfiles', () => {
  const dockerignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n');

  it('.dockerignore keeps host node_modules, dist, caches, the bench venv, logs and .git out of the build context', () => {
    for (const entry of ['**/node_modules', '**/dist', '.kafka', '.pubsub', '.cache', '**/.venv', 'logs', '.git']) {
      assert.ok(dockerignore.includes(entry), `.dockerignore lacks ${entry}`);
    }
  });

  const ins = instructions(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  const all = stages(ins);
  const named = (name: string) => all.find((stage) => new RegExp(`\\sAS\\s+${name}$`, 'i').test(stage[0]?.args ?? ''));
  const build = named('build');
  const runtime = named('runtime');
  const runs = (stage: Instruction[] | undefined) => (stage ?? []).filter((i) => i.op === 'RUN').map((i) => i.args);

  it('one build stage on node:20-bookworm for all four services, a runtime stage on node:20-bookworm-slim', () => {
    assert.match(build?.[0]?.args ?? '', /^node:20-bookworm\s+AS\s+build$/i);
    assert.match(runtime?.[0]?.args ?? '', /^node:20-bookworm-slim\s+AS\s+runtime$/i);
    assert.equal(all.filter((stage) => /^node:20-bookworm\s/i.test(stage[0]?.args ?? '')).length, 1, 'one build stage');
  });

  it('installs with npm ci, builds native TensorFlow, compiles the services, and keeps production dependencies only', () => {
    const steps = runs(build).join('\n');
    assert.match(steps, /npm ci\b/);
    assert.match(steps, /tsc -b datagenerator modelgenerator predictor/);
    assert.match(steps, /npm prune --omit=dev/);
    assert.match(steps, /scripts\/tfjs-native\.sh/);
    // Nothing of the build stage's compilers reaches the runtime: it starts from the slim image.
    assert.equal(runs(runtime).filter((r) => /apt-get|npm (ci|install)/.test(r)).length, 0);
  });

  it('never copies node_modules or build output from the host', () => {
    for (const copy of ins.filter((i) => (i.op === 'COPY' || i.op === 'ADD') && !/--from=/.test(i.args))) {
      assert.doesNotMatch(copy.args, /node_modules|(^|[\s/])dist(\/|\s|$)/, `${copy.op} ${copy.args}`);
      // A whole-context copy would bring them along if .dockerignore ever lost them.
      assert.doesNotMatch(copy.args, /^(--\S+\s+)*\.\/?\s/, `${copy.op} ${copy.args} copies the whole context`);
    }
  });

  it('the runtime runs as a non-root user from /app', () => {
    const user = (runtime ?? []).filter((i) => i.op === 'USER').pop();
    assert.ok(user !== undefined, 'no USER in the runtime stage: it would run as root');
    assert.doesNotMatch(user.args, /^(root|0)(:|$)/);
    assert.equal((runtime ?? []).filter((i) => i.op === 'WORKDIR').pop()?.args, '/app');
  });

  it('has a HEALTHCHECK that passes on 200 and fails on 503 or no answer', async function () {
    this.timeout(30_000);
    const command = healthcheckCommand(runtime ?? []);
    assert.equal(command[0], 'node', 'slim images have no curl: the probe is node');
    for (const [status, expected] of [
      [200, 0],
      [503, 1],
    ] as const) {
      const { port, server } = await serve(status);
      try {
        assert.equal(await runProbe(command, port), expected, `probe exit code when the service answers ${status}`);
      } finally {
        server.close();
      }
    }
    const { port, server } = await serve(200);
    await new Promise((resolve) => server.close(resolve));
    assert.equal(await runProbe(command, port), 1, 'probe exit code when nothing listens');
  });

  for (const service of APP_SERVICES) {
    it(`${service}: a target on the runtime stage, with its metrics port, health path and command`, () => {
      const stage = named(service);
      assert.ok(stage !== undefined, `no stage named ${service}`);
      assert.match(stage[0]?.args ?? '', new RegExp(`^runtime\\s+AS\\s+${service}$`, 'i'));
      const env = stage
        .filter((i) => i.op === 'ENV')
        .map((i) => i.args)
        .join(' ');
      assert.match(env, new RegExp(`METRICS_PORT=${METRICS_PORTS[service]}\\b`));
      if (service === 'predictor')
        assert.match(env, /HEALTH_PATH=\/healthz/, 'the predictor is healthy once it serves, not once it listens');
      assert.deepEqual(JSON.parse(stage.filter((i) => i.op === 'CMD').pop()?.args ?? 'null'), ['node', `${service}/dist/main.js`]);
    });
  }
});
