import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as avro from 'avsc';
import {
  modelRecordKey,
  modelCodec,
  modelToRecord,
  sampleCodec,
  selectBackend,
  sha256Hex,
  signModel,
  generateSigningKeyPair,
  tf,
  type ModelRecord,
  type SampleRecord,
} from '@hotswap/shared';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  ServiceProcess,
  isolatedNames,
  metricValues,
  predictionsOf,
  produceRaw,
  readTopic,
  settledValue,
  tempDir,
} from './support/services';
import { setUpSuite } from './support/set-up';

function sample(id: string, over: Partial<SampleRecord> = {}): SampleRecord {
  return {
    sampleId: id,
    dataset: 'fashion-mnist',
    createdAt: Date.now(),
    shape: [28, 28],
    dtype: 'UINT8',
    features: Buffer.alloc(784, 100),
    label: 1,
    ...over,
  };
}

async function modelRecord(version: number, units = 8, classes = 10): Promise<ModelRecord> {
  const m = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [784], units, activation: 'relu' }), tf.layers.dense({ units: classes, activation: 'softmax' })],
  });
  const r = await modelToRecord(m, {
    name: 'fashion-mnist',
    version,
    createdAt: Date.now(),
    dataset: 'fashion-mnist',
    architecture: `mlp(${units})`,
    inputShape: [784],
    classNames: Array.from({ length: classes }, (_, i) => String(i)),
    backend: 'cpu',
    metrics: { accuracy: 0, loss: 0, testSamples: 0, trainSamples: 0, epochs: 0, trainSeconds: 0 },
  });
  m.dispose();
  return r;
}

const publish = (topic: string, records: ModelRecord[]) =>
  produceRaw(
    topic,
    records.map((r) => ({ key: modelRecordKey(r.name, r.version), value: modelCodec.encode(r), headers: modelCodec.headers() })),
  );

async function scrapeMetrics(service: ServiceProcess): Promise<string> {
  const line = await service.waitFor(/metrics on :\d+\/metrics/);
  return (await fetch(`http://127.0.0.1:${/:(\d+)\/metrics/.exec(line)?.[1]}/metrics`)).text();
}

