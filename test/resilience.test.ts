import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, ServiceProcess, groupCaughtUp, isolatedNames, readAll, readTopic, tempDir, type PredictionLike } from './support/services';
import { setUpSuite } from './support/set-up';

const KAFKA = join(REPO, 'scripts', 'kafka', 'kafka.sh');
const parse = (records: { value: Buffer | null }[]) => records.map((r) => JSON.parse((r.value as Buffer).toString()) as PredictionLike);
type Names = ReturnType<typeof isolatedNames>;

/** Every sample id sent once has exactly one committed prediction (read_committed reader). */
async function assertExactlyOnce(names: Names, count: number, timeoutMs = 120_000): Promise<PredictionLike[]> {
  const topic = names.predictionTopic;
  const runId = names.id;
  await readTopic(topic, (r) => new Set(parse(r).map((p) => p.sampleId)).size >= count, timeoutMs);
  await groupCaughtUp(names.group, names.dataTopic, timeoutMs);
  const all = parse(await readAll(topic));
  const ids = all.map((p) => p.sampleId);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(dupes.slice(0, 5), [], `${dupes.length} samples predicted twice`);
  assert.equal(new Set(ids).size, count);
  assert.ok(ids.every((id) => id.startsWith(`${runId}:`)));
  return all;
}

