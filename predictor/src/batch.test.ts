import assert from 'node:assert/strict';
import { modelCodec, sampleCodec, type SampleRecord } from '@hotswap/shared';
import { assembleBatch, chunk, type RawRecord } from './batch';

const contract = { featureShape: [28, 28], classCount: 10 };

function sample(over: Partial<SampleRecord> = {}): SampleRecord {
  return {
    sampleId: 's',
    dataset: 'fashion-mnist',
    createdAt: 1,
    shape: [28, 28],
    dtype: 'UINT8',
    features: Buffer.alloc(784, 255),
    label: 1,
    ...over,
  };
}

function raw(s: SampleRecord): RawRecord {
  return { value: sampleCodec.encode(s), headers: sampleCodec.headers() };
}

describe('assembleBatch', () => {
  it('writes accepted samples as rows of one float array, pixels scaled to [0, 1]', () => {
    const a = sample({ sampleId: 'a', features: Buffer.alloc(784, 255) });
    const b = sample({ sampleId: 'b', features: Buffer.alloc(784, 51) });
    const out = assembleBatch([raw(a), raw(b)], contract);
    assert.deepEqual(
      out.accepted.map((x) => x.sample.sampleId),
      ['a', 'b'],
    );
    assert.equal(out.features.length, 2 * 784);
    assert.equal(out.features[0], 1);
    assert.ok(Math.abs((out.features[784] as number) - 0.2) < 1e-6);
  });

  it('reads float32 features little-endian', () => {
    const floats = new Float32Array(8).map((_, i) => i / 2);
    const s = sample({ shape: [8], dtype: 'FLOAT32', features: Buffer.from(floats.buffer) });
    const out = assembleBatch([raw(s)], { featureShape: [8], classCount: 2 });
    assert.deepEqual(Array.from(out.features), Array.from(floats));
  });

  it('sets unusable records aside with a reason and keeps the rest in order', () => {
    const good = raw(sample({ sampleId: 'good' }));
    const nanFeatures = Buffer.from(new Float32Array([1, Number.NaN, 0, 0, 0, 0, 0, 0]).buffer);
    const records: RawRecord[] = [
      { value: null, headers: {} },
      { value: Buffer.from('not avro'), headers: sampleCodec.headers() },
      { value: good.value, headers: modelCodec.headers() },
      { value: (good.value as Buffer).subarray(0, 100), headers: sampleCodec.headers() },
      raw(sample({ shape: [27, 28] })),
      raw(sample({ features: Buffer.alloc(700) })),
      raw(sample({ label: 10 })),
      good,
    ];
    const out = assembleBatch(records, contract);
    assert.deepEqual(
      out.rejected.map((r) => r.reason),
      ['empty-record', 'not-avro', 'unknown-content-type', 'not-avro', 'wrong-shape', 'wrong-shape', 'bad-label'],
    );
    assert.deepEqual(
      out.accepted.map((a) => a.sample.sampleId),
      ['good'],
    );
    assert.equal(out.features.length, 784);
    const nan = assembleBatch([raw(sample({ shape: [8], dtype: 'FLOAT32', features: nanFeatures }))], { featureShape: [8], classCount: 2 });
    assert.equal(nan.rejected[0]?.reason, 'bad-features');
    assert.match(nan.rejected[0]?.detail ?? '', /feature 1 is NaN/);
  });
});

describe('chunk', () => {
  it('splits into runs of at most the size, keeping order', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunk([], 3), []);
    assert.throws(() => chunk([1], 0), /chunk size 0/);
  });
});
