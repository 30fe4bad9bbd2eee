import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLogger } from '@hotswap/shared/telemetry';
import {
  createTransport,
  type InboundRecord,
  type OutboundRecord,
  type PubSubTransport,
  type TopicReader,
  type Transport,
} from '@hotswap/shared/transport';
import { sampleCodec } from '@hotswap/shared/contracts';
import { dataTopicSpec, predictionTopicSpec } from '@hotswap/shared/kafka';
import { setUpSuite } from './support/set-up';
import { ServiceProcess, assertOneSwitch, isolatedNames, stopStarted, tempDir, type PredictionLike } from './support/services';

/**
 * The services with TRANSPORT=pubsub on the Google Cloud Pub/Sub emulator (test/support/global.ts
 * starts it): the same predictor code as on Kafka, through shared/src/pubsub.
 */
const PROJECT = 'hotswap-test';

function emulator(): string {
  const host = process.env['HOTSWAP_TEST_PUBSUB'];
  if (host === undefined)
    throw new Error(process.env['HOTSWAP_TEST_PUBSUB_FAILURE'] ?? 'the Pub/Sub emulator was not started by the global set-up');
  return host;
}

function pubsub(): Transport {
  process.env['PUBSUB_EMULATOR_HOST'] = emulator();
  return createTransport({ kind: 'pubsub', pubsub: { projectId: PROJECT } }, createLogger({ service: 'test-pubsub', level: 'error' }));
}

/** Everything published to a topic from now on, as it arrives. */
async function collect(topic: string): Promise<{ records: InboundRecord[]; reader: TopicReader }> {
  const records: InboundRecord[] = [];
  const reader = await pubsub().readFromNow(topic, 'test-collect', (r) => {
    records.push(r);
  });
  return { records, reader };
}

const predictionsIn = (records: InboundRecord[]): PredictionLike[] =>
  records.map((r) => JSON.parse((r.value as Buffer).toString()) as PredictionLike);

