import assert from 'node:assert/strict';
import { FASHION_MNIST_CLASSES, sampleCodec, type Dataset, type Logger, type OutboundRecord, type RecordSender } from '@hotswap/shared';
import { LabelSwap } from './drift';
import { DataGenerator } from './generator';
import { SplitSource } from './stream';

// Sample i has label i % 10 and all four features equal to i, so a swapped label shows against its features.
const SIZE = 20;
const ds: Dataset = {
  name: 'fashion-mnist',
  classNames: FASHION_MNIST_CLASSES,
  featureShape: [2, 2],
  dtype: 'UINT8',
  size: SIZE,
  features: new Uint8Array(SIZE * 4).map((_, i) => Math.floor(i / 4)),
  labels: new Uint8Array(SIZE).map((_, i) => i % 10),
};

class Recorder implements RecordSender {
  readonly records: OutboundRecord[] = [];
  async connect(): Promise<void> {}
  async send(_topic: string, records: OutboundRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async disconnect(): Promise<void> {}
}

async function stream(labelSwap: LabelSwap | undefined, unlabelledRatio = 0, count = SIZE) {
  const producer = new Recorder();
  const lines: string[] = [];
  const logger = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(`warn ${l}`) } as unknown as Logger;
  let drifted = 0;
  const source = new SplitSource(
    ds,
    new Uint32Array(SIZE).map((_, i) => i),
    'test',
    { runId: 'r', unlabelledRatio, seed: 3 },
  );
  await new DataGenerator({ source, producer, topic: 't', rate: 0, count, logger, labelSwap, onDrifted: (n) => (drifted += n) }).run();
  const samples = producer.records.map((r) => sampleCodec.decode(r.value as Buffer, r.headers));
  return { samples, lines, drifted };
}

describe('data generator with a label swap', () => {
  it('sends the labels of 3 and 5 swapped from sample 12 on, with their features untouched', async () => {
    const { samples, drifted } = await stream(new LabelSwap(3, 5, 12, FASHION_MNIST_CLASSES));
    assert.deepEqual(
      samples.map((s) => s.label),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 5, 4, 3, 6, 7, 8, 9],
    );
    samples.forEach((s, i) => assert.deepEqual(Array.from(s.features), [i, i, i, i], `features of sample ${i}`));
    assert.equal(drifted, 2);
  });

  it('logs the first drifted sample once over several batches, cycling through the split', async () => {
    // 1200 samples go out in batches of at most 500; positions 16 on with label 3 or 5 drift: 240 less 3, 5, 13, 15.
    const { samples, lines, drifted } = await stream(new LabelSwap(3, 5, 16, FASHION_MNIST_CLASSES), 0, 1200);
    assert.equal(samples.length, 1200);
    assert.deepEqual(
      lines.filter((l) => l.startsWith('drift:')),
      ['drift: sample 16 on carries swapped labels 3 (Dress) <-> 5 (Sandal)'],
    );
    assert.equal(drifted, 236);
    assert.equal(samples[1193]?.label, 5);
  });

  it('neither logs nor counts a drift whose first sample is never sent', async () => {
    const { lines, drifted } = await stream(new LabelSwap(3, 5, SIZE, FASHION_MNIST_CLASSES));
    assert.deepEqual(
      lines.filter((l) => l.startsWith('drift:')),
      [],
    );
    assert.equal(drifted, 0);
  });

  it('sends unlabelled samples unlabelled, and does not count them as drifted', async () => {
    const plain = await stream(undefined, 0.5);
    const swapped = await stream(new LabelSwap(3, 5, 0, FASHION_MNIST_CLASSES), 0.5);
    const unlabelled = plain.samples.map((s) => s.label === null);
    assert.ok(unlabelled.some(Boolean), 'some samples are unlabelled');
    assert.deepEqual(
      swapped.samples.map((s) => s.label === null),
      unlabelled,
    );
    const expectedDrift = plain.samples.filter((s) => s.label === 3 || s.label === 5).length;
    assert.equal(swapped.drifted, expectedDrift);
  });

  it('sends the labels as they are and logs no drift without a swap', async () => {
    const { samples, lines, drifted } = await stream(undefined);
    assert.deepEqual(
      samples.map((s) => s.label),
      Array.from(ds.labels),
    );
    assert.equal(lines.filter((l) => l.startsWith('drift:')).length, 0);
    assert.equal(drifted, 0);
  });
});
