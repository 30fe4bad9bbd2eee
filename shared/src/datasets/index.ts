import { DEFAULT_TEST_SIZE } from './split';
import { SYNTHETIC_CLASSES, SYNTHETIC_FEATURES, SyntheticBinaryStream } from './synthetic';
import { loadImageDataset, type Progress } from './images';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, type Dataset, type DatasetName } from './dataset';
import type { DatasetContract } from './csv';

export * from './dataset';
export * from './idx';
export * from './split';
export * from './synthetic';
export * from './csv';
export { loadImageDataset, scanPixelArrays, type Progress } from './images';

export interface DatasetOptions {
  idxDir?: string;
  cacheDir?: string;
  seed: number;
  drift: number;
}

/** Size of the materialized synthetic pool: same size as the image sets, so the split is alike. */
export const SYNTHETIC_POOL_SIZE = 60_000 + DEFAULT_TEST_SIZE;

export function loadDataset(name: DatasetName, options: DatasetOptions, progress: Progress = () => undefined): Dataset {
  if (name === 'synthetic') {
    return new SyntheticBinaryStream({ seed: options.seed, drift: options.drift }).materialize(SYNTHETIC_POOL_SIZE);
  }
  const source: { idxDir?: string; cacheDir?: string } = {};
  if (options.idxDir !== undefined) source.idxDir = options.idxDir;
  if (options.cacheDir !== undefined) source.cacheDir = options.cacheDir;
  return loadImageDataset(name, source, progress);
}

/** The shape and class count a model for this dataset must fit, known without loading the data. */
export function dataContractFor(name: DatasetName): { featureShape: number[]; classCount: number } {
  const { featureShape, classNames } = datasetContract(name);
  return { featureShape: [...featureShape], classCount: classNames.length };
}

/** The contract a dataset's samples fit (classes, shape, feature type), known without loading the data. */
export function datasetContract(name: DatasetName): DatasetContract {
  if (name === 'synthetic') return { name, classNames: SYNTHETIC_CLASSES, featureShape: [SYNTHETIC_FEATURES], dtype: 'FLOAT32' };
  return { name, classNames: name === 'mnist' ? MNIST_CLASSES : FASHION_MNIST_CLASSES, featureShape: [28, 28], dtype: 'UINT8' };
}