describe('faults on a real broker', function () {
  this.timeout(300_000);

  it('three replicas on 6 partitions, one SIGKILLed three times mid-stream: every sample predicted exactly once', async () => {
    const names = isolatedNames('kill');
    const common = names.env;
    const replica = (n: string) =>
      new ServiceProcess('predictor', {
        ...common,
        PREDICTOR_GROUP: names.group,
        LOG_FILE: join(tempDir(`kill-${n}`), 'p.log'),
        SESSION_TIMEOUT_MS: '6000',
        BATCH_SIZE: '32',
        DATA_PARTITIONS: '6',
      });
    const models = new ServiceProcess('modelgenerator', { ...common, MODEL_SCHEDULE: 'mlp:16@1000x1', MODEL_INTERVAL_MS: '0' });
    assert.equal(await models.exitCode(120_000), 0);
    const a = replica('a');
    const b = replica('b');
    let victim = replica('c0');
    const all = [a, b, victim];
    try {
      await Promise.all([a, b, victim].map((p) => p.waitFor(/consuming/)));
      const SAMPLES = 3000;
      const data = new ServiceProcess('datagenerator', { ...common, RATE: '250', COUNT: String(SAMPLES), RUN_ID: names.id });
      for (let k = 1; k <= 3; k++) {
        // Each kill lands mid-stream: once a further quarter of the samples has been predicted.
        await readTopic(names.predictionTopic, (r) => r.length >= (k * SAMPLES) / 4, 60_000);
        victim.child.kill('SIGKILL');
        await victim.exitCode(10_000);
        victim = replica(`c${k}`);
        all.push(victim);
      }
      assert.equal(await data.exitCode(60_000), 0);
      const predictions = await assertExactlyOnce(names, SAMPLES);
      assert.ok(new Set(predictions.map((p) => p.predictor)).size >= 3, 'the work was shared among replicas');
      // SIGTERM: a replica finishes its batch, commits, and exits 0 within seconds.
      assert.equal(await a.stop(30_000), 0);
    } finally {
      for (const p of all) if (p.running) p.child.kill('SIGKILL');
    }
  });

  it('scale-out: three replicas, a fourth joins and one leaves mid-stream: every sample predicted exactly once', async () => {
    const names = isolatedNames('scale');
    const replica = (n: string) =>
      new ServiceProcess('predictor', {
        ...names.env,
        PREDICTOR_GROUP: names.group,
        LOG_FILE: join(tempDir(`scale-${n}`), 'p.log'),
        SESSION_TIMEOUT_MS: '6000',
        BATCH_SIZE: '32',
        DATA_PARTITIONS: '6',
      });
    const models = new ServiceProcess('modelgenerator', { ...names.env, MODEL_SCHEDULE: 'mlp:16@1000x1', MODEL_INTERVAL_MS: '0' });
    assert.equal(await models.exitCode(120_000), 0);
    const [a, b, leaving] = [replica('a'), replica('b'), replica('c')];
    const all = [a, b, leaving];
    try {
      await Promise.all(all.map((p) => p.waitFor(/consuming/)));
      // The stream runs until the fourth has joined and one has left, however long that takes here:
      // a fixed count could end before the fourth got partitions on a loaded machine.
      const data = new ServiceProcess('datagenerator', { ...names.env, RATE: '250', COUNT: '0', RUN_ID: names.id });
      all.push(data);
      // The fourth joins once 600 samples are predicted; one leaves once the fourth has predicted.
      await readTopic(names.predictionTopic, (r) => r.length >= 600, 60_000);
      const joining = replica('d');
      all.push(joining);
      await joining.waitFor(/consuming/);
      await readTopic(names.predictionTopic, (r) => parse(r).some((p) => p.predictor.endsWith(`-${joining.pid}`)), 60_000);
      assert.equal(await leaving.stop(15_000), 0, 'the leaving replica finishes its batch and exits 0');
      // The three left carry on: 600 more predicted after the leave, before the stream stops.
      const predictedAtLeave = (await readAll(names.predictionTopic)).length;
      await readTopic(names.predictionTopic, (r) => r.length >= predictedAtLeave + 600, 60_000);
      assert.equal(await data.stop(15_000), 0, 'the data generator stops cleanly');
      const SAMPLES = (await readAll(names.dataTopic)).length;
      const predictions = await assertExactlyOnce(names, SAMPLES);
      const byReplica = new Map<string, number>();
      for (const p of predictions) byReplica.set(p.predictor, (byReplica.get(p.predictor) ?? 0) + 1);
      const pidOf = (p: ServiceProcess) => [...byReplica.keys()].find((r) => r.endsWith(`-${p.pid}`));
      assert.ok(pidOf(joining) !== undefined, `the replica that joined took partitions: ${JSON.stringify([...byReplica])}`);
      assert.ok(pidOf(leaving) !== undefined, 'the replica that left had predicted before it left');
      assert.equal(byReplica.size, 4);
    } finally {
      for (const p of all) if (p.running) p.child.kill('SIGKILL');
    }
  });

  describe('with a broker of its own', () => {
    const port = String(Number(process.env['TEST_KAFKA_PORT'] ?? '19092') + 10);
    const brokers = `127.0.0.1:${port}`;
    const env = { KAFKA_PORT: port, PATH: process.env['PATH'] ?? '' };
    const names = isolatedNames('outage');
    const common = { KAFKA_BROKERS: brokers, ...names.env };
    let predictor: ServiceProcess | undefined;
    let saved: string | undefined;

    setUpSuite(() => {
      saved = process.env['HOTSWAP_TEST_BROKERS'];
      execFileSync('bash', [KAFKA, 'stop'], { env, stdio: 'ignore' });
    });

    after(async () => {
      await predictor?.stop().catch(() => undefined);
      execFileSync('bash', [KAFKA, 'stop'], { env, stdio: 'ignore' });
      if (saved !== undefined) process.env['HOTSWAP_TEST_BROKERS'] = saved;
    });

    it('a predictor started before the broker waits with backoff and clear lines, then serves', async () => {
      predictor = new ServiceProcess('predictor', { ...common, PREDICTOR_GROUP: names.group, LOG_FILE: join(tempDir('outage'), 'p.log') });
      await predictor.waitFor(/Kafka at 127\.0\.0\.1:\d+ not ready \(.*\); retry 2 in \d+ s/, 30_000);
      assert.ok(predictor.running, 'still running while the broker is away');
      execFileSync('bash', [KAFKA, 'start'], { env: { ...env, KAFKA_FRESH: '1' }, stdio: 'ignore' });
      process.env['HOTSWAP_TEST_BROKERS'] = brokers;
      await predictor.waitFor(/reading models of fashion-mnist/, 60_000);
      const models = new ServiceProcess('modelgenerator', { ...common, MODEL_SCHEDULE: 'mlp:16@1000x1', MODEL_INTERVAL_MS: '0' });
      assert.equal(await models.exitCode(120_000), 0);
      await predictor.waitFor(/consuming/);
    });

    it('the broker stopped and started mid-stream: every service recovers by itself, nothing lost or doubled', async () => {
      assert.ok(predictor?.running, 'the predictor of the previous test serves');
      const SAMPLES = 1500;
      const data = new ServiceProcess('datagenerator', { ...common, RATE: '150', COUNT: String(SAMPLES), RUN_ID: names.id });
      await readTopic(names.predictionTopic, (r) => r.length >= 200, 60_000);
      // The predictor's lines of the previous test (a broker not up yet) must not count as seeing this outage.
      const linesBefore = predictor!.lines.length;
      execFileSync('bash', [KAFKA, 'stop'], { env, stdio: 'ignore' });
      // The broker comes back once a client has seen it go.
      const gone = /ECONNREFUSED|Connection error|connection closed/i;
      await Promise.any([data.waitFor(gone, 60_000), predictor!.waitFor(gone, 60_000, linesBefore)]);
      execFileSync('bash', [KAFKA, 'start'], { env, stdio: 'ignore' });
      assert.equal(await data.exitCode(120_000), 0, data.lines.slice(-5).join('\n'));
      // The outage was real: the clients saw the connection go (and came back by themselves).
      assert.ok(
        [...data.lines, ...predictor!.lines.slice(linesBefore)].some((l) => gone.test(l)),
        'the clients saw the broker go',
      );
      await assertExactlyOnce(names, SAMPLES);
      assert.ok(predictor?.running, 'the predictor never exited');
    });
  });
});
