import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { createLogger, type HeldOutMetrics } from '@hotswap/shared';
import { HttpApi } from './api';
import { HttpApiMetrics } from './metrics';
import {
  ControlRefused,
  type InstancePrediction,
  type ModelStatus,
  type ServingApi,
  type VersionState,
  type VersionStatus,
} from './serving';

const HELD_OUT: HeldOutMetrics = { accuracy: 0.8, loss: 0.5, testSamples: 10_000, trainSamples: 60_000, epochs: 2, trainSeconds: 3 };
const CLASSES = ['zero', 'one', 'two'];

/**
 * An in-process ServingApi for the HTTP layer: 2x2 pixel instances, three classes, versions 1..4 of
 * which 2 was rejected. It predicts the class of the largest of the first three features, so a test
 * knows every answer. Pin and rollback follow the interface's contract (404 unknown, 409 rejected).
 */
class ServingForTests implements ServingApi {
  readonly modelName = 'digits';
  readonly featureShape = [2, 2];
  readonly classCount = 3;
  readonly pixelFeatures = true;
  serving: number | null = 4;
  /** Loaded and waiting: takes over at the next prediction, as the predictor's registry does. */
  staged: number | null = null;
  pinned: number | null = null;
  failControlWith: Error | null = null;
  /** Where a rollback without a version goes (the predictor's policy decides; here the test does). */
  rollbackTo: number | null = null;
  readonly predictCalls: { features: Float32Array; rows: number }[] = [];
  readonly controls: { action: string; version: number | null; requestedBy: string; reason?: string }[] = [];
  private readonly states = new Map<number, { rejection: string | null }>([
    [1, { rejection: null }],
    [2, { rejection: 'model digits v2 rejected: checksum mismatch' }],
    [3, { rejection: null }],
    [4, { rejection: null }],
  ]);

  async predict(
    features: Float32Array,
    rows: number,
  ): Promise<{ model: { name: string; version: number }; predictions: InstancePrediction[] } | null> {
    await Promise.resolve(); // answered later, as the inference thread does
    this.predictCalls.push({ features: Float32Array.from(features), rows });
    if (this.staged !== null) [this.serving, this.staged] = [this.staged, null];
    if (this.serving === null) return null;
    const predictions = Array.from({ length: rows }, (_, r) => {
      const scores = Array.from(features.subarray(r * 4, r * 4 + 3));
      const total = scores.reduce((a, b) => a + b, 0) || 1;
      const probabilities = scores.map((s) => s / total);
      const predicted = probabilities.indexOf(Math.max(...probabilities));
      return { predicted, predictedClass: CLASSES[predicted] as string, confidence: probabilities[predicted] as number, probabilities };
    });
    return { model: { name: this.modelName, version: this.serving }, predictions };
  }

  status(): ModelStatus {
    const versions: VersionStatus[] = [...this.states.entries()]
      .sort(([a], [b]) => b - a)
      .map(([version, { rejection }]) => {
        let state: VersionState = version === this.serving ? 'serving' : version === this.staged ? 'staged' : 'available';
        if (rejection !== null) state = 'rejected';
        return {
          version,
          state,
          architecture: `mlp(${version * 16})`,
          createdAt: Date.UTC(2026, 0, version),
          heldOut: { ...HELD_OUT, accuracy: 0.5 + version / 10 },
          live:
            version === this.serving ? { accuracy: 0.75, labelled: 40, predictions: 42 } : { accuracy: null, labelled: 0, predictions: 0 },
          rejection,
        };
      });
    return { name: this.modelName, servingVersion: this.serving, pinnedVersion: this.pinned, versions };
  }

