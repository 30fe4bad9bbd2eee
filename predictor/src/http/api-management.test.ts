import assert from 'node:assert/strict';
import { PIXELS, apiUnderTest } from './api-fixture';

describe('HTTP API: pin, unpin, rollback and its own metrics (real socket, in-process serving)', () => {
  const t = apiUnderTest();

  it('pins a version and answers with the status after; unpins', async () => {
    const pinned = await t.call('POST', '/v1/models/digits:pin', { version: 3, requested_by: 'alice', reason: 'v4 misreads sevens' });
    assert.equal(pinned.status, 200);
    assert.equal(pinned.body['pinned_version'], 3);
    assert.equal(pinned.body['serving_version'], 3);
    assert.deepEqual(t.serving.controls, [{ action: 'pin', version: 3, requestedBy: 'alice', reason: 'v4 misreads sevens' }]);
    const unpinned = await t.call('POST', '/v1/models/digits:unpin');
    assert.equal(unpinned.status, 200);
    assert.equal(unpinned.body['pinned_version'], null);
    assert.equal(t.serving.controls[1]?.action, 'unpin');
    assert.match(t.serving.controls[1]?.requestedBy ?? '', /^http 127\.0\.0\.1$|^http ::ffff:127\.0\.0\.1$/);
  });

  it('maps a refused pin to its status: 404 for an unknown version, 409 for a rejected one', async () => {
    const unknown = await t.call('POST', '/v1/models/digits:pin', { version: 9 });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body['error'], 'version 9 of digits is unknown');
    const rejected = await t.call('POST', '/v1/models/digits:pin', { version: '2' });
    assert.equal(rejected.status, 409);
    assert.match(rejected.body['error'] as string, /^version 2 of digits was rejected/);
  });

  it('refuses management bodies that say the wrong thing with 400', async () => {
    assert.equal((await t.call('POST', '/v1/models/digits:pin')).body['error'], 'pin needs a version: {"version": 3}');
    assert.equal(
      (await t.call('POST', '/v1/models/digits:pin', { version: 'v3' })).body['error'],
      'version "v3" is not a version number (1, 2, ...)',
    );
    assert.equal((await t.call('POST', '/v1/models/digits:unpin', { version: 3 })).body['error'], 'unpin takes no version (got 3)');
    assert.equal((await t.call('POST', '/v1/models/digits:pin', { version: 3, why: 'x' })).status, 400);
    assert.equal((await t.call('POST', '/v1/models/digits:rollback', [2])).status, 400);
    assert.equal(t.serving.controls.length, 0);
  });

  it('passes a rollback without a version on to the predictor, whose version policy picks it (see hot-swap.test.ts)', async () => {
    t.serving.rollbackTo = 1;
    const r = await t.call('POST', '/v1/models/digits:rollback');
    assert.equal(r.status, 200);
    assert.deepEqual(t.serving.controls, [{ action: 'rollback', version: null, requestedBy: t.serving.controls[0]?.requestedBy }]);
    assert.equal(r.body['serving_version'], 1);
    const explicit = await t.call('POST', '/v1/models/digits:rollback', { version: 3 });
    assert.equal(explicit.status, 200);
    assert.equal(t.serving.controls[1]?.version, 3);
  });

  it("answers the predictor's refusal of a rollback with its status and message", async () => {
    t.serving.rollbackTo = null;
    const r = await t.call('POST', '/v1/models/digits:rollback');
    assert.equal(r.status, 409);
    assert.equal(r.body['error'], 'no valid version of digits older than the serving one to roll back to (v4 serves)');
  });

  it('answers 500 with the cause when the control record cannot be written', async () => {
    t.serving.failControlWith = new Error('broker unreachable');
    const r = await t.call('POST', '/v1/models/digits:pin', { version: 3 });
    assert.equal(r.status, 500);
    assert.equal(r.body['error'], 'pin to v3 failed: broker unreachable');
  });

  it('counts requests by route and status code, and times them', async () => {
    await t.call('POST', '/v1/models/digits:predict', { instances: [PIXELS(1, 2, 3)] });
    await t.call('POST', '/v1/models/digits:predict', { instances: [[1]] });
    await t.call('GET', '/v1/models/digits');
    await t.call('GET', '/nowhere');
    const text = await t.registry.metrics();
    assert.match(text, /^hotswap_http_requests_total\{route="predict",code="200"\} 1$/m);
    assert.match(text, /^hotswap_http_requests_total\{route="predict",code="400"\} 1$/m);
    assert.match(text, /^hotswap_http_requests_total\{route="status",code="200"\} 1$/m);
    assert.match(text, /^hotswap_http_requests_total\{route="unknown",code="404"\} 1$/m);
    assert.match(text, /^hotswap_http_request_seconds_count\{route="predict"\} 2$/m);
  });
});
