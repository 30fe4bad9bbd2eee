import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setUpSuite } from './support/set-up';
import {
  REPO,
  ServiceProcess,
  assertOneSwitch,
  groupCaughtUp,
  isolatedNames,
  predictionsOf,
  readAll,
  readTopic,
  stopStarted,
  tempDir,
} from './support/services';

/**
 * The services against the test broker's secured listeners (test/support/global.ts starts it with
 * KAFKA_SECURE=1): SASL_SSL with PLAIN and SCRAM-SHA-512, and TLS with a client certificate, each
 * from one client.properties file as scripts/kafka/kafka.sh writes them.
 */
function secureDir(): string {
  const dir = process.env['HOTSWAP_TEST_SECURE_DIR'];
  if (dir === undefined) {
    throw new Error('these tests need the secured broker the test set-up starts: unset KAFKA_BROKERS so that it starts one');
  }
  return dir;
}

const password = (): string => process.env['HOTSWAP_TEST_SASL_PASSWORD'] as string;
const file = (name: string): string => join(secureDir(), name);

/** A properties file made from one of the broker's, with lines replaced or dropped, in its own folder. */
function variant(from: string, edit: (lines: string[]) => string[]): string {
  const text = readFileSync(file(from), 'utf8').replace(/\\\n\s*/g, '');
  const out = join(tempDir('props'), from);
  writeFileSync(out, `${edit(text.split('\n')).join('\n')}\n`);
  return out;
}

const replace = (key: string, line: string) => (lines: string[]) => lines.map((l) => (l.startsWith(`${key}=`) ? line : l));
const drop = (prefix: string) => (lines: string[]) => lines.filter((l) => !l.startsWith(prefix));

/** Only the properties file may lead a service to the broker: the plaintext address it would fall back to leads nowhere. */
const NOWHERE = { KAFKA_BROKERS: '127.0.0.1:1' };