/** Polls a condition until it holds, failing after `timeoutMs` with what `describe` says. */
async function until(what: string, condition: () => boolean, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Pub/Sub transport (TRANSPORT=pubsub, on the emulator)', function () {
  this.timeout(240_000);
  let env: Record<string, string> = {};
  setUpSuite(() => {
    env = { TRANSPORT: 'pubsub', PUBSUB_PROJECT_ID: PROJECT, PUBSUB_EMULATOR_HOST: emulator() };
  });

  /** The topics a test's services use, made first, so collectors subscribed now see every message. */
  async function topics(label: string) {
    const names = isolatedNames(label);
    await pubsub().ensureTopics([
      dataTopicSpec(names.dataTopic, 1),
      predictionTopicSpec(names.predictionTopic, 1),
      predictionTopicSpec(names.deadLetterTopic, 1),
    ]);
    return { names, all: { ...env, ...names.env } };
  }

  it('the pipeline through a hot swap: one switch point from v1 to v2, never back, every sample predicted once', async () => {
    const { names, all } = await topics('ps-swap');
    const predictions = await collect(names.predictionTopic);
    const predictor = new ServiceProcess('predictor', { ...all, LOG_FILE: join(tempDir('ps'), 'accuracy.log'), BATCH_SIZE: '32' });
    const started = [predictor];
    try {
      await predictor.waitFor(/reading models/);
      const v1 = new ServiceProcess('modelgenerator', { ...all, MODEL_SCHEDULE: 'mlp:8@300x1' });
      started.push(v1);
      assert.equal(await v1.exitCode(120_000), 0, v1.lines.join('\n'));
      // Without end, stopped once v2 has served a while: a set count could run out before v2 is trained on a slow machine.
      const data = new ServiceProcess('datagenerator', { ...all, RATE: '100', COUNT: '0', RUN_ID: names.id });
      started.push(data);
      await until('100 predictions', () => predictions.records.length >= 100, 120_000);
      const v2 = new ServiceProcess('modelgenerator', { ...all, MODEL_SCHEDULE: 'mlp:16@300x1' });
      started.push(v2);
      assert.equal(await v2.exitCode(120_000), 0, v2.lines.join('\n'));
      await predictor.waitFor(/swapped v1 -> fashion-mnist v2/, 60_000);
      await until(
        '100 predictions by v2',
        () => predictionsIn(predictions.records).filter((p) => p.model.version === 2).length >= 100,
        120_000,
      );
      assert.equal(await data.stop(), 0);
      const SAMPLES = Number(/sent (\d+) samples in /.exec(data.lines.join('\n'))?.[1]);
      assert.ok(SAMPLES > 200, `the datagenerator said how many it sent: ${data.lines.slice(-3).join(' | ')}`);
      await until(
        'a prediction per sample',
        () => predictions.records.length >= SAMPLES,
        120_000,
        () => `(${predictions.records.length} of ${SAMPLES})`,
      );

      const made = predictionsIn(predictions.records).sort((a, b) => a.predictions - b.predictions);
      assert.equal(new Set(made.map((p) => p.sampleId)).size, SAMPLES, 'every sample predicted');
      assert.equal(made.length, SAMPLES, 'none twice');
      const versions = made.map((p) => p.model.version);
      const switchAt = assertOneSwitch(versions, 1, 2, 100);
      assert.ok(switchAt < SAMPLES, `v2 took over mid-stream (at ${switchAt} of ${SAMPLES})`);
      assert.ok(predictor.running, 'the predictor never restarted');
      const swapLine = await predictor.waitFor(/first prediction by v2 \d+ ms after its record arrived/);
      console.log(
        `      (swap: ${/first prediction by v2 (\d+ ms)/.exec(swapLine)?.[1]} from v2's record arriving to its first prediction)`,
      );
      assert.deepEqual(
        [predictor, ...started].flatMap((s) => s.lines).filter((l) => /^\S+ \S+ error: /.test(l)),
        [],
        'no line at error level',
      );
    } finally {
      await stopStarted(...started);
      await predictions.reader.disconnect();
    }
  });

  it('three replicas share the data subscription; one killed mid-stream, no sample is left unpredicted', async function () {
    this.timeout(720_000);
    const { names, all } = await topics('ps-scale');
    const predictions = await collect(names.predictionTopic);
    const replicas = [1, 2, 3].map(
      (i) => new ServiceProcess('predictor', { ...all, LOG_FILE: join(tempDir('ps'), `r${i}.log`), BATCH_SIZE: '32' }),
    );
    const started: ServiceProcess[] = [...replicas];
    try {
      await Promise.all(replicas.map((r) => r.waitFor(/reading models/)));
      const v1 = new ServiceProcess('modelgenerator', { ...all, MODEL_SCHEDULE: 'mlp:8@300x1' });
      started.push(v1);
      assert.equal(await v1.exitCode(120_000), 0);
      await Promise.all(replicas.map((r) => r.waitFor(/consuming/, 60_000)));
      const SAMPLES = 3000;
      const data = new ServiceProcess('datagenerator', { ...all, RATE: '200', COUNT: String(SAMPLES), RUN_ID: names.id });
      started.push(data);
      await until('500 predictions', () => predictions.records.length >= 500, 120_000);
      const victim = replicas[0] as ServiceProcess;
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      assert.equal(await data.exitCode(120_000), 0);
      // Parsed as they come, not all again at each poll: the wait can last minutes.
      const seen = new Set<string>();
      let parsedUpTo = 0;
      const predicted = (): Set<string> => {
        const fresh = predictions.records.slice(parsedUpTo);
        parsedUpTo += fresh.length;
        for (const p of predictionsIn(fresh)) seen.add(p.sampleId);
        return seen;
      };
      // What the killed replica held comes back after its lease, 60 s with exactly-once delivery on;
      // the emulator can hand it to the dead replica's streams again, 60 s more each time (129 to 181 s
      // after the kill in 3 runs, over 195 s in one CI run): room for 7 such rounds.
      await until(
        'every sample predicted',
        () => predicted().size >= SAMPLES,
        420_000,
        () => `(${predicted().size} of ${SAMPLES})`,
      );
      const coveredAfterKill = Date.now() - killedAt;
      const made = predictionsIn(predictions.records);
      const byReplica = new Map<string, number>();
      for (const p of made) byReplica.set(p.predictor, (byReplica.get(p.predictor) ?? 0) + 1);
      assert.equal(byReplica.size, 3, `all three replicas predicted: ${JSON.stringify([...byReplica])}`);
      assert.equal(predicted().size, SAMPLES, 'no sample left unpredicted');
      // At least once: what the killed one had published but not acknowledged is predicted again.
      console.log(
        `      (every sample predicted ${coveredAfterKill} ms after the kill; ${made.length - SAMPLES} predicted twice, by replica: ${JSON.stringify([...byReplica])})`,
      );
    } finally {
      await stopStarted(...started);
      await predictions.reader.disconnect();
    }
  });

  it('a replica that starts after v1 and v2 were published serves v2 at once, read back from the retained model topic', async () => {
    const { names, all } = await topics('ps-restart');
    const models = new ServiceProcess('modelgenerator', { ...all, MODEL_SCHEDULE: 'mlp:8@300x1,mlp:16@300x1', MODEL_INTERVAL_MS: '0' });
    assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
    const predictions = await collect(names.predictionTopic);
    const predictor = new ServiceProcess('predictor', { ...all, LOG_FILE: join(tempDir('ps'), 'p.log') });
    try {
      await predictor.waitFor(/model topic read: 2 version\(s\) of fashion-mnist found/, 60_000);
      await predictor.waitFor(/swapped in fashion-mnist v2/, 60_000);
      assert.ok(!predictor.lines.some((l) => /swapped in fashion-mnist v1\b/.test(l)), 'v1 was never served');
      const data = new ServiceProcess('datagenerator', { ...all, RATE: '0', COUNT: '50', RUN_ID: names.id });
      assert.equal(await data.exitCode(60_000), 0);
      await until('50 predictions', () => predictions.records.length >= 50, 60_000);
      assert.ok(predictionsIn(predictions.records).every((p) => p.model.version === 2));
      const ownModelSubscription = async () =>
        (await (pubsub() as PubSubTransport).subscriptionsOf(names.modelTopic)).filter((n) => n.includes('hotswap-predictor-models'));
      assert.equal((await ownModelSubscription()).length, 1, 'the replica reads the model topic through a subscription of its own');
      assert.equal(await predictor.stop(), 0);
      assert.deepEqual(await ownModelSubscription(), [], 'a clean stop removes it');
    } finally {
      await stopStarted(predictor);
      await predictions.reader.disconnect();
    }
  });

  it('request/reply: answered while a predictor serves; the client exits 1 naming the missing replies when none does', async () => {
    const { names, all } = await topics('ps-rr');
    const models = new ServiceProcess('modelgenerator', { ...all, MODEL_SCHEDULE: 'mlp:8@300x1' });
    assert.equal(await models.exitCode(120_000), 0);
    const request = (extra: Record<string, string>) =>
      new ServiceProcess('datagenerator', { ...all, RUN_ID: names.id, REQUESTS: '4', REQUEST_SIZE: '2', REQUEST_RATE: '0', ...extra }, [
        'request',
      ]);

    const unanswered = request({ REPLY_TIMEOUT_MS: '1500' });
    assert.equal(await unanswered.exitCode(60_000), 1, unanswered.lines.join('\n'));
    assert.match(unanswered.lines.join('\n'), /4 sent, 0 answered, 4 failed \(4 without a reply\)/);

    const predictor = new ServiceProcess('predictor', { ...all, LOG_FILE: join(tempDir('ps'), 'p.log') });
    try {
      await predictor.waitFor(/consuming/, 60_000);
      const answered = request({ RUN_ID: `${names.id}-b` });
      assert.equal(await answered.exitCode(60_000), 0, answered.lines.join('\n'));
      const replies = answered.lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { ok: boolean; model: { version: number } });
      assert.equal(replies.length, 4);
      assert.ok(replies.every((r) => r.ok && r.model.version === 1));
    } finally {
      await stopStarted(predictor);
    }
  });

  it('bad messages on the data topic go to the dead-letter topic with the reason', async () => {
    const { names, all } = await topics('ps-dead');
    const dead = await collect(names.deadLetterTopic);
    const models = new ServiceProcess('modelgenerator', { ...all, MODEL_SCHEDULE: 'mlp:8@300x1' });
    assert.equal(await models.exitCode(120_000), 0);
    const predictor = new ServiceProcess('predictor', { ...all, LOG_FILE: join(tempDir('ps'), 'p.log') });
    try {
      await predictor.waitFor(/consuming/, 60_000);
      const bad: OutboundRecord[] = [
        { key: 'no-headers', value: Buffer.from('not avro') },
        { key: 'wrong-type', value: Buffer.from('x'), headers: { 'content-type': 'text/plain' } },
        { key: 'not-avro', value: Buffer.from('hello, not avro'), headers: sampleCodec.headers() },
      ];
      const producer = pubsub().producer();
      await producer.send(names.dataTopic, bad);
      await until('three dead letters', () => dead.records.length >= 3, 60_000);
      const reasons = dead.records.map((r) => r.headers['deadletter-reason']).sort();
      assert.deepEqual(
        reasons,
        ['missing-headers', 'not-avro', 'unknown-content-type'],
        JSON.stringify(dead.records.map((r) => r.headers)),
      );
      assert.ok(dead.records.every((r) => (r.headers['deadletter-source'] ?? '').startsWith(`${names.dataTopic}/0@`)));
    } finally {
      await stopStarted(predictor);
      await dead.reader.disconnect();
    }
  });
});