  async control(
    action: 'pin' | 'unpin' | 'rollback',
    version: number | null,
    requestedBy: string,
    reason: string | null = null,
  ): Promise<ModelStatus> {
    this.controls.push({ action, version, requestedBy, ...(reason === null ? {} : { reason }) });
    if (this.failControlWith !== null) throw this.failControlWith;
    if (action === 'unpin') {
      this.pinned = null;
      this.serving = 4;
      return this.status();
    }
    if (action === 'rollback' && version === null) {
      if (this.rollbackTo === null) {
        throw new ControlRefused(409, `no valid version of digits older than the serving one to roll back to (v${this.serving} serves)`);
      }
      version = this.rollbackTo;
    }
    const entry = this.states.get(version as number);
    if (entry === undefined) throw new ControlRefused(404, `version ${version} of digits is unknown`);
    if (entry.rejection !== null) throw new ControlRefused(409, `version ${version} of digits was rejected: ${entry.rejection}`);
    this.pinned = version;
    this.serving = version;
    return this.status();
  }
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

const PIXELS = (a: number, b: number, c: number) => [
  [a, b],
  [c, 0],
];

describe('HTTP API server (real socket, in-process serving)', () => {
  const MAX_BODY = 64 * 1024;
  let serving: ServingForTests;
  let api: HttpApi;
  let registry: Registry;
  let base: string;
  let port: number;

  beforeEach(async () => {
    serving = new ServingForTests();
    registry = new Registry();
    api = new HttpApi(
      serving,
      { port: 0, host: '127.0.0.1', maxBodyBytes: MAX_BODY, maxInstances: 8 },
      new HttpApiMetrics(registry),
      createLogger({ service: 'http-api-test', level: 'error' }),
    );
    port = await api.start();
    base = `http://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await api.stop();
  });

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const init: RequestInit = { method };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(`${base}${path}`, init);
    assert.equal(res.headers.get('content-type'), 'application/json');
    return { status: res.status, headers: Object.fromEntries(res.headers), body: (await res.json()) as Record<string, unknown> };
  }

  it('predicts with the serving version: classes, names, confidences, probabilities and the version', async () => {
    const r = await call('POST', '/v1/models/digits:predict', { instances: [PIXELS(255, 0, 0), PIXELS(0, 51, 204)] });
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
    assert.equal(serving.predictCalls.length, 1, 'one call for the whole request');
    assert.equal(serving.predictCalls[0]?.rows, 2);
  });

  it('answers the columnar "inputs" form with columnar "outputs"', async () => {
    const r = await call('POST', '/v1/models/digits:predict', { inputs: { pixels: [PIXELS(0, 255, 0), [9, 0, 0, 0]] } });
    assert.equal(r.status, 200);
    const outputs = r.body['outputs'] as Record<string, unknown[]>;
    assert.deepEqual(outputs['class'], [1, 0]);
    assert.deepEqual(outputs['class_name'], ['one', 'zero']);
    assert.equal(r.body['model_version'], '4');
  });

  it('predicts on /versions/{v} only when v serves, else 404 naming the serving version', async () => {
    assert.equal((await call('POST', '/v1/models/digits/versions/4:predict', { instances: [PIXELS(1, 2, 3)] })).status, 200);
    const r = await call('POST', '/v1/models/digits/versions/3:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(r.status, 404);
    assert.match(r.body['error'] as string, /^version 3 of digits is not serving; v4 serves/);
    const unknown = await call('POST', '/v1/models/digits/versions/7:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body['error'], 'version 7 of digits is unknown; known: 4, 3, 2, 1');
    assert.equal(serving.predictCalls.length, 1);
  });

  it('predicts on /versions/{v} when v is staged and takes over at this prediction', async () => {
    serving.serving = 3;
    serving.staged = 4;
    const old = await call('POST', '/v1/models/digits/versions/3:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(old.status, 404);
    assert.match(old.body['error'] as string, /v4 serves/);
    const staged = await call('POST', '/v1/models/digits/versions/4:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(staged.status, 200);
    assert.equal(staged.body['model_version'], '4');
  });

  it('lists a staged version as LOADING until it takes the traffic', async () => {
    serving.serving = 3;
    serving.staged = 4;
    const r = await call('GET', '/v1/models/digits/versions/4');
    assert.deepEqual(r.body['model_version_status'], [{ version: '4', state: 'LOADING', status: { error_code: 'OK', error_message: '' } }]);
    assert.equal((r.body['versions'] as { state: string }[])[0]?.state, 'staged');
  });

  it('gives the status in TF Serving shape plus the serving and pinned versions and every version figures', async () => {
    const r = await call('GET', '/v1/models/digits');
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
      architecture: 'mlp(64)',
      created_at: '2026-01-04T00:00:00.000Z',
      held_out: { accuracy: 0.9, loss: 0.5, test_samples: 10_000, train_samples: 60_000, epochs: 2, train_seconds: 3 },
      live: { accuracy: 0.75, labelled: 40, predictions: 42 },
      rejection: null,
    });
    assert.equal(versions[2]?.['rejection'], 'model digits v2 rejected: checksum mismatch');
  });

  it('gives one version on /versions/{v}, and 404 listing the known ones for an unknown version', async () => {
    const one = await call('GET', '/v1/models/digits/versions/3');
    assert.equal(one.status, 200);
    assert.deepEqual(
      (one.body['versions'] as { version: number }[]).map((v) => v.version),
      [3],
    );
    const unknown = await call('GET', '/v1/models/digits/versions/9');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body['error'], 'version 9 of digits is unknown; known: 4, 3, 2, 1');
  });

  it('answers 400 with what is wrong: bad JSON, a bad instance, a bad version string', async () => {
    const json = await call('POST', '/v1/models/digits:predict', '{"instances": [');
    assert.equal(json.status, 400);
    assert.match(json.body['error'] as string, /^the body is not JSON: /);
    const instance = await call('POST', '/v1/models/digits:predict', { instances: [PIXELS(1, 2, 3), [1, 2, 3]] });
    assert.equal(instance.status, 400);
    assert.equal(instance.body['error'], 'instance 1 has 3 values, the model takes 4 (2x2)');
    const version = await call('GET', '/v1/models/digits/versions/latest');
    assert.equal(version.status, 400);
    assert.equal(version.body['error'], 'version "latest" is not a version number (1, 2, ...)');
    const empty = await call('POST', '/v1/models/digits:predict');
    assert.equal(empty.status, 400);
    assert.equal(serving.predictCalls.length, 0, 'nothing bad reaches the model');
  });

  it('answers 404 for another model name and for unknown routes', async () => {
    const model = await call('POST', '/v1/models/fashion-mnist:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(model.status, 404);
    assert.equal(model.body['error'], 'model "fashion-mnist" is not served here; this predictor serves "digits"');
    const route = await call('GET', '/v2/models/digits');
    assert.equal(route.status, 404);
    assert.match(route.body['error'] as string, /^no route GET \/v2\/models\/digits; routes:/);
  });

  it('answers 405 with Allow for the wrong method', async () => {
    const r = await call('GET', '/v1/models/digits:predict');
    assert.equal(r.status, 405);
    assert.equal(r.headers['allow'], 'POST');
  });

  it('answers 503 while no version serves', async () => {
    serving.serving = null;
    const r = await call('POST', '/v1/models/digits:predict', { instances: [PIXELS(1, 2, 3)] });
    assert.equal(r.status, 503);
    assert.match(r.body['error'] as string, /^no version of digits serves yet/);
    assert.equal((await call('POST', '/v1/models/digits/versions/4:predict', { instances: [PIXELS(1, 2, 3)] })).status, 503);
  });

  it('answers 413 for more instances than the limit', async () => {
    const r = await call('POST', '/v1/models/digits:predict', { instances: Array.from({ length: 9 }, () => PIXELS(1, 2, 3)) });
    assert.equal(r.status, 413);
    assert.equal(r.body['error'], '9 instances in one request; at most 8 are accepted (HTTP_MAX_INSTANCES)');
  });

  it('answers 413 to a declared Content-Length over the limit without reading the body, and closes', async () => {
    const answer = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
      const req = request(
        { port, method: 'POST', path: '/v1/models/digits:predict', headers: { 'content-length': MAX_BODY + 1 } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers['connection'] }));
        },
      );
      req.on('error', reject);
      // Headers only: the answer comes without the body ever being sent.
      req.flushHeaders();
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.connection, 'close');
    assert.deepEqual(JSON.parse(answer.body), {
      error: `the body is ${MAX_BODY + 1} bytes, over the limit of ${MAX_BODY} (HTTP_MAX_BODY_BYTES)`,
    });
  });

  it('tells a client that expects 100-continue 413 before it sends the body', async () => {
    const answer = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = request({
        port,
        method: 'POST',
        path: '/v1/models/digits:predict',
        headers: { 'content-length': 10 * MAX_BODY, expect: '100-continue' },
      });
      req.on('continue', () => (continued = true));
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.deepEqual(answer, { status: 413, continued: false });
  });

  it('stops reading a chunked body at the limit: answers 413 and closes before the client can send the rest', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('POST /v1/models/digits:predict HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const ATTEMPT = 256 * 1024 * 1024;
    let sent = 0;
    let response = '';
    let closed = false;
    socket.on('data', (d: Buffer) => (response += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => (closed = true));
    // Write as fast as the server takes it, until it stops taking it or closes.
    while (sent < ATTEMPT && !closed && !socket.destroyed) {
      if (!socket.write(framed)) {
        const drained = await Promise.race([
          new Promise<boolean>((resolve) => socket.once('drain', () => resolve(true))),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_000)),
          new Promise<boolean>((resolve) => socket.once('close', () => resolve(false))),
        ]);
        if (!drained) break;
      }
      sent += chunk.length;
    }
    // A server that reads on waits for the rest of the body and never closes: give it 3 s.
    await Promise.race([
      new Promise<void>((resolve) => (closed ? resolve() : socket.once('close', () => resolve()))),
      new Promise<void>((resolve) => setTimeout(resolve, 3_000)),
    ]);
    socket.destroy();
    assert.ok(closed, `the server did not close the connection after the client sent ${sent} bytes`);
    assert.match(response, /^HTTP\/1\.1 413 /);
    assert.match(response, /connection: close/i);
    assert.match(response, /"error":"the body is over the limit of 65536 bytes \(HTTP_MAX_BODY_BYTES\)"/);
    assert.ok(sent < ATTEMPT / 4, `the server read on: the client sent ${sent} bytes of ${ATTEMPT}`);
  });

  it('pins a version and answers with the status after; unpins', async () => {
    const pinned = await call('POST', '/v1/models/digits:pin', { version: 3, requested_by: 'alice', reason: 'v4 misreads sevens' });
    assert.equal(pinned.status, 200);
    assert.equal(pinned.body['pinned_version'], 3);
    assert.equal(pinned.body['serving_version'], 3);
    assert.deepEqual(serving.controls, [{ action: 'pin', version: 3, requestedBy: 'alice', reason: 'v4 misreads sevens' }]);
    const unpinned = await call('POST', '/v1/models/digits:unpin');
    assert.equal(unpinned.status, 200);
    assert.equal(unpinned.body['pinned_version'], null);
    assert.equal(serving.controls[1]?.action, 'unpin');
    assert.match(serving.controls[1]?.requestedBy ?? '', /^http 127\.0\.0\.1$|^http ::ffff:127\.0\.0\.1$/);
  });

  it('maps a refused pin to its status: 404 for an unknown version, 409 for a rejected one', async () => {
    const unknown = await call('POST', '/v1/models/digits:pin', { version: 9 });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body['error'], 'version 9 of digits is unknown');
    const rejected = await call('POST', '/v1/models/digits:pin', { version: '2' });
    assert.equal(rejected.status, 409);
    assert.match(rejected.body['error'] as string, /^version 2 of digits was rejected/);
  });

  it('refuses management bodies that say the wrong thing with 400', async () => {
    assert.equal((await call('POST', '/v1/models/digits:pin')).body['error'], 'pin needs a version: {"version": 3}');
    assert.equal(
      (await call('POST', '/v1/models/digits:pin', { version: 'v3' })).body['error'],
      'version "v3" is not a version number (1, 2, ...)',
    );
    assert.equal((await call('POST', '/v1/models/digits:unpin', { version: 3 })).body['error'], 'unpin takes no version (got 3)');
    assert.equal((await call('POST', '/v1/models/digits:pin', { version: 3, why: 'x' })).status, 400);
    assert.equal((await call('POST', '/v1/models/digits:rollback', [2])).status, 400);
    assert.equal(serving.controls.length, 0);
  });

  it('passes a rollback without a version on to the predictor, whose version policy picks it (see hot-swap.test.ts)', async () => {
    serving.rollbackTo = 1;
    const r = await call('POST', '/v1/models/digits:rollback');
    assert.equal(r.status, 200);
    assert.deepEqual(serving.controls, [{ action: 'rollback', version: null, requestedBy: serving.controls[0]?.requestedBy }]);
    assert.equal(r.body['serving_version'], 1);
    const explicit = await call('POST', '/v1/models/digits:rollback', { version: 3 });
    assert.equal(explicit.status, 200);
    assert.equal(serving.controls[1]?.version, 3);
  });

  it("answers the predictor's refusal of a rollback with its status and message", async () => {
    serving.rollbackTo = null;
    const r = await call('POST', '/v1/models/digits:rollback');
    assert.equal(r.status, 409);
    assert.equal(r.body['error'], 'no valid version of digits older than the serving one to roll back to (v4 serves)');
  });

  it('answers 500 with the cause when the control record cannot be written', async () => {
    serving.failControlWith = new Error('broker unreachable');
    const r = await call('POST', '/v1/models/digits:pin', { version: 3 });
    assert.equal(r.status, 500);
    assert.equal(r.body['error'], 'pin to v3 failed: broker unreachable');
  });

  it('counts requests by route and status code, and times them', async () => {
    await call('POST', '/v1/models/digits:predict', { instances: [PIXELS(1, 2, 3)] });
    await call('POST', '/v1/models/digits:predict', { instances: [[1]] });
    await call('GET', '/v1/models/digits');
    await call('GET', '/nowhere');
    const text = await registry.metrics();
    assert.match(text, /^hotswap_http_requests_total\{route="predict",code="200"\} 1$/m);
    assert.match(text, /^hotswap_http_requests_total\{route="predict",code="400"\} 1$/m);
    assert.match(text, /^hotswap_http_requests_total\{route="status",code="200"\} 1$/m);
    assert.match(text, /^hotswap_http_requests_total\{route="unknown",code="404"\} 1$/m);
    assert.match(text, /^hotswap_http_request_seconds_count\{route="predict"\} 2$/m);
  });
});
