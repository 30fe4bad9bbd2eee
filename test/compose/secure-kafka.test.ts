import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../support/services';
import { setUpSuite } from '../support/set-up';
import { docker } from './engine';

/**
 * The README's way to run the system on a secured cluster: docker-compose.secure-kafka.yml with a
 * mounted folder holding client.properties and the CA it names, as container paths. The cluster is
 * this machine's secured local broker (scripts/kafka/kafka.sh, KAFKA_SECURE=1) on 127.0.0.1, so
 * the containers join the host's network for this test only (a file of its own adds that).
 */
const PORT = '39092';
const KAFKA = join(REPO, 'scripts', 'kafka', 'kafka.sh');
const kafkaEnv = { ...process.env, KAFKA_PORT: PORT, KAFKA_SECURE: '1' };

describe('docker compose on a secured Kafka (docker-compose.secure-kafka.yml, a mounted client.properties)', function () {
  this.timeout(300_000);
  let clientDir = '';
  let hostNetwork = '';
  let secure = '';

  setUpSuite(() => {
    execFileSync('bash', [KAFKA, 'start'], { env: { ...kafkaEnv, KAFKA_FRESH: '1' }, stdio: ['ignore', 'ignore', 'inherit'] });
    secure = join(REPO, '.kafka', `run-${PORT}`, 'secure');
    // What a user puts in KAFKA_CLIENT_DIR: the properties in librdkafka's spelling, paths as the containers see them.
    clientDir = tempDir('kafka-client');
    copyFileSync(join(secure, 'ca.pem'), join(clientDir, 'ca.pem'));
    const properties = readFileSync(join(secure, 'sasl-scram.properties'), 'utf8').replace(
      /^ssl\.ca\.location=.*$/m,
      'ssl.ca.location=/etc/hotswap/kafka/ca.pem',
    );
    writeFileSync(join(clientDir, 'client.properties'), properties);
    // Readable by the containers' user (node, uid 1000): the folder (mkdtemp makes it 0700) and its files.
    chmodSync(clientDir, 0o755);
    for (const f of ['ca.pem', 'client.properties']) chmodSync(join(clientDir, f), 0o644);
    hostNetwork = join(tempDir('compose-host'), 'host-network.yml');
    writeFileSync(hostNetwork, 'services:\n  datagenerator:\n    network_mode: host\n  modelgenerator:\n    network_mode: host\n');
  });

  after(function () {
    this.timeout(60_000);
    spawnSync('bash', [KAFKA, 'stop'], { env: kafkaEnv, stdio: 'ignore' });
  });

  const compose = (args: string[]) =>
    docker(['compose', ...args], {
      env: { COMPOSE_FILE: `docker-compose.yml:docker-compose.secure-kafka.yml:${hostNetwork}`, KAFKA_CLIENT_DIR: clientDir },
      timeoutMs: 240_000,
    });

  it('the datagenerator and modelgenerator containers publish over SASL_SSL SCRAM-SHA-512, and the password is not printed', async () => {
    const password = /^sasl\.password=(.*)$/m.exec(readFileSync(join(clientDir, 'client.properties'), 'utf8'))?.[1] as string;
    const run = (service: string, env: string[]) =>
      compose(['run', '--rm', '--no-deps', ...env.flatMap((e) => ['-e', e]), '-e', 'METRICS_PORT=-1', service]);
    const data = await run('datagenerator', ['COUNT=20', 'RATE=0', 'DATA_TOPIC=compose.secure.data']);
    assert.equal(data.status, 0, data.stdout + data.stderr);
    assert.match(data.stdout + data.stderr, /sent 20 samples/);
    const models = await run('modelgenerator', ['MODEL_SCHEDULE=mlp:8@300x1', 'MODEL_INTERVAL_MS=0', 'MODEL_TOPIC=compose.secure.model']);
    assert.equal(models.status, 0, models.stdout + models.stderr);
    assert.match(models.stdout + models.stderr, /published fashion-mnist v1/);
    for (const r of [data, models]) assert.ok(!`${r.stdout}${r.stderr}`.includes(password), 'no password in what the containers printed');

    // And the records are on the secured cluster: Kafka's console consumer, through its SASL_SSL listener.
    const consumed = spawnSync(
      'bash',
      [
        KAFKA,
        'console',
        '--bootstrap-server',
        `127.0.0.1:${Number(PORT) + 2}`,
        '--consumer.config',
        join(secure, 'sasl-scram.properties'),
        '--topic',
        'compose.secure.data',
        '--from-beginning',
        '--max-messages',
        '20',
        '--property',
        'print.value=false',
        '--property',
        'print.key=true',
      ],
      { env: kafkaEnv, encoding: 'utf8', timeout: 60_000 },
    );
    assert.match(consumed.stderr, /Processed a total of 20 messages/, consumed.stderr);
  });

  it('without KAFKA_CLIENT_DIR, compose says what to set', async () => {
    const r = await docker(['compose', 'config'], { env: { COMPOSE_FILE: 'docker-compose.yml:docker-compose.secure-kafka.yml' } });
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /required variable KAFKA_CLIENT_DIR is missing a value: set KAFKA_CLIENT_DIR to the folder holding client\.properties/,
    );
  });
});
