import assert from 'node:assert/strict';
import { retryForever } from './retry';

describe('retryForever', () => {
  it('retries until the attempt succeeds, saying so each time', async () => {
    let calls = 0;
    const lines: string[] = [];
    const value = await retryForever(
      async () => {
        if (++calls < 3) throw new Error(`down ${calls}`);
        return 'up';
      },
      { what: 'send', warn: (l) => lines.push(l), maxDelayMs: 5 },
    );
    assert.equal(value, 'up');
    assert.equal(calls, 3);
    assert.deepEqual(lines, ['send failed (down 1); retry 1 in 0.005 s', 'send failed (down 2); retry 2 in 0.005 s']);
  });

  it('gives up with the last error once aborted', async () => {
    const abort = new AbortController();
    const pending = retryForever(
      async () => {
        throw new Error('still down');
      },
      { what: 'send', warn: () => abort.abort(), signal: abort.signal, maxDelayMs: 10_000 },
    );
    await assert.rejects(pending, /still down/);
  });
});
