import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO, brokers, tempDir } from './support/services';

/** Every figure the bench reports (bench/src/report.ts), by row id. */
const FIGURES = [
  'inference-ceiling',
  'transport-ceiling',
  'python-peer',
  'e2e-throughput',
  'e2e-throughput-challenger',
  'e2e-latency-p50',
  'e2e-latency-p99',
  'steady-gap',
  'swap-same-time',
  'swap-same-gap',
  'swap-same-p99',
  'swap-big-time',
  'swap-big-gap',
  'swap-big-p99',
  'delivery-exactly-once',
  'memory-rss-before',
  'memory-rss-after',
  'memory-tensors-before',
  'memory-tensors-after',
  'request-reply-p50',
  'request-reply-p99',
  'http-predict-1',
  'http-predict-64',
];

interface Row {
  id: string;
  figure: string;
  value: number | null;
  unit: string;
  note?: string;
}

describe('benchmark harness', function () {
  // The smoke run takes about 45 s on 2 cores; the first one on a machine also installs the Python
  // peer's requirements (a minute or more, from PyPI), hence the limit.
  this.timeout(600_000);
  let child: ChildProcess | undefined;

  afterEach(() => {
    // A timed-out run: SIGTERM lets it stop the services it started.
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });

  it('produces every figure in a smoke run (values are not checked: timings vary)', async () => {
    const json = join(tempDir('bench'), 'bench.json');
    const output: string[] = [];
    child = spawn(process.execPath, [join(REPO, 'bench', 'dist', 'main.js'), '--smoke', '--json', json], {
      cwd: REPO,
      env: { ...process.env, KAFKA_BROKERS: brokers() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    const code = await new Promise<number | null>((resolve) => child?.on('close', (c) => resolve(c)));
    assert.equal(code, 0, output.join(''));

    const result = JSON.parse(readFileSync(json, 'utf8')) as { rows: Row[] };
    // Where Python is, the peer must have run: its figure may be missing only for want of Python.
    const pythonHere = spawnSync('python3', ['--version']).status === 0;
    for (const id of FIGURES) {
      const row = result.rows.find((r) => r.id === id);
      assert.ok(row !== undefined, `figure ${id} missing from ${json}`);
      if (row.value === null && id === 'python-peer' && !pythonHere) {
        assert.match(row.note ?? '', /^skipped: no python3 on this machine/, 'a missing Python is said, not hidden');
      } else if (row.value === null) {
        assert.equal(id, 'delivery-exactly-once', `figure ${id} has no value (${row.note ?? 'no reason'})`);
        assert.match(row.note ?? '', /^n\/a \(.+\)$/, `${id}: n/a needs a reason`);
      } else {
        assert.ok(typeof row.value === 'number' && Number.isFinite(row.value), `figure ${id} is ${String(row.value)}`);
      }
    }
    // The table on stdout has a row per figure.
    const table = output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('| '));
    assert.ok(table.length >= FIGURES.length + 1, `table has ${table.length} lines:\n${table.join('\n')}`);
  });

  it('a bench that cannot start says why in one line and exits 1 (its broker port taken)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, BENCH_KAFKA_PORT: String(port) };
      delete env['KAFKA_BROKERS'];
      const r = spawnSync(
        process.execPath,
        [join(REPO, 'bench', 'dist', 'main.js'), '--smoke', '--json', join(tempDir('bench'), 'x.json')],
        {
          cwd: REPO,
          env,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      assert.equal(r.status, 1, r.stderr);
      const failures = r.stderr.split('\n').filter((l) => l.startsWith('bench: failed'));
      assert.deepEqual(failures, [
        `bench: failed: 127.0.0.1:${port} is taken by another process; the bench's broker needs ${port} and ${port + 1} (BENCH_KAFKA_PORT picks others)`,
      ]);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    } finally {
      server.close();
    }
  });
});
