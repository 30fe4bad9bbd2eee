import assert from 'node:assert/strict';
import { PIXELS, apiUnderTest } from './api-fixture';

describe('HTTP API: predictions and status (real socket, in-process serving)', () => {
  const t = apiUnderTest();

  it('predicts with the serving version: classes, names, confidences, probabilities and the version', async () => {
    const r = await t.call('POST', '/v1/models/digits:predict', { instances: [PIXELS(255, 0, 0), PIXELS(0, 51, 204)] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      predictions: [
        { class: 0, class_name: 'zero', confidence: 1, probabilities: [1, 0, 0] },
        {
          class: 2,
          class_name: 'two',
          confidence: Math.fround(0.8) / (Math.fround(0.2) + Math.fround(0.8)),
          probabilities: [
            0,
            Math.fround(0.2) / (Math.fround(0.2) + Math.fround(0.8)),
            Math.fround(0.8) / (Math.fround(0.2) + Math.fround(0.8)),
          ],
        },
      ],
      model_version: '4',
      model_spec: { name: 'digits', version: '4' },
    });
    assert.equal(t.serving.predictCalls.length, 1, 'one call for the whole request');
    assert.equal(t.serving.predictCalls[0]?.rows, 2);
  });

  it('answers the columnar "inputs" form with columnar "outputs"', async () => {
    const r = await t.call('POST', '/v1/models/digits:predict', { inputs: { pixels: [PIXELS(0, 255, 0), [9, 0, 0, 0]] } });
    assert.equal(r.status, 200);
    const outputs = r.body['outputs'] as Record<string, unknown[]>;
    assert.deepEqual(outputs['class'], [1, 0]);
    assert.deepEqual(outputs['class_name'], ['one', 'zero']);
    assert.equal(r.body['model_version'], '4');
  });

  it('predicts on /versions/{v} only when v serves, else 404 naming the serving version', async () => {
    assert.equal((await t.call('POST', '/v1/models/digits/versions/4:predict', { instances: [PIXELS(1, 2, 3)] })).status, 200);
    const r = await t.call('POST', '/v1/models/digits/versions/3:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(r.status, 404);
    assert.match(r.body['error'] as string, /^version 3 of digits is not serving; v4 serves/);
    const unknown = await t.call('POST', '/v1/models/digits/versions/7:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body['error'], 'version 7 of digits is unknown; known: 4, 3, 2, 1');
    assert.equal(t.serving.predictCalls.length, 1);
  });

  it('predicts on /versions/{v} when v is staged and takes over at this prediction', async () => {
    t.serving.serving = 3;
    t.serving.staged = 4;
    const old = await t.call('POST', '/v1/models/digits/versions/3:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(old.status, 404);
    assert.match(old.body['error'] as string, /v4 serves/);
    const staged = await t.call('POST', '/v1/models/digits/versions/4:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(staged.status, 200);
    assert.equal(staged.body['model_version'], '4');
  });

  it('lists a staged version as LOADING until it takes the traffic', async () => {
    t.serving.serving = 3;
    t.serving.staged = 4;
    const r = await t.call('GET', '/v1/models/digits/versions/4');
    assert.deepEqual(r.body['model_version_status'], [{ version: '4', state: 'LOADING', status: { error_code: 'OK', error_message: '' } }]);
    assert.equal((r.body['versions'] as { state: string }[])[0]?.state, 'staged');
  });

  it('gives the status in TF Serving shape plus the serving and pinned versions and every version figures', async () => {
    const r = await t.call('GET', '/v1/models/digits');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body['model_version_status'], [
      { version: '4', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      { version: '3', state: 'END', status: { error_code: 'OK', error_message: '' } },
      {
        version: '2',
        state: 'END',
        status: { error_code: 'FAILED_PRECONDITION', error_message: 'model digits v2 rejected: checksum mismatch' },
      },
      { version: '1', state: 'END', status: { error_code: 'OK', error_message: '' } },
    ]);
    assert.equal(r.body['serving_version'], 4);
    assert.equal(r.body['pinned_version'], null);
    const versions = r.body['versions'] as Record<string, unknown>[];
    assert.deepEqual(versions[0], {
      version: 4,
      state: 'serving',
      role: 'release',
      architecture: 'mlp(64)',
      created_at: '2026-01-04T00:00:00.000Z',
      held_out: { accuracy: 0.9, loss: 0.5, test_samples: 10_000, train_samples: 60_000, epochs: 2, train_seconds: 3 },
      live: { accuracy: 0.75, labelled: 40, predictions: 42 },
      rejection: null,
    });
    assert.equal(versions[2]?.['rejection'], 'model digits v2 rejected: checksum mismatch');
  });

  it('gives one version on /versions/{v}, and 404 listing the known ones for an unknown version', async () => {
    const one = await t.call('GET', '/v1/models/digits/versions/3');
    assert.equal(one.status, 200);
    assert.deepEqual(
      (one.body['versions'] as { version: number }[]).map((v) => v.version),
      [3],
    );
    const unknown = await t.call('GET', '/v1/models/digits/versions/9');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body['error'], 'version 9 of digits is unknown; known: 4, 3, 2, 1');
  });

  it('answers 400 with what is wrong: bad JSON, a bad instance, a bad version string', async () => {
    const json = await t.call('POST', '/v1/models/digits:predict', '{"instances": [');
    assert.equal(json.status, 400);
    assert.match(json.body['error'] as string, /^the body is not JSON: /);
    const instance = await t.call('POST', '/v1/models/digits:predict', { instances: [PIXELS(1, 2, 3), [1, 2, 3]] });
    assert.equal(instance.status, 400);
    assert.equal(instance.body['error'], 'instance 1 has 3 values, the model takes 4 (2x2)');
    const version = await t.call('GET', '/v1/models/digits/versions/latest');
    assert.equal(version.status, 400);
    assert.equal(version.body['error'], 'version "latest" is not a version number (1, 2, ...)');
    const empty = await t.call('POST', '/v1/models/digits:predict');
    assert.equal(empty.status, 400);
    assert.equal(t.serving.predictCalls.length, 0, 'nothing bad reaches the model');
  });

  it('answers 404 for another model name and for unknown routes', async () => {
    const model = await t.call('POST', '/v1/models/fashion-mnist:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(model.status, 404);
    assert.equal(model.body['error'], 'model "fashion-mnist" is not served here; this predictor serves "digits"');
    const route = await t.call('GET', '/v2/models/digits');
    assert.equal(route.status, 404);
    assert.match(route.body['error'] as string, /^no route GET \/v2\/models\/digits; routes:/);
  });

  it('answers 405 with Allow for the wrong method', async () => {
    const r = await t.call('GET', '/v1/models/digits:predict');
    assert.equal(r.status, 405);
    assert.equal(r.headers['allow'], 'POST');
  });

  it('answers 503 while no version serves', async () => {
    t.serving.serving = null;
    const r = await t.call('POST', '/v1/models/digits:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(r.status, 503);
    assert.match(r.body['error'] as string, /^no version of digits serves yet/);
    assert.equal((await t.call('POST', '/v1/models/digits/versions/4:predict', { instances: [PIXELS(1, 2, 3)] })).status, 503);
  });
});
