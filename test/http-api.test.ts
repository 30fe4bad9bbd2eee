import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  FASHION_MNIST_CLASSES,
  featuresOf,
  heldOutSplit,
  isControlRecord,
  loadDataset,
  modelCodec,
  recordToModel,
  selectBackend,
  tf,
  type Dataset,
  type ModelRecord,
} from '@hotswap/shared';
import { REPO, ServiceProcess, isolatedNames, metricValues, readAll, stopStarted, tempDir } from './support/services';
import { setUpSuite } from './support/set-up';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

interface PredictionJson {
  class: number;
  class_name: string;
  confidence: number;
  probabilities: number[];
}

interface VersionJson {
  version: number;
  state: string;
  held_out: { accuracy: number; test_samples: number };
  live: { accuracy: number | null; labelled: number; predictions: number };
}

const MODEL = 'fashion-mnist';
const IMAGES = 24;

describe('HTTP API of a real predictor (TF Serving shape, real broker, real model)', function () {
  this.timeout(240_000);
  const names = isolatedNames('http');
  let predictor: ServiceProcess;
  let base: string;
  let beforeAnyModel: Answer;
  let dataset: Dataset;
  let heldOut: Uint32Array;

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const init: RequestInit = { method };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(`${base}${path}`, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Held-out image i as a list of 784 pixels 0..255. */
  const pixels = (i: number): number[] => Array.from(featuresOf(dataset, heldOut[i] as number));

  setUpSuite(async () => {
    await selectBackend('cpu');
    dataset = loadDataset('fashion-mnist', { seed: 42, drift: 0, cacheDir: join(REPO, '.cache', 'datasets') });
    heldOut = heldOutSplit(dataset.size, 42).test;
    predictor = new ServiceProcess('predictor', {
      ...names.env,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('http'), 'p.log'),
      HTTP_PORT: '0',
      METRICS_PORT: '0',
      HTTP_MAX_BODY_BYTES: String(128 * 1024),
      HTTP_MAX_INSTANCES: '64',
    });
    const line = await predictor.waitFor(/HTTP API on :\d+/);
    base = `http://127.0.0.1:${/HTTP API on :(\d+)/.exec(line)?.[1]}`;
    beforeAnyModel = await call('POST', `/v1/models/${MODEL}:predict`, { instances: [pixels(0)] });
    const models = new ServiceProcess('modelgenerator', { ...names.env, MODEL_SCHEDULE: 'quick', MODEL_INTERVAL_MS: '0' });
    assert.equal(await models.exitCode(180_000), 0, models.lines.slice(-15).join('\n'));
    // Both versions read; the newer one takes the traffic at its first use.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await call('GET', `/v1/models/${MODEL}`);
      const versions = (status.body['versions'] ?? []) as VersionJson[];
      if (versions.some((v) => v.version === 2 && (v.state === 'serving' || v.state === 'staged'))) break;
      assert.ok(Date.now() < deadline, `v2 not loaded within 60 s: ${JSON.stringify(status.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  after(async () => {
    await stopStarted(predictor);
  });

  async function publishedModel(version: number): Promise<ModelRecord> {
    const records = await readAll(names.modelTopic);
    const models = records
      .filter((r) => r.value !== null && !isControlRecord(r.headers))
      .map((r) => modelCodec.decode(r.value as Buffer, r.headers));
    const found = models.find((m) => m.version === version);
    assert.ok(found !== undefined, `v${version} is not on the model topic (found ${models.map((m) => m.version).join(', ')})`);
    return found;
  }

  it('answered 503 with a message before any model was published', () => {
    assert.equal(beforeAnyModel.status, 503);
    assert.match(beforeAnyModel.body['error'] as string, /^no version of fashion-mnist serves yet/);
  });

  it('predicts held-out Fashion-MNIST images with the classes and probabilities the same model gives in-process', async () => {
    const images = Array.from({ length: IMAGES }, (_, i) => pixels(i));
    // The three accepted forms: flat numbers, 28x28 nested numbers, and base64 bytes.
    const instances = images.map((image, i) => {
      if (i % 3 === 0) return image;
      if (i % 3 === 1) return Array.from({ length: 28 }, (_, r) => image.slice(r * 28, (r + 1) * 28));
      return { b64: Buffer.from(Uint8Array.from(image)).toString('base64') };
    });
    const answer = await call('POST', `/v1/models/${MODEL}:predict`, { instances });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body['model_version'], '2');
    assert.deepEqual(answer.body['model_spec'], { name: MODEL, version: '2' });
    const predictions = answer.body['predictions'] as PredictionJson[];
    assert.equal(predictions.length, IMAGES);

    const model = await recordToModel(await publishedModel(2));
    const expected = tf.tidy(() => {
      const x = tf.tensor2d(
        Float32Array.from(images.flat(), (v) => v / 255),
        [IMAGES, 784],
      );
      return (model.predict(x) as tf.Tensor2D).arraySync();
    });
    model.dispose();
    predictions.forEach((p, i) => {
      const probabilities = expected[i] as number[];
      const best = probabilities.indexOf(Math.max(...probabilities));
      assert.equal(p.class, best, `image ${i}: HTTP says ${p.class}, in-process ${best}`);
      assert.equal(p.class_name, FASHION_MNIST_CLASSES[best]);
      assert.equal(p.probabilities.length, 10);
      p.probabilities.forEach((q, c) =>
        assert.ok(Math.abs(q - (probabilities[c] as number)) < 1e-4, `image ${i} class ${c}: ${q} vs ${probabilities[c]}`),
      );
      assert.ok(Math.abs(p.confidence - (probabilities[best] as number)) < 1e-4);
    });
    const labels = Array.from({ length: IMAGES }, (_, i) => dataset.labels[heldOut[i] as number]);
    const correct = predictions.filter((p, i) => p.class === labels[i]).length;
    assert.ok(correct >= IMAGES / 2, `${correct} of ${IMAGES} held-out images right: the model predicts, not noise`);
  });

  it('answers the same classes on /versions/2 and 404 naming the serving version on /versions/1', async () => {
    const ok = await call('POST', `/v1/models/${MODEL}/versions/2:predict`, { instances: [pixels(0)] });
    assert.equal(ok.status, 200);
    const wrong = await call('POST', `/v1/models/${MODEL}/versions/1:predict`, { instances: [pixels(0)] });
    assert.equal(wrong.status, 404);
    assert.match(wrong.body['error'] as string, /^version 1 of fashion-mnist is not serving; v2 serves/);
  });

  it('answers 400, 404 and 413 with messages that say what is wrong', async () => {
    const short = await call('POST', `/v1/models/${MODEL}:predict`, { instances: [pixels(0), pixels(1).slice(1)] });
    assert.equal(short.status, 400);
    assert.equal(short.body['error'], 'instance 1 has 783 values, the model takes 784 (28x28)');
    const bright = pixels(0);
    bright[100] = 300;
    const range = await call('POST', `/v1/models/${MODEL}:predict`, { instances: [bright] });
    assert.equal(range.status, 400);
    assert.equal(range.body['error'], 'instance 0 value 100 is 300; pixels are 0..255');
    const json = await call('POST', `/v1/models/${MODEL}:predict`, '{"instances": [[1, 2,');
    assert.equal(json.status, 400);
    assert.match(json.body['error'] as string, /^the body is not JSON/);

    const model = await call('POST', '/v1/models/mnist:predict', { instances: [pixels(0)] });
    assert.equal(model.status, 404);
    assert.equal(model.body['error'], 'model "mnist" is not served here; this predictor serves "fashion-mnist"');

    const tooMany = await call('POST', `/v1/models/${MODEL}:predict`, {
      instances: Array.from({ length: 65 }, () => new Array(784).fill(0)),
    });
    assert.equal(tooMany.status, 413);
    assert.equal(tooMany.body['error'], '65 instances in one request; at most 64 are accepted (HTTP_MAX_INSTANCES)');
    const body = JSON.stringify({ instances: Array.from({ length: 64 }, (_, i) => pixels(i)) });
    assert.ok(body.length > 128 * 1024, `${body.length} bytes`);
    const tooLarge = await call('POST', `/v1/models/${MODEL}:predict`, body);
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body['error'], `the body is ${body.length} bytes, over the limit of 131072 (HTTP_MAX_BODY_BYTES)`);
  });

  it('lists every version with its held-out accuracy as published, in TF Serving shape too', async () => {
    const status = await call('GET', `/v1/models/${MODEL}`);
    assert.equal(status.status, 200);
    assert.equal(status.body['serving_version'], 2);
    assert.equal(status.body['pinned_version'], null);
    const versions = status.body['versions'] as VersionJson[];
    assert.deepEqual(
      versions.map((v) => [v.version, v.state]),
      [
        [2, 'serving'],
        [1, 'available'],
      ],
    );
    for (const v of versions) {
      const published = await publishedModel(v.version);
      assert.equal(v.held_out.accuracy, published.metrics.accuracy);
      assert.equal(v.held_out.test_samples, published.metrics.testSamples);
    }
    assert.ok((versions[0] as VersionJson).held_out.accuracy > (versions[1] as VersionJson).held_out.accuracy);
    assert.deepEqual(status.body['model_version_status'], [
      { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      { version: '1', state: 'END', status: { error_code: 'OK', error_message: '' } },
    ]);
    const one = await call('GET', `/v1/models/${MODEL}/versions/1`);
    assert.deepEqual(
      (one.body['versions'] as VersionJson[]).map((v) => v.version),
      [1],
    );
    assert.equal((await call('GET', `/v1/models/${MODEL}/versions/3`)).status, 404);
  });

  it('pins v1 through HTTP: predictions come from v1 until it is unpinned, then from v2 again', async () => {
    const pinned = await call('POST', `/v1/models/${MODEL}:pin`, { version: 1, requested_by: 'http-api test' });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    assert.equal(pinned.body['pinned_version'], 1);
    const afterPin = await call('POST', `/v1/models/${MODEL}:predict`, { instances: [pixels(0)] });
    assert.equal(afterPin.body['model_version'], '1');
    assert.equal((await call('GET', `/v1/models/${MODEL}`)).body['serving_version'], 1);
    const unpinned = await call('POST', `/v1/models/${MODEL}:unpin`);
    assert.equal(unpinned.status, 200, JSON.stringify(unpinned.body));
    assert.equal(unpinned.body['pinned_version'], null);
    const afterUnpin = await call('POST', `/v1/models/${MODEL}:predict`, { instances: [pixels(0)] });
    assert.equal(afterUnpin.body['model_version'], '2');
  });

  it('counts its requests in the predictor metrics by route and status code', async () => {
    const line = await predictor.waitFor(/metrics on :\d+\/metrics/);
    const text = await (await fetch(`http://127.0.0.1:${/:(\d+)\/metrics/.exec(line)?.[1]}/metrics`)).text();
    const counted = metricValues(text, 'hotswap_http_requests_total');
    assert.ok((counted.get('{route="predict",code="200"}') ?? 0) >= 2, JSON.stringify([...counted]));
    assert.equal(counted.get('{route="predict",code="503"}'), 1);
    assert.ok((counted.get('{route="predict",code="413"}') ?? 0) >= 2);
    assert.match(text, /^hotswap_http_request_seconds_bucket\{[^}]*route="predict"/m);
  });

  it('the predictor exits 0 on SIGTERM', async () => {
    assert.equal(await predictor.stop(), 0);
  });
});