describe('secure Kafka: the services over SASL_SSL and mTLS', function () {
  this.timeout(180_000);
  setUpSuite(() => {
    for (const f of ['sasl-plain.properties', 'sasl-scram.properties', 'mtls.properties', 'mtls-pkcs12.properties']) readFileSync(file(f));
  });

  /**
   * One predictor through a hot swap while data flows, every service connected by `properties`:
   * v1, then v2 published mid-stream; every sample predicted once, v1 before the switch, v2 after.
   * `whileRunning`, when given, is called after the swap while every service still runs, their
   * metrics and the HTTP API on ports of their choosing, and the v2 modelgenerator kept running.
   */
  async function pipelineThroughSwap(properties: string, label: string, whileRunning?: (services: ServiceProcess[]) => Promise<void>) {
    const extra: Record<string, string> = whileRunning === undefined ? {} : { METRICS_PORT: '0', HTTP_PORT: '0' };
    const names = isolatedNames(label);
    const env = { ...names.env, ...NOWHERE, KAFKA_PROPERTIES_FILE: properties, ...extra };
    const logFile = join(tempDir(label), 'accuracy.log');
    const predictor = new ServiceProcess('predictor', { ...env, PREDICTOR_GROUP: names.group, LOG_FILE: logFile, BATCH_SIZE: '16' });
    const started: ServiceProcess[] = [predictor];
    try {
      await predictor.waitFor(/reading models/);
      const v1 = new ServiceProcess('modelgenerator', { ...env, MODEL_SCHEDULE: 'mlp:8@300x1' });
      started.push(v1);
      assert.equal(await v1.exitCode(120_000), 0, v1.lines.join('\n'));
      const data = new ServiceProcess('datagenerator', { ...env, RATE: '100', COUNT: '6000', RUN_ID: names.id });
      started.push(data);
      await readTopic(names.predictionTopic, (r) => r.length >= 100, 120_000);
      // With its training API on (TRAIN_PORT=0) the modelgenerator runs on after publishing v2.
      const v2 = new ServiceProcess('modelgenerator', {
        ...env,
        MODEL_SCHEDULE: 'mlp:16@300x1',
        ...(whileRunning === undefined ? {} : { TRAIN_PORT: '0' }),
      });
      started.push(v2);
      await v2.waitFor(/published fashion-mnist v2/, 120_000);
      if (whileRunning === undefined) assert.equal(await v2.exitCode(60_000), 0, v2.lines.join('\n'));
      await predictor.waitFor(/swapped v1 -> fashion-mnist v2/, 60_000);
      await readTopic(names.predictionTopic, (r) => predictionsOf(r).filter((p) => p.model.version === 2).length >= 50, 120_000);
      if (whileRunning !== undefined) {
        await whileRunning(started);
        assert.equal(await v2.stop(), 0);
      }
      assert.equal(await data.stop(), 0, 'the datagenerator stops cleanly mid-stream');
      await groupCaughtUp(names.group, names.dataTopic);
      const samples = await readAll(names.dataTopic);
      const predictions = predictionsOf(await readAll(names.predictionTopic));

      assert.equal(predictions.length, samples.length, 'one prediction per sample sent');
      assert.equal(new Set(predictions.map((p) => p.sampleId)).size, samples.length, 'no sample predicted twice');
      assert.ok(predictor.running, 'the predictor never restarted');
      const versions = predictions.map((p) => p.model.version);
      assertOneSwitch(versions, 1, 2, 100);
      return { env, predictor, services: started, logFile, predictions };
    } catch (e) {
      await stopStarted(...started);
      throw e;
    }
  }

  it('SASL_SSL with PLAIN, Java spelling (sasl.jaas.config, PEM truststore): the pipeline through a hot swap', async () => {
    const run = await pipelineThroughSwap(file('sasl-plain.properties'), 'sasl-plain');
    assert.equal(await run.predictor.stop(), 0);
  });

  it('mTLS with a PEM client certificate, librdkafka spelling: the pipeline through a hot swap, then request/reply', async () => {
    const run = await pipelineThroughSwap(file('mtls.properties'), 'mtls');
    try {
      const client = new ServiceProcess('datagenerator', { ...run.env, REQUESTS: '5', REQUEST_SIZE: '2', REQUEST_RATE: '20' }, ['request']);
      assert.equal(await client.exitCode(60_000), 0, client.lines.slice(-5).join('\n'));
      const replies = client.lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { ok: boolean; model: { version: number } });
      assert.equal(replies.length, 5, 'one reply per request');
      assert.ok(
        replies.every((r) => r.ok && r.model.version === 2),
        JSON.stringify(replies),
      );
    } finally {
      assert.equal(await run.predictor.stop(), 0);
    }
  });

  it('SASL_SSL with SCRAM-SHA-512, librdkafka spelling: the pipeline through a hot swap, and the password is nowhere in what it printed or wrote', async () => {
    const secret = password();
    const seen: Record<string, string> = {};
    const get = async (port: string | undefined, path: string) => {
      seen[`${port} GET ${path}`] = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
    };
    const run = await pipelineThroughSwap(file('sasl-scram.properties'), 'sasl-scram', async (services) => {
      for (const s of services.filter((x) => x.running)) {
        const port = /metrics on :(\d+)/.exec(await s.waitFor(/metrics on :\d+/))?.[1];
        await get(port, '/metrics');
        await get(port, '/healthz');
      }
      const api = /HTTP API on :(\d+)/.exec(await services[0]!.waitFor(/HTTP API on :\d+/))?.[1];
      for (const path of ['/v1/models/fashion-mnist', '/v1/models/fashion-mnist/versions/2', '/v1/models/nothing-here'])
        await get(api, path);
    });
    assert.equal(await run.predictor.stop(), 0);
    run.services.forEach((s, i) => (seen[`${s.service} #${i} output`] = s.lines.join('\n')));
    assert.ok(seen['predictor #0 output']?.includes('swapped v1 -> fashion-mnist v2'), 'the scan saw the run');
    for (const f of readdirSync(join(run.logFile, '..'))) seen[`log file ${f}`] = readFileSync(join(run.logFile, '..', f), 'utf8');
    assert.match(seen['log file accuracy.log'] ?? '', /accuracy/, 'the accuracy log was written');
    seen['prediction topic'] = run.predictions.map((p) => JSON.stringify(p)).join('\n');
    for (const service of ['predictor', 'datagenerator', 'modelgenerator']) {
      const help = spawnSync(process.execPath, [join(REPO, service, 'dist', 'main.js'), '--help'], {
        env: { ...process.env, KAFKA_PROPERTIES_FILE: file('sasl-scram.properties') },
        encoding: 'utf8',
      });
      seen[`${service} --help`] = help.stdout + help.stderr;
    }

    const leaks = Object.entries(seen)
      .filter(([, text]) => text.includes(secret))
      .map(([where]) => where);
    assert.deepEqual(leaks, [], `the password appears in: ${leaks.join(', ')}`);
    // 3 services' metrics pages (predictor, datagenerator, v2 modelgenerator), 3 API answers, 4 outputs, a log, the topic, 3 helps.
    assert.ok(Object.keys(seen).length >= 18, `scanned only ${Object.keys(seen).join(', ')}`);
  });

  it('a client certificate in a PKCS12 keystore, Java spelling, connects over mTLS', async () => {
    const names = isolatedNames('pkcs12');
    const data = new ServiceProcess('datagenerator', {
      ...names.env,
      ...NOWHERE,
      KAFKA_PROPERTIES_FILE: file('mtls-pkcs12.properties'),
      RATE: '0',
      COUNT: '20',
    });
    assert.equal(await data.exitCode(60_000), 0, data.lines.join('\n'));
    assert.equal((await readAll(names.dataTopic)).length, 20);
  });

  describe('refusals: one line naming what to change, exit 2, no retry loop', () => {
    const cases: { what: string; properties: () => string; expected: RegExp; env?: Record<string, string> }[] = [
      {
        what: 'a wrong password over SASL PLAIN',
        properties: () =>
          variant('sasl-plain.properties', (l) => l.map((x) => x.replace(/password="[^"]*"/, 'password="not-the-password-1"'))),
        expected:
          /^datagenerator: Kafka at 127\.0\.0\.1:\d+ refused the SASL credentials \(SASL PLAIN authentication failed: .*\): check sasl\.username/,
      },
      {
        what: 'a wrong password over SASL SCRAM-SHA-512',
        properties: () => variant('sasl-scram.properties', replace('sasl.password', 'sasl.password=not-the-password-1')),
        expected: /^datagenerator: Kafka at 127\.0\.0\.1:\d+ refused the SASL credentials \(SASL SCRAM SHA512 authentication failed: .*\)/,
      },
      {
        what: 'a broker certificate signed by a CA the client does not trust',
        properties: () => variant('sasl-scram.properties', replace('ssl.ca.location', `ssl.ca.location=${file('other-ca.pem')}`)),
        expected:
          /^datagenerator: the certificate of Kafka at 127\.0\.0\.1:\d+ is not trusted \(self-signed certificate in certificate chain, SELF_SIGNED_CERT_IN_CHAIN\): set ssl\.ca\.location/,
      },
      {
        what: "a broker reached by a name its certificate does not hold (it names 127.0.0.1 only; 'localhost' resolves there)",
        properties: () =>
          variant('sasl-scram.properties', (l) => l.map((x) => x.replace('bootstrap.servers=127.0.0.1:', 'bootstrap.servers=localhost:'))),
        expected:
          /^datagenerator: the certificate of Kafka at localhost:\d+ is not for the host name dialled \(Hostname\/IP does not match certificate's altnames: Host: localhost/,
      },
      {
        what: 'a client key without its certificate',
        properties: () => variant('mtls.properties', drop('ssl.certificate.location')),
        expected: /^datagenerator: invalid ssl\.certificate\.location="": expected set together with the other/,
      },
      {
        what: 'no client certificate on the mTLS listener',
        properties: () => variant('mtls.properties', (l) => drop('ssl.key.location')(drop('ssl.certificate.location')(l))),
        expected:
          /^datagenerator: Kafka at 127\.0\.0\.1:\d+ refused this client's TLS certificate, or its absence \(ERR_SSL_\w+\): set ssl\.certificate\.location/,
      },
      {
        what: 'a property this client does not read',
        properties: () => variant('sasl-scram.properties', (l) => [...l, 'sasl.kerberos.service.name=kafka']),
        expected:
          /^datagenerator: invalid KAFKA_PROPERTIES_FILE=".*": expected only properties this client reads, not sasl\.kerberos\.service\.name/,
      },
    ];
    for (const c of cases) {
      it(c.what, async () => {
        const names = isolatedNames('refused');
        const data = new ServiceProcess('datagenerator', { ...names.env, ...NOWHERE, KAFKA_PROPERTIES_FILE: c.properties(), COUNT: '1' });
        // The bound: well past the measured ~1 s, far short of the retries' minute.
        assert.equal(await data.exitCode(30_000), 2, data.lines.join('\n'));
        const errors = data.lines.filter((l) => !/^\S+ datagenerator info: /.test(l));
        assert.equal(errors.length, 1, errors.join('\n'));
        assert.match(errors[0] as string, c.expected);
        assert.ok(!data.lines.join('\n').includes('not-the-password-1'), 'the wrong password is not printed either');
        assert.ok(!data.lines.join('\n').includes(password()), 'nor the right one');
      });
    }

    it('the predictor and the modelgenerator stop the same way (a wrong SCRAM password)', async () => {
      const properties = variant('sasl-scram.properties', replace('sasl.password', 'sasl.password=not-the-password-1'));
      for (const service of ['predictor', 'modelgenerator'] as const) {
        const s = new ServiceProcess(service, { ...isolatedNames('refused').env, ...NOWHERE, KAFKA_PROPERTIES_FILE: properties });
        assert.equal(await s.exitCode(60_000), 2, s.lines.join('\n'));
        assert.match(s.lines.at(-1) ?? '', new RegExp(`^${service}: Kafka at 127\\.0\\.0\\.1:\\d+ refused the SASL credentials`));
      }
    });

    it('a JKS keystore (made by keytool) is refused with the command that converts it', () => {
      const dir = tempDir('jks');
      const jks = join(dir, 'client.jks');
      execFileSync(
        'keytool',
        [
          '-importkeystore',
          '-srckeystore',
          file('client.p12'),
          '-srcstoretype',
          'PKCS12',
          '-srcstorepass',
          password(),
          '-destkeystore',
          jks,
          '-deststoretype',
          'JKS',
          '-deststorepass',
          password(),
          '-noprompt',
        ],
        { stdio: 'ignore' },
      );
      const properties = variant('mtls-pkcs12.properties', (l) =>
        l.map((x) =>
          x
            .replace(/^ssl\.keystore\.type=.*/, 'ssl.keystore.type=JKS')
            .replace(/^ssl\.keystore\.location=.*/, `ssl.keystore.location=${jks}`),
        ),
      );
      const r = spawnSync(process.execPath, [join(REPO, 'datagenerator', 'dist', 'main.js')], {
        env: { ...process.env, ...NOWHERE, KAFKA_PROPERTIES_FILE: properties },
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(
        r.stderr.trim(),
        `datagenerator: invalid ssl.keystore.type="JKS": expected PKCS12 or PEM: a JKS keystore cannot be read here; convert it with keytool -importkeystore -srckeystore ${jks} -destkeystore client.p12 -deststoretype PKCS12`,
      );
      assert.ok(!r.stderr.includes(password()));
    });
  });

  it("Kafka's console consumer reads the secured listener with --consumer.config in librdkafka's spelling", async () => {
    const names = isolatedNames('console');
    const data = new ServiceProcess('datagenerator', { ...names.env, RATE: '0', COUNT: '5' });
    assert.equal(await data.exitCode(60_000), 0);
    const consumer = spawn(
      'bash',
      [
        join(REPO, 'scripts', 'kafka', 'kafka.sh'),
        'console',
        '--bootstrap-server',
        readFileSync(file('sasl-scram.properties'), 'utf8').match(/bootstrap\.servers=(\S+)/)?.[1] as string,
        '--consumer.config',
        file('sasl-scram.properties'),
        '--topic',
        names.dataTopic,
        '--from-beginning',
        '--max-messages',
        '5',
        '--property',
        'print.key=true',
        '--property',
        'print.value=false',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    consumer.stdout.on('data', (c: Buffer) => (out += c.toString()));
    consumer.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => consumer.on('close', resolve));
    assert.equal(code, 0, err);
    assert.equal(out.trim().split('\n').length, 5, `${out}\n${err}`);
    assert.match(err, /Processed a total of 5 messages/);
    assert.ok(!`${out}${err}`.includes(password()));
  });
});
