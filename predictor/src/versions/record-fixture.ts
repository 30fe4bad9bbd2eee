import type { ModelRecord } from '@hotswap/shared/contracts';

/** For the versions' tests: a published record of model `m` with no weights (nothing here loads it). */
export function publishedRecord(version: number): ModelRecord {
  return {
    name: 'm',
    version,
    createdAt: version * 1000,
    dataset: 'fashion-mnist',
    architecture: `mlp(${version})`,
    inputShape: [784],
    classNames: [],
    topology: '{}',
    weightSpecs: '[]',
    weights: Buffer.alloc(0),
    weightsSha256: '',
    backend: 'cpu',
    metrics: { accuracy: version / 10, loss: 1, testSamples: 10, trainSamples: 10, epochs: 1, trainSeconds: 1 },
    signingKeyId: null,
    signature: null,
  };
}
