import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRejected, sampleCodec, selectBackend, untrainedModelRecord, type ModelRecord, type SampleRecord } from '@hotswap/shared';
import { packChunk } from '../stream/batch';

import { InferencePair, InferenceThread } from './threads';
import { loadServable, predictBatch } from './loader';

const contract = { featureShape: [28, 28], classCount: 10 };

const record = (v: number): Promise<ModelRecord> => untrainedModelRecord('threads', v);

function sampleValue(i: number, over: Partial<SampleRecord> = {}): { value: Buffer; headers: Record<string, string> } {
  const features = Buffer.alloc(784);
  for (let p = 0; p < 784; p++) features[p] = (p * (i + 3)) % 256;
  const sample: SampleRecord = {
    sampleId: `s${i}`,
    dataset: 'fashion-mnist',
    createdAt: 1000 + i,
    shape: [28, 28],
    dtype: 'UINT8',
    features,
    label: i % 10,
    ...over,
  };
  return { value: sampleCodec.encode(sample), headers: sampleCodec.headers() };
}

describe('inference threads', function () {
  this.timeout(60_000);
  const fatal: Error[] = [];
  let thread: InferenceThread;
  let started: Promise<void> | undefined;
  // Started by the first test, not a hook: a start that fails then fails each test instead of hiding them.
  const threadStarted = (): Promise<void> =>
    (started ??= (async () => {
      await selectBackend('cpu');
      thread = new InferenceThread('test', { backend: 'cpu', contract, maxModelBytes: 1 << 26, trustedKeys: new Map() }, (e) =>
        fatal.push(e),
      );
      await thread.start();
    })());

  after(async () => {
    if (
      started === undefined ||
      !(await started.then(
        () => true,
        () => false,
      ))
    )
      return;
    await thread.stop();
    assert.deepEqual(fatal, [], 'no thread failed on its own');
  });

  it('decodes packed samples and predicts them as the same model does in-process, carrying each sample’s id, label and time', async () => {
    await threadStarted();
    const published = await record(1);
    const hosted = await thread.load(published);
    const records = [sampleValue(0), sampleValue(1, { shape: [27, 28] }), sampleValue(2, { label: null }), sampleValue(3)];
    const packed = packChunk(records);
    const got = await thread.predictPacked(hosted, packed.bytes, packed.ends);
    assert.equal(packed.bytes.byteLength, 0, 'the packed bytes were handed over, not copied');

    assert.deepEqual(Array.from(got.index), [0, 2, 3]);
    assert.deepEqual(got.sampleIds, ['s0', 's2', 's3']);
    assert.deepEqual(Array.from(got.labels), [0, -1, 3]);
    assert.deepEqual(Array.from(got.createdAt), [1000, 1002, 1003]);
    assert.deepEqual(
      got.rejected.map((r) => [r.index, r.reason]),
      [[1, 'wrong-shape']],
    );

    const local = await loadServable(published, contract, { maxModelBytes: 1 << 26 }, new Map());
    try {
      const rows = new Float32Array(3 * 784);
      [0, 2, 3].forEach((i, row) => {
        for (let p = 0; p < 784; p++) rows[row * 784 + p] = ((p * (i + 3)) % 256) / 255;
      });
      const expected = predictBatch(local.model, rows, 3);
      assert.deepEqual(Array.from(got.predicted), Array.from(expected.predicted));
      got.confidence.forEach((c, row) => assert.ok(Math.abs(c - (expected.confidence[row] as number)) < 1e-5, `row ${row}: ${c}`));
    } finally {
      local.model.layers.dispose();
      thread.dispose(hosted);
    }
  });

  it('refuses a record that fails verification with ModelRejected and its reason, and keeps serving', async () => {
    await threadStarted();
    const tampered = { ...(await record(2)), weightsSha256: '0'.repeat(64) };
    await assert.rejects(thread.load(tampered), (e: unknown) => {
      assert.ok(e instanceof ModelRejected, String(e));
      assert.equal(e.reason, 'checksum-mismatch');
      assert.equal(e.version, 2);
      return true;
    });
    const good = await thread.load(await record(3));
    const { probabilities, classes } = await thread.probabilities(good, new Float32Array(784), 1);
    assert.equal(classes, 10);
    assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    thread.dispose(good);
  });

  it('answers a prediction asked for before a disposal, and refuses one asked for after it', async () => {
    await threadStarted();
    const hosted = await thread.load(await record(4));
    const before = thread.predictRows(hosted, new Float32Array(2 * 784), 2);
    thread.dispose(hosted);
    assert.equal((await before).predicted.length, 2);
    await assert.rejects(thread.predictRows(hosted, new Float32Array(784), 1), /no model with handle/);
  });

  it('when a thread dies, fails the calls waiting on it and every later call at once, and tells the service', async () => {
    const told: Error[] = [];
    const doomed = new InferenceThread('doomed', { backend: 'cpu', contract, maxModelBytes: 1 << 26, trustedKeys: new Map() }, (e) =>
      told.push(e),
    );
    await doomed.start();
    const hosted = await doomed.load(await record(5));
    // Killed from outside, as a crash would (not through stop()). The call goes right after the kill
    // began, so the thread can never answer it (asked before, a fast thread answered it first once).
    const killed = (doomed as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const waiting = doomed.predictRows(hosted, new Float32Array(784), 1);
    await killed;
    await assert.rejects(waiting, /inference thread doomed exited/);
    await assert.rejects(doomed.predictRows(hosted, new Float32Array(784), 1), /inference thread doomed is not running/);
    assert.equal(told.length, 1);
    assert.match(told[0]?.message ?? '', /exited with code 1/);
  });

  it('loads each new version on the thread the next version is not on', () => {
    const pair = new InferencePair({ backend: 'cpu', contract, maxModelBytes: 1, trustedKeys: new Map() }, () => undefined);
    const [a, b] = pair.threads;
    assert.equal(pair.besides(undefined), a);
    assert.equal(pair.besides(a), b);
    assert.equal(pair.besides(b), a);
  });

  it('loads no Kafka, logging or metrics code into an inference thread (the main thread does, which shows the probe works)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotswap-probe-'));
    const hook = join(dir, 'hook.js');
    // Preloaded in every thread (workers inherit execArgv): reports each load of the three libraries.
    writeFileSync(
      hook,
      `const Module = require('module'); const { threadId } = require('worker_threads'); const load = Module._load;
       Module._load = function (request) {
         if (/^(kafkajs|winston|prom-client)$/.test(request)) process.stderr.write('thread ' + threadId + ' loads ' + request + '\\n');
         return load.apply(this, arguments);
       };`,
    );
    const script = `const { InferenceThread } = require(${JSON.stringify(join(__dirname, 'threads.js'))});
      const t = new InferenceThread('probe', { backend: 'cpu', contract: { featureShape: [28, 28], classCount: 10 }, maxModelBytes: 1 << 20, trustedKeys: new Map() }, () => {});
      t.start().then(() => t.stop()).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
    const run = spawnSync(process.execPath, ['--require', hook, '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const loads = run.stderr.split('\n').filter((l) => / loads /.test(l));
    // kafkajs itself loads only when a Kafka client is made; the shared library's logging loads on import.
    assert.ok(loads.includes('thread 0 loads winston'), `the probe saw the main thread load winston: ${loads.join('; ')}`);
    assert.deepEqual(
      loads.filter((l) => !l.startsWith('thread 0 ')),
      [],
      'an inference thread loaded one of them',
    );
  });
});