describe('bad input on a real broker', function () {
  this.timeout(180_000);

  setUpSuite(async () => {
    await selectBackend('cpu');
  });

  it('sends unusable data records to the dead-letter topic with reason, bytes and source, and keeps predicting', async () => {
    const names = isolatedNames('deadletter');
    const common = names.env;
    const predictor = new ServiceProcess('predictor', {
      ...common,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('dl'), 'p.log'),
      METRICS_PORT: '0',
      DATA_PARTITIONS: '1',
    });
    try {
      await predictor.waitFor(/reading models/);
      await publish(names.modelTopic, [await modelRecord(1)]);
      const good = sampleCodec.encode(sample('ok'));
      const tiny = avro.Type.forSchema({
        type: 'record',
        name: 'Sample',
        namespace: 'hotswap',
        fields: [{ name: 'sampleId', type: 'string' }],
      });
      const nan = new Float32Array(784).fill(0.5);
      nan[10] = Number.NaN;
      const bad: [string, Buffer, Record<string, string>][] = [
        ['not-avro', Buffer.from('hello, not avro'), sampleCodec.headers()],
        ['unknown-schema', good, { ...sampleCodec.headers(), 'schema-fingerprint': 'deadbeef' }],
        ['not-avro', good.subarray(0, good.length - 100), sampleCodec.headers()],
        ['wrong-shape', sampleCodec.encode(sample('s', { shape: [27, 28], features: Buffer.alloc(756) })), sampleCodec.headers()],
        ['bad-features', sampleCodec.encode(sample('n', { dtype: 'FLOAT32', features: Buffer.from(nan.buffer) })), sampleCodec.headers()],
        ['not-avro', tiny.toBuffer({ sampleId: 'missing-fields' }), sampleCodec.headers()],
        ['missing-headers', good, {}],
        ['bad-label', sampleCodec.encode(sample('l', { label: 12 })), sampleCodec.headers()],
      ];
      const records = [];
      for (let i = 0; i < 20; i++) {
        records.push({ key: `good-${i}`, value: sampleCodec.encode(sample(`good-${i}`)), headers: sampleCodec.headers() });
        const b = bad[i % bad.length]!;
        if (i < bad.length) records.push({ key: `bad-${i}`, value: b[1], headers: b[2] });
      }
      await produceRaw(names.dataTopic, records);
      const predictions = predictionsOf(await readTopic(names.predictionTopic, (r) => r.length >= 20));
      assert.deepEqual(predictions.map((p) => p.sampleId).sort(), Array.from({ length: 20 }, (_, i) => `good-${i}`).sort());
      const dead = await readTopic(names.deadLetterTopic, (r) => r.length >= bad.length);
      assert.equal(dead.length, bad.length);
      dead.forEach((d, i) => {
        const [reason, bytes] = bad[i]!;
        assert.equal(d.headers['deadletter-reason'], reason, `dead letter ${i}: ${d.headers['deadletter-detail']}`);
        assert.ok(d.value?.equals(bytes), `dead letter ${i} keeps the original bytes`);
        assert.match(d.headers['deadletter-source'] ?? '', new RegExp(`^${names.dataTopic.replace(/\./g, '\\.')}/0@\\d+$`));
        assert.equal(d.key?.toString(), `bad-${i}`);
      });
      // Counted once the batch's commit has returned, a moment after a reader may see its records.
      const counted = await settledValue(
        async () => metricValues(await scrapeMetrics(predictor), 'hotswap_deadletter_records_total'),
        (c) => [...c.values()].reduce((a, b) => a + b, 0) >= bad.length,
      );
      assert.equal(counted.get('{reason="not-avro"}'), 3);
      assert.equal(counted.get('{reason="unknown-schema"}'), 1);
      assert.equal(counted.get('{reason="bad-features"}'), 1);
    } finally {
      assert.equal(await predictor.stop(), 0);
    }
  });

  it('dead-letters a run of bad records bigger than the broker takes in one record batch (1 MiB), and keeps predicting', async () => {
    const names = isolatedNames('deadletter-run');
    const predictor = new ServiceProcess('predictor', {
      ...names.env,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('dlr'), 'p.log'),
      DATA_PARTITIONS: '1',
    });
    try {
      await predictor.waitFor(/reading models/);
      await publish(names.modelTopic, [await modelRecord(1)]);
      // 1,500 records of ~830 bytes with a foreign content type: one fetch of 1 MiB holds ~1,200 of
      // them, and their dead letters (the bytes plus why) need more than one record batch.
      const headers = { ...sampleCodec.headers(), 'content-type': 'application/x-foreign' };
      const run = Array.from({ length: 1500 }, (_, i) => ({ key: `bad-${i}`, value: sampleCodec.encode(sample(`bad-${i}`)), headers }));
      for (let i = 0; i < run.length; i += 250) await produceRaw(names.dataTopic, run.slice(i, i + 250));
      await produceRaw(
        names.dataTopic,
        Array.from({ length: 5 }, (_, i) => ({
          key: `good-${i}`,
          value: sampleCodec.encode(sample(`good-${i}`)),
          headers: sampleCodec.headers(),
        })),
      );
      const predictions = predictionsOf(await readTopic(names.predictionTopic, (r) => r.length >= 5));
      assert.deepEqual(predictions.map((p) => p.sampleId).sort(), ['good-0', 'good-1', 'good-2', 'good-3', 'good-4']);
      const dead = await readTopic(names.deadLetterTopic, (r) => r.length >= run.length);
      assert.equal(dead.length, run.length);
      assert.deepEqual(
        dead.map((d) => d.key?.toString()),
        run.map((r) => r.key),
        'every bad record dead-lettered once, in order',
      );
      assert.ok(dead.every((d) => d.headers['deadletter-reason'] === 'unknown-content-type'));
    } finally {
      assert.equal(await predictor.stop(), 0);
    }
  });

  it('rejects bad models with a logged reason and a metric, serving the last good one meanwhile', async () => {
    const names = isolatedNames('badmodel');
    const common = names.env;
    const predictor = new ServiceProcess('predictor', {
      ...common,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('bm'), 'p.log'),
      METRICS_PORT: '0',
      MAX_MODEL_BYTES: '1000000',
    });
    try {
      await predictor.waitFor(/reading models/);
      await publish(names.modelTopic, [await modelRecord(1)]);
      await predictor.waitFor(/loaded fashion-mnist v1/);
      const base = await modelRecord(2);
      const flipped = Buffer.from(base.weights);
      flipped[0] = (flipped[0] as number) ^ 1;
      const truncated = base.weights.subarray(0, base.weights.length - 8);
      const nan = Buffer.from(base.weights);
      nan.writeFloatLE(Number.NaN, 0);
      const big = await modelRecord(9, 400); // ~1.3 MB, over this predictor's 1 MB limit
      const bad: [string, ModelRecord][] = [
        ['checksum-mismatch', { ...base, version: 2, weights: flipped }],
        [
          'bad-topology',
          { ...base, version: 3, topology: '{"class_name": "Sequential", "config": {"layers": [{"class_name": "NoSuchLayer"}]}}' },
        ],
        ['bad-weights', { ...base, version: 4, weights: truncated, weightsSha256: sha256Hex(truncated) }],
        ['bad-weights', { ...base, version: 5, weights: nan, weightsSha256: sha256Hex(nan) }],
        ['input-shape-mismatch', { ...base, version: 6, inputShape: [8] }],
        ['classes-mismatch', { ...(await modelRecord(7, 8, 2)), version: 7 }],
        ['too-large', { ...big, version: 8 }],
        ['stale-version', { ...(await modelRecord(1)), version: 1 }],
      ];
      await publish(
        names.modelTopic,
        bad.map(([, r]) => r),
      );
      for (const [reason, r] of bad)
        await predictor.waitFor(new RegExp(`(v${r.version} rejected \\(${reason}\\)|not serving fashion-mnist v${r.version}: )`));
      await produceRaw(
        names.dataTopic,
        Array.from({ length: 10 }, (_, i) => ({
          key: `a${i}`,
          value: sampleCodec.encode(sample(`a${i}`)),
          headers: sampleCodec.headers(),
        })),
      );
      const first = predictionsOf(await readTopic(names.predictionTopic, (r) => r.length >= 10));
      assert.ok(
        first.every((p) => p.model.version === 1),
        'v1 keeps serving through every bad model',
      );
      const rejected = metricValues(await scrapeMetrics(predictor), 'hotswap_model_rejections_total');
      for (const reason of [
        'checksum-mismatch',
        'bad-topology',
        'input-shape-mismatch',
        'classes-mismatch',
        'too-large',
        'stale-version',
      ]) {
        assert.ok((rejected.get(`{reason="${reason}"}`) ?? 0) >= 1, `rejections counted for ${reason}: ${[...rejected].join(' ')}`);
      }
      assert.equal(rejected.get('{reason="bad-weights"}'), 2);
      // A good version after all that is taken.
      await publish(names.modelTopic, [await modelRecord(10)]);
      await predictor.waitFor(/loaded fashion-mnist v10/);
      await produceRaw(names.dataTopic, [{ key: 'b', value: sampleCodec.encode(sample('b')), headers: sampleCodec.headers() }]);
      const all = predictionsOf(await readTopic(names.predictionTopic, (r) => r.length >= 11));
      assert.equal(all.find((p) => p.sampleId === 'b')?.model.version, 10);
    } finally {
      assert.equal(await predictor.stop(), 0);
    }
  });

  it('with trusted keys, serves signed models only: unsigned and forged ones are rejected', async () => {
    const names = isolatedNames('signed');
    const dir = tempDir('keys');
    const ours = generateSigningKeyPair();
    const theirs = generateSigningKeyPair();
    mkdirSync(join(dir, 'trusted'));
    writeFileSync(join(dir, 'trusted', 'ours.pub'), ours.publicKeyPem);
    writeFileSync(join(dir, 'ours.key'), ours.privateKeyPem);
    const common = names.env;
    const predictor = new ServiceProcess('predictor', {
      ...common,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(dir, 'p.log'),
      TRUSTED_KEYS: join(dir, 'trusted'),
    });
    const unchecked = new ServiceProcess('predictor', {
      ...common,
      PREDICTOR_GROUP: `${names.group}-unchecked`,
      LOG_FILE: join(dir, 'u.log'),
    });
    try {
      await predictor.waitFor(new RegExp(`accepting only models signed by key\\(s\\) ${ours.id}`));
      // The modelgenerator signs with the key it is given.
      const models = new ServiceProcess('modelgenerator', {
        ...common,
        MODEL_SCHEDULE: 'mlp:8@500x1',
        MODEL_INTERVAL_MS: '0',
        MODEL_SIGNING_KEY: join(dir, 'ours.key'),
      });
      assert.equal(await models.exitCode(120_000), 0);
      await predictor.waitFor(/loaded fashion-mnist v1/);
      const unsigned = await modelRecord(2);
      const forged = { ...signModel(await modelRecord(3), createPrivateKey(theirs.privateKeyPem)), signingKeyId: ours.id };
      const strangers = signModel(await modelRecord(4), createPrivateKey(theirs.privateKeyPem));
      await publish(names.modelTopic, [unsigned, forged, strangers]);
      await predictor.waitFor(/v2 rejected \(unsigned\)/);
      await predictor.waitFor(/v3 rejected \(bad-signature\)/);
      await predictor.waitFor(/v4 rejected \(untrusted-key\)/);
      // Without keys a predictor takes them all, and says once, at start-up, that it does not check.
      await unchecked.waitFor(/loaded fashion-mnist v4/);
      assert.equal(unchecked.lines.filter((l) => /signatures are NOT checked/.test(l)).length, 1);
      // Both predictors (two groups) predict the same sample: the checking one with v1 only.
      await produceRaw(names.dataTopic, [{ key: 'x', value: sampleCodec.encode(sample('x')), headers: sampleCodec.headers() }]);
      const both = predictionsOf(await readTopic(names.predictionTopic, (r) => r.length >= 2));
      const byReplica = new Map(both.map((p) => [p.predictor, p.model.version]));
      assert.equal(byReplica.get(`${hostname()}-${predictor.pid}`), 1);
      assert.equal(byReplica.get(`${hostname()}-${unchecked.pid}`), 4);
    } finally {
      await unchecked.stop();
      assert.equal(await predictor.stop(), 0);
    }
  });

  it('carries a model over 5 MB through a broker left at its default 1 MB limits', async () => {
    const names = isolatedNames('big');
    const common = names.env;
    const predictor = new ServiceProcess('predictor', { ...common, PREDICTOR_GROUP: names.group, LOG_FILE: join(tempDir('big'), 'p.log') });
    try {
      await predictor.waitFor(/reading models/);
      const models = new ServiceProcess('modelgenerator', { ...common, MODEL_SCHEDULE: 'mlp:1700@500x1', MODEL_INTERVAL_MS: '0' });
      assert.equal(await models.exitCode(120_000), 0, models.lines.slice(-5).join('\n'));
      const bytes = Number(
        /published fashion-mnist v1 \(mlp\(1700\), (\d+) bytes\)/.exec(await models.waitFor(/published fashion-mnist v1/))?.[1],
      );
      assert.ok(bytes > 5 * 1024 * 1024, `model record is ${bytes} bytes`);
      await predictor.waitFor(/loaded fashion-mnist v1/);
      const data = new ServiceProcess('datagenerator', { ...common, RATE: '0', COUNT: '50', RUN_ID: names.id });
      assert.equal(await data.exitCode(), 0);
      const predictions = predictionsOf(await readTopic(names.predictionTopic, (r) => r.length >= 50));
      assert.ok(predictions.every((p) => p.model.version === 1));
    } finally {
      assert.equal(await predictor.stop(), 0);
    }
  });
});
