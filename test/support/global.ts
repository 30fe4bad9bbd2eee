import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

/**
 * Mocha global setup: the integration tests run against a real Kafka broker. With KAFKA_BROKERS
 * set we use that one; otherwise the project's script starts a fresh local broker on
 * TEST_KAFKA_PORT (default 19092, away from a developer's 9092) and stops it afterwards. That broker
 * has the secured listeners too (KAFKA_SECURE=1: SASL_SSL on the port + 2, mTLS on + 3), its user's
 * password known to the tests so they can look for it in everything the services print.
 */
const REPO = join(__dirname, '..', '..', '..');
const KAFKA_SCRIPT = join(REPO, 'scripts', 'kafka', 'kafka.sh');
const PUBSUB_SCRIPT = join(REPO, 'scripts', 'pubsub', 'emulator.sh');
let startedPort: string | undefined;
let startedPubSubPort: string | undefined;

export function mochaGlobalSetup(): void {
  stopOnSignals();
  startPubSubEmulator();
  if (process.env['KAFKA_BROKERS'] !== undefined && process.env['KAFKA_BROKERS'] !== '') {
    process.env['HOTSWAP_TEST_BROKERS'] = process.env['KAFKA_BROKERS'];
    return;
  }
  const port = process.env['TEST_KAFKA_PORT'] ?? '19092';
  process.stderr.write(`starting a fresh local Kafka on 127.0.0.1:${port} for the integration tests\n`);
  const password = `test-secret-${randomBytes(9).toString('hex')}`;
  try {
    execFileSync('bash', [KAFKA_SCRIPT, 'start'], {
      env: { ...process.env, KAFKA_PORT: port, KAFKA_FRESH: '1', KAFKA_SECURE: '1', KAFKA_SASL_PASSWORD: password },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (err) {
    // Not thrown: mocha would then run no test at all. Each test that needs the broker fails with this.
    process.env['HOTSWAP_TEST_BROKERS_FAILURE'] = `the local Kafka for the tests did not start (${(err as Error).message})`;
    return;
  }
  startedPort = port;
  process.env['HOTSWAP_TEST_BROKERS'] = `127.0.0.1:${port}`;
  const cache = resolve(process.env['KAFKA_CACHE_DIR'] ?? join(REPO, '.kafka'));
  process.env['HOTSWAP_TEST_SECURE_DIR'] = join(cache, `run-${port}`, 'secure');
  process.env['HOTSWAP_TEST_SASL_PASSWORD'] = password;
}

/**
 * The Pub/Sub emulator for the TRANSPORT=pubsub tests, on TEST_PUBSUB_PORT (default 18085), unless
 * PUBSUB_EMULATOR_HOST names one already. A failure fails those tests only, with its reason.
 */
function startPubSubEmulator(): void {
  const given = process.env['PUBSUB_EMULATOR_HOST'];
  if (given !== undefined && given !== '') {
    process.env['HOTSWAP_TEST_PUBSUB'] = given;
    return;
  }
  const port = process.env['TEST_PUBSUB_PORT'] ?? '18085';
  try {
    execFileSync('bash', [PUBSUB_SCRIPT, 'start'], {
      env: { ...process.env, PUBSUB_EMULATOR_PORT: port },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch (err) {
    process.env['HOTSWAP_TEST_PUBSUB_FAILURE'] = `the Pub/Sub emulator for the tests did not start (${(err as Error).message})`;
    return;
  }
  startedPubSubPort = port;
  process.env['HOTSWAP_TEST_PUBSUB'] = `127.0.0.1:${port}`;
}

/**
 * Ctrl-C (or a kill) ends mocha without its teardown, and the broker and emulator run in sessions
 * of their own: stop them first, or the next run finds their ports taken.
 */
function stopOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping what the tests started\n`);
      try {
        mochaGlobalTeardown();
      } finally {
        process.exit(code);
      }
    });
  }
}

export function mochaGlobalTeardown(): void {
  if (startedPubSubPort !== undefined) {
    execFileSync('bash', [PUBSUB_SCRIPT, 'stop'], {
      env: { ...process.env, PUBSUB_EMULATOR_PORT: startedPubSubPort },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  if (startedPort === undefined) return;
  execFileSync('bash', [KAFKA_SCRIPT, 'stop'], {
    env: { ...process.env, KAFKA_PORT: startedPort },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
