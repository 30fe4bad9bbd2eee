import { DEFAULT_TEST_SIZE } from './split';
import { SyntheticBinaryStream } from './synthetic';
import { loadImageDataset, type Progress } from './images';
import type { Dataset, DatasetName } from './dataset';

export * from './dataset';
export * from './idx';
export * from './split';
export * from './synthetic';
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
  return name === 'synthetic' ? { featureShape: [8], classCount: 2 } : { featureShape: [28, 28], classCount: 10 };
}
