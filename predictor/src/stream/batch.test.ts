import assert from 'node:assert/strict';
import { modelCodec, sampleCodec, type SampleRecord } from '@hotswap/shared';
import { chunk, decodePacked, packChunk, type RawRecord } from './batch';

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

/** Both halves, as the predictor runs them: headers checked and values packed, then decoded on the inference thread. */
function assembleBatch(records: RawRecord[], data: typeof contract) {
  const packed = packChunk(records);
  const decoded = decodePacked(packed.bytes, packed.ends, data);
  return {
    accepted: Array.from(decoded.index, (i, row) => ({
      source: packed.packed[i],
      sampleId: decoded.sampleIds[row],
      label: decoded.labels[row],
    })),
    rejected: [...packed.rejected, ...decoded.rejected.map((r) => ({ ...r, source: packed.packed[r.index] }))],
    features: decoded.features,
  };
}

describe('packChunk and decodePacked', () => {
  it('writes accepted samples as rows of one float array, pixels scaled to [0, 1]', () => {
    const a = sample({ sampleId: 'a', features: Buffer.alloc(784, 255) });
    const b = sample({ sampleId: 'b', features: Buffer.alloc(784, 51) });
    const out = assembleBatch([raw(a), raw(b)], contract);
    assert.deepEqual(
      out.accepted.map((x) => x.sampleId),
      ['a', 'b'],
    );
    assert.equal(out.features.length, 2 * 784);
    assert.equal(out.features[0], 1);
    assert.ok(Math.abs((out.features[784] as number) - 0.2) < 1e-6);
  });

  it('scales every byte value to exactly the float32 of value / 255, at every pixel position', () => {
    const features = Buffer.from(Array.from({ length: 784 }, (_, i) => (i * 7) % 256));
    const out = assembleBatch([raw(sample({ features }))], contract);
    for (let i = 0; i < 784; i++) assert.equal(out.features[i], Math.fround((features[i] as number) / 255), `pixel ${i}`);
    assert.equal(new Set(features).size, 256, 'all 256 byte values occur');
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
    // Refused on headers first (before packing), then on the bytes (after decoding).
    assert.deepEqual(
      out.rejected.map((r) => r.reason),
      ['empty-record', 'unknown-content-type', 'not-avro', 'not-avro', 'wrong-shape', 'wrong-shape', 'bad-label'],
    );
    assert.deepEqual(
      out.rejected.map((r) => r.source),
      [records[0], records[2], records[1], records[3], records[4], records[5], records[6]],
      'each refusal names its own record',
    );
    assert.deepEqual(
      out.accepted.map((a) => [a.sampleId, a.label, a.source]),
      [['good', 1, good]],
    );
    assert.equal(out.features.length, 784);
    const nan = assembleBatch([raw(sample({ shape: [8], dtype: 'FLOAT32', features: nanFeatures }))], { featureShape: [8], classCount: 2 });
    assert.equal(nan.rejected[0]?.reason, 'bad-features');
    assert.match(nan.rejected[0]?.detail ?? '', /feature 1 is NaN/);
  });
});

describe('decodePacked into a reused feature array', () => {
  it('writes the rows into the array given, and a later chunk overwrites them with its own', () => {
    const into = new Float32Array(3 * 784).fill(-1);
    const first = packChunk([raw(sample({ features: Buffer.alloc(784, 255) })), raw(sample({ features: Buffer.alloc(784, 51) }))]);
    const a = decodePacked(first.bytes, first.ends, contract, into);
    assert.equal(a.features.buffer, into.buffer, 'the rows are a view of the array given');
    assert.equal(a.features.length, 2 * 784);
    assert.equal(into[0], 1);
    assert.ok(Math.abs((into[784] as number) - 0.2) < 1e-6);
    const second = packChunk([raw(sample({ features: Buffer.alloc(784, 0) }))]);
    const b = decodePacked(second.bytes, second.ends, contract, into);
    assert.equal(b.features.length, 784, "only this chunk's rows, not the earlier chunk's second one");
    assert.ok(
      Array.from(b.features).every((v) => v === 0),
      'every feature of the new row is its own',
    );
  });

  it('refuses an array too small for the chunk rather than writing past it', () => {
    const packed = packChunk([raw(sample()), raw(sample())]);
    assert.throws(() => decodePacked(packed.bytes, packed.ends, contract, new Float32Array(784)), /784 floats cannot hold 2 rows of 784/);
  });
});

describe('chunk', () => {
  it('splits into runs of at most the size, keeping order', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunk([], 3), []);
    assert.throws(() => chunk([1], 0), /chunk size 0/);
  });
});

describe('packChunk', () => {
  it('packs the values end to end, so one buffer crosses to the inference thread', () => {
    const a = raw(sample({ sampleId: 'a' }));
    const b = raw(sample({ sampleId: 'bb', label: null }));
    const packed = packChunk([a, b]);
    const [endA, endB] = packed.ends;
    assert.equal(endA, (a.value as Buffer).length);
    assert.equal(endB, (a.value as Buffer).length + (b.value as Buffer).length);
    assert.deepEqual(Buffer.from(packed.bytes.subarray(endA, endB)), b.value);
    const decoded = decodePacked(packed.bytes, packed.ends, contract);
    assert.deepEqual(decoded.sampleIds, ['a', 'bb']);
    assert.deepEqual(Array.from(decoded.labels), [1, -1], 'a sample without a label is -1');
    assert.deepEqual(Array.from(decoded.createdAt), [1, 1]);
  });
});
