import assert from 'node:assert/strict';
import { parseRoute, parseVersion, type RouteOutcome } from './routes';

function route(method: string, url: string) {
  const outcome = parseRoute(method, url);
  assert.ok(outcome.ok, `refused: ${outcome.ok ? '' : outcome.message}`);
  return outcome.route;
}

function refused(method: string, url: string): Exclude<RouteOutcome, { ok: true }> {
  const outcome = parseRoute(method, url);
  assert.ok(!outcome.ok, `accepted ${method} ${url} as ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('HTTP API routes (TF Serving URL grammar)', () => {
  it('reads the model name, version and verb of every route', () => {
    assert.deepEqual(route('POST', '/v1/models/fashion-mnist:predict'), { action: 'predict', model: 'fashion-mnist', version: null });
    assert.deepEqual(route('POST', '/v1/models/fashion-mnist/versions/7:predict'), {
      action: 'predict',
      model: 'fashion-mnist',
      version: 7,
    });
    assert.deepEqual(route('GET', '/v1/models/fashion-mnist'), { action: 'status', model: 'fashion-mnist', version: null });
    assert.deepEqual(route('GET', '/v1/models/fashion-mnist/versions/12'), { action: 'status', model: 'fashion-mnist', version: 12 });
    for (const verb of ['pin', 'unpin', 'rollback'] as const) {
      assert.deepEqual(route('POST', `/v1/models/mnist:${verb}`), { action: verb, model: 'mnist', version: null });
    }
  });

  it('decodes a URL-encoded model name and ignores the query string', () => {
    assert.equal(route('GET', '/v1/models/my%20model?x=1').model, 'my model');
    assert.equal(refused('GET', '/v1/models/%E0%A4%A').status, 400);
  });

  it('refuses a version that is not a whole number >= 1 with 400', () => {
    for (const bad of ['0', '-1', 'abc', '1.5', '07', '99999999999999999']) {
      const r = refused('GET', `/v1/models/m/versions/${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.message, `version ${JSON.stringify(bad)} is not a version number (1, 2, ...)`);
    }
  });

  it('answers 404 for unknown paths, verbs and version labels, naming the routes there are', () => {
    assert.match(refused('GET', '/').message, /^no route GET \/; routes: GET \/v1\/models\/\{name\}/);
    assert.equal(refused('GET', '/v1/models/').status, 404);
    assert.equal(
      refused('POST', '/v1/models/m:classify').message,
      'unknown verb ":classify" in /v1/models/m:classify; verbs: :predict, :pin, :unpin, :rollback',
    );
    assert.match(refused('GET', '/v1/models/m/labels/stable').message, /^version labels are not supported/);
    assert.match(refused('GET', '/v1/models/m/metadata/x').message, /^no route GET/);
    assert.match(
      refused('POST', '/v1/models/m/versions/3:pin').message,
      /:pin takes no version in the path; send POST \/v1\/models\/m:pin with \{"version": 3\}/,
    );
  });

  it('answers 405 with the allowed method for the wrong one', () => {
    const r = refused('GET', '/v1/models/m:predict');
    assert.equal(r.status, 405);
    assert.equal(r.allow, 'POST');
    assert.equal(r.message, 'GET is not allowed on /v1/models/m:predict; use POST');
    assert.equal(refused('DELETE', '/v1/models/m').allow, 'GET');
  });

  it('reads versions from bodies as numbers or digit strings', () => {
    assert.equal(parseVersion(3), 3);
    assert.equal(parseVersion('3'), 3);
    for (const bad of [0, -2, 1.5, '', ' 3', null, undefined, true, [3]]) assert.equal(parseVersion(bad), null, JSON.stringify(bad));
  });
});
