import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceProcess, isolatedNames, tempDir } from './support/services';

interface PrintedReply {
  correlationId: string;
  requestId: string;
  ok: boolean;
  failure: string | null;
  roundTripMs: number | null;
  model: { name: string; version: number } | null;
  predictions: { sampleId: string | null; label?: number | null; correct?: boolean | null; error?: string }[];
}

const printed = (client: ServiceProcess): PrintedReply[] =>
  client.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PrintedReply);

async function waitForFile(path: string, pattern: RegExp, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const line = text.split('\n').find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > until) throw new Error(`${path}: no line matching ${pattern} within ${timeoutMs} ms; ends with:\n${text.slice(-400)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('request/reply over Kafka', function () {
  this.timeout(180_000);

  it('answers several clients at once, each with exactly its own replies; unlabelled samples do not count toward accuracy', async () => {
    const names = isolatedNames('rr');
    const logFile = join(tempDir('rr'), 'p.log');
    const models = new ServiceProcess('modelgenerator', { ...names.env, MODEL_SCHEDULE: 'mlp:16@1000x1', MODEL_INTERVAL_MS: '0' });
    assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
    const predictor = new ServiceProcess('predictor', { ...names.env, PREDICTOR_GROUP: names.group, LOG_FILE: logFile, LOG_EVERY: '1' });
    try {
      await predictor.waitFor(/consuming/);
      const clients = [
        { id: `${names.id}-a`, requests: 10, size: 5, unlabelled: '0' },
        { id: `${names.id}-b`, requests: 8, size: 3, unlabelled: '1' },
        { id: `${names.id}-c`, requests: 12, size: 1, unlabelled: '0' },
      ].map(
        (c) =>
          [
            c,
            new ServiceProcess(
              'datagenerator',
              {
                ...names.env,
                RUN_ID: c.id,
                REQUESTS: String(c.requests),
                REQUEST_SIZE: String(c.size),
                REQUEST_RATE: '20',
                UNLABELLED_RATIO: c.unlabelled,
              },
              ['request'],
            ),
          ] as const,
      );
      for (const [c, client] of clients) {
        assert.equal(await client.exitCode(60_000), 0, `client ${c.id}:\n${client.lines.slice(-5).join('\n')}`);
        const replies = printed(client);
        assert.equal(replies.length, c.requests, `client ${c.id} printed one line per request`);
        assert.deepEqual(
          replies.map((r) => r.correlationId).sort(),
          Array.from({ length: c.requests }, (_, i) => `${c.id}-${i + 1}`).sort(),
          'exactly its own correlation ids, each once',
        );
        for (const r of replies) {
          assert.equal(r.ok, true, r.failure ?? '');
          assert.deepEqual(r.model, { name: 'fashion-mnist', version: 1 });
          assert.equal(r.predictions.length, c.size);
          assert.ok(
            r.predictions.every((p) => p.sampleId?.startsWith(`${c.id}:`)),
            'only its own samples',
          );
          assert.ok(
            r.predictions.every((p) => (c.unlabelled === '1' ? p.label === null && p.correct === null : typeof p.correct === 'boolean')),
          );
          assert.ok(typeof r.roundTripMs === 'number' && r.roundTripMs >= 0);
        }
        assert.match(client.lines.join('\n'), new RegExp(`${c.requests} sent, ${c.requests} answered, 0 failed`));
      }
      // 50 + 24 + 12 predictions, of which the 24 unlabelled ones are not scored.
      await waitForFile(logFile, /count=62 predictions=86 /, 30_000);
      assert.doesNotMatch(readFileSync(logFile, 'utf8'), /predictions=87 /, 'no request answered twice');
    } finally {
      assert.equal(await predictor.stop(), 0);
    }
  });

  it('exits 1, naming the missing replies, when no predictor answers within the timeout', async () => {
    const names = isolatedNames('rr-down');
    const client = new ServiceProcess(
      'datagenerator',
      { ...names.env, RUN_ID: names.id, REQUESTS: '2', REQUEST_RATE: '0', REPLY_TIMEOUT_MS: '1500' },
      ['request'],
    );
    assert.equal(await client.exitCode(60_000), 1, client.lines.join('\n'));
    const replies = printed(client);
    assert.equal(replies.length, 2);
    assert.ok(replies.every((r) => !r.ok && r.failure === 'no reply within 1500 ms' && r.model === null));
    assert.match(client.lines.join('\n'), /2 sent, 0 answered, 2 failed \(2 without a reply\)/);
  });

  it('replies with a per-sample error to a request whose samples do not fit, and the client exits 1', async () => {
    const names = isolatedNames('rr-bad');
    const models = new ServiceProcess('modelgenerator', { ...names.env, MODEL_SCHEDULE: 'mlp:8@500x1', MODEL_INTERVAL_MS: '0' });
    assert.equal(await models.exitCode(120_000), 0);
    // The predictor serves 28x28 images; this client sends 8-feature synthetic samples.
    const predictor = new ServiceProcess('predictor', {
      ...names.env,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('rrb'), 'p.log'),
    });
    try {
      await predictor.waitFor(/consuming/);
      const client = new ServiceProcess('datagenerator', { ...names.env, RUN_ID: names.id, REQUESTS: '1', DATASET: 'synthetic' }, [
        'request',
      ]);
      assert.equal(await client.exitCode(60_000), 1, client.lines.join('\n'));
      const [reply] = printed(client);
      assert.equal(reply?.ok, false);
      assert.equal(reply?.predictions.length, 5);
      assert.ok(reply?.predictions.every((p) => /^wrong-shape: shape \[8\] does not match \[28,28\]/.test(p.error ?? '')));
      assert.match(reply?.failure ?? '', /5 of 5 sample\(s\) not predicted/);
    } finally {
      assert.equal(await predictor.stop(), 0);
    }
  });
});
