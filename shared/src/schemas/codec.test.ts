import assert from 'node:assert/strict';
import { DecodeError } from './codec';
import { modelCodec, sampleCodec, type SampleRecord } from './records';

const sample: SampleRecord = {
  sampleId: 'run:test:1',
  dataset: 'fashion-mnist',
  createdAt: 1_700_000_000_000,
  shape: [28, 28],
  dtype: 'UINT8',
  features: Buffer.alloc(784, 7),
  label: 3,
};

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e.reason;
    throw e;
  }
  return 'decoded';
}

describe('Avro codecs', () => {
  it('round-trips a sample, null label included', () => {
    for (const s of [sample, { ...sample, label: null }]) {
      assert.deepEqual({ ...sampleCodec.decode(sampleCodec.encode(s), sampleCodec.headers()) }, s);
    }
  });

  it('names content type, schema and a sha256 fingerprint in the headers', () => {
    const h = sampleCodec.headers();
    assert.equal(h['content-type'], 'application/vnd.hotswap.sample+avro');
    assert.equal(h['schema-name'], 'hotswap.Sample');
    assert.match(h['schema-fingerprint'] as string, /^[0-9a-f]{64}$/);
    assert.notEqual(h['schema-fingerprint'], modelCodec.headers()['schema-fingerprint']);
  });

  it('refuses records by reason: headers, content type, fingerprint, truncation, trailing bytes', () => {
    const bytes = sampleCodec.encode(sample);
    const headers = sampleCodec.headers();
    assert.equal(
      reason(() => sampleCodec.decode(bytes, undefined)),
      'missing-headers',
    );
    assert.equal(
      reason(() => sampleCodec.decode(bytes, modelCodec.headers())),
      'unknown-content-type',
    );
    assert.equal(
      reason(() => sampleCodec.decode(bytes, { ...headers, 'schema-fingerprint': 'ab' })),
      'unknown-schema',
    );
    assert.equal(
      reason(() => sampleCodec.decode(bytes.subarray(0, bytes.length - 10), headers)),
      'not-avro',
    );
    assert.equal(
      reason(() => sampleCodec.decode(Buffer.concat([bytes, Buffer.from([0])]), headers)),
      'not-avro',
    );
    assert.equal(
      reason(() => sampleCodec.decode(Buffer.from('{"json":true}'), headers)),
      'not-avro',
    );
  });

  it('will not encode an invalid record', () => {
    assert.throws(() => sampleCodec.encode({ ...sample, dtype: 'INT64' as 'UINT8' }), /invalid field\(s\) dtype/);
  });
});
