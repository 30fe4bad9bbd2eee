import { bufferView } from '../bytes';
import type { FeatureType } from '../schemas/records';

export type DatasetName = 'fashion-mnist' | 'mnist' | 'synthetic';
export const DATASET_NAMES: readonly DatasetName[] = ['fashion-mnist', 'mnist', 'synthetic'];

/** A labelled dataset held as typed arrays: `features` is size × featureLength, row-major. */
export interface Dataset {
  name: DatasetName;
  classNames: readonly string[];
  featureShape: readonly number[];
  dtype: FeatureType;
  size: number;
  features: Uint8Array | Float32Array;
  labels: Uint8Array;
}

export function featureLength(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The features of sample i, as a view (no copy). */
export function featuresOf(ds: Dataset, i: number): Uint8Array | Float32Array {
  const n = featureLength(ds.featureShape);
  return ds.features.subarray(i * n, (i + 1) * n);
}

/** Bytes as they travel in a sample record: UINT8 as is, FLOAT32 little-endian. */
export function featureBytes(features: Uint8Array | Float32Array): Buffer {
  return bufferView(features);
}

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
