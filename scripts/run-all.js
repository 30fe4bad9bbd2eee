#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm start`: runs datagenerator, modelgenerator, predictor and dashboard in one terminal, each line
 * prefixed with its service. Without KAFKA_BROKERS it starts the local Kafka (scripts/kafka)
 * first and stops it again on exit, unless it was already running. Ctrl-C stops everything.
 */
const { spawn, spawnSync } = require('node:child_process');
const { join } = require('node:path');

const REPO = join(__dirname, '..');
const KAFKA = join(REPO, 'scripts', 'kafka', 'kafka.sh');
const SERVICES = ['predictor', 'modelgenerator', 'datagenerator', 'dashboard'];
const COLORS = { predictor: 36, modelgenerator: 35, datagenerator: 33, dashboard: 34, kafka: 32 };
const tty = process.stdout.isTTY;

/** @param {string} name @param {string} line */
function print(name, line) {
  const tag = name.padEnd(14);
  process.stdout.write(tty ? `\x1b[${COLORS[/** @type {keyof typeof COLORS} */ (name)]}m${tag}\x1b[0m| ${line}\n` : `${tag}| ${line}\n`);
}

let ownKafka = false;
const env = { ...process.env };
if (!env.KAFKA_BROKERS) {
  const port = env.KAFKA_PORT || '9092';
  const wasRunning = spawnSync('bash', [KAFKA, 'status'], { env, stdio: 'ignore' }).status === 0;
  print('kafka', wasRunning ? `using the local Kafka already running on 127.0.0.1:${port}` : `starting a local Kafka on 127.0.0.1:${port}`);
  const started = spawnSync('bash', [KAFKA, 'start'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (started.status !== 0) {
    print('kafka', 'could not start the local Kafka (see above); set KAFKA_BROKERS to use another broker');
    process.exit(1);
  }
  ownKafka = !wasRunning;
  env.KAFKA_BROKERS = `127.0.0.1:${port}`;
}

/** @type {Map<string, import('node:child_process').ChildProcess>} */
const children = new Map();
let stopping = false;
let failed = false;

for (const service of SERVICES) {
  // detached: a terminal's Ctrl-C reaches only us; we pass one SIGTERM on, not a second signal.
  const child = spawn(process.execPath, [join(REPO, service, 'dist', 'main.js')], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.set(service, child);
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) print(service, line);
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(service);
    if (code !== 0 && !stopping) failed = true;
    print(service, `exited ${signal ?? code}`);
    if (code !== 0 && !stopping) stopAll();
    if (children.size === 0) finish();
  });
}

function stopAll() {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  // A service that does not stop in 20 s is killed, so Ctrl-C always ends the run.
  setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 20_000).unref();
}

function finish() {
  if (ownKafka) {
    print('kafka', 'stopping the local Kafka');
    spawnSync('bash', [KAFKA, 'stop'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  process.exit(failed ? 1 : 0);
}

process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
