import assert from 'node:assert/strict';
import type { OutboundRecord } from './records';
import { requestsOf } from './requests';

describe('requestsOf', () => {
  const record = (bytes: number, key = 'k'): OutboundRecord => ({ key, value: Buffer.alloc(bytes), headers: { 'content-type': 'x' } });

  it('keeps records in order and each run under the byte limit, counting keys, values and headers', () => {
    const records = Array.from({ length: 10 }, (_, i) => record(100, `k${i}`));
    const runs = requestsOf(records, 450);
    assert.deepEqual(
      runs.map((r) => r.length),
      [3, 3, 3, 1],
      'each record counts 100 value bytes plus its key, header and overhead: 3 fit in 450',
    );
    assert.deepEqual(runs.flat(), records);
  });

  it('sends everything in one run when it fits, nothing for no records', () => {
    assert.equal(requestsOf([record(10), record(10)], 1000).length, 1);
    assert.deepEqual(requestsOf([], 1000), []);
  });

  it('gives a record larger than the limit a run of its own rather than dropping it', () => {
    const big = record(5000);
    assert.deepEqual(requestsOf([record(10), big, record(10)], 1000), [[record(10)], [big], [record(10)]]);
  });

  it('counts string values in UTF-8 bytes, not characters', () => {
    const wide = { value: '€'.repeat(100) }; // 300 bytes, 100 characters
    assert.equal(requestsOf([wide, wide], 500).length, 2);
  });
});
