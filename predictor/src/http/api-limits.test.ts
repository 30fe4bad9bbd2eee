import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { PIXELS, apiUnderTest } from './api-fixture';

describe('HTTP API: request size limits (real socket)', () => {
  const t = apiUnderTest();

  it('answers 413 for more instances than the limit', async () => {
    const r = await t.call('POST', '/v1/models/digits:predict', { instances: Array.from({ length: 9 }, () => PIXELS(1, 2, 3)) });
    assert.equal(r.status, 413);
    assert.equal(r.body['error'], '9 instances in one request; at most 8 are accepted (HTTP_MAX_INSTANCES)');
  });

  it('answers 413 to a declared Content-Length over the limit without reading the body, and closes', async () => {
    const answer = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
      const req = request(
        { port: t.port, method: 'POST', path: '/v1/models/digits:predict', headers: { 'content-length': t.maxBody + 1 } },
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
      error: `the body is ${t.maxBody + 1} bytes, over the limit of ${t.maxBody} (HTTP_MAX_BODY_BYTES)`,
    });
  });

  it('tells a client that expects 100-continue 413 before it sends the body', async () => {
    const answer = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = request({
        port: t.port,
        method: 'POST',
        path: '/v1/models/digits:predict',
        headers: { 'content-length': 10 * t.maxBody, expect: '100-continue' },
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
    const socket = connect(t.port, '127.0.0.1');
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
});
