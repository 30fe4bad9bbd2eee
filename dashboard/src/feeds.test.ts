import assert from 'node:assert/strict';
import { CONTROL_CONTENT_TYPE, HEADER_CONTENT_TYPE, modelCodec, sampleCodec, type ModelRecord } from '@hotswap/shared/contracts';
import { createLogger } from '@hotswap/shared/telemetry';
import type { InboundRecord, TopicReader, Transport } from '@hotswap/shared/transport';
import { DashboardAggregate } from './aggregate';
import { TopicFeeds } from './feeds';

const T0 = 1_700_000_000_000;
const TOPICS = { predictionTopic: 'p', modelTopic: 'm', dataTopic: 'd' };

/** A transport whose topics hold the given records: each reader gets them all, then is caught up. */
function transportWith(records: Record<string, InboundRecord[]>): Transport {
  const reader: TopicReader = { disconnect: async () => undefined };
  return {
    readFromStart: async (topic: string, _group: string, onRecord: (r: InboundRecord) => Promise<void>, onCaughtUp: () => void) => {
      for (const r of records[topic] ?? []) await onRecord(r);
      onCaughtUp();
      return reader;
    },
  } as unknown as Transport;
}

const record = (topic: string, value: Buffer | null, headers: Record<string, string> = {}): InboundRecord => ({
  topic,
  partition: 0,
  offset: '0',
  key: null,
  value,
  headers,
  timestamp: T0,
});

const model: ModelRecord = {
  name: 'fashion-mnist',
  version: 2,
  createdAt: T0 - 5000,
  dataset: 'fashion-mnist',
  architecture: 'mlp(64)',
  inputShape: [784],
  classNames: ['zero', 'one'],
  topology: '{}',
  weightSpecs: '[]',
  weights: Buffer.alloc(0),
  weightsSha256: '',
  backend: 'cpu',
  metrics: { accuracy: 0.9, loss: 0.3, testSamples: 100, trainSamples: 1000, epochs: 1, trainSeconds: 1 },
  signingKeyId: null,
  signature: null,
};

const prediction = (sampleId: string, predicted: number, label: number) =>
  Buffer.from(
    JSON.stringify({
      sampleId,
      model: { name: 'fashion-mnist', version: 2 },
      predicted,
      predictedClass: String(predicted),
      confidence: 0.5,
      label,
      correct: predicted === label,
      predictedAt: T0,
      predictor: 'replica-1',
      challenger: { version: 3, predicted: 1 },
    }),
  );

describe('TopicFeeds', () => {
  it('reads models, control records, samples and predictions into the aggregate, counting what it cannot read', async () => {
    const aggregate = new DashboardAggregate();
    const pixels = Buffer.alloc(784, 200);
    const transport = transportWith({
      m: [
        record('m', modelCodec.encode(model), modelCodec.headers()),
        record('m', Buffer.from(JSON.stringify({ model: 'fashion-mnist', action: 'promote', version: 2 })), {
          [HEADER_CONTENT_TYPE]: CONTROL_CONTENT_TYPE,
        }),
        record('m', null), // a tombstone: nothing
      ],
      d: [
        record(
          'd',
          sampleCodec.encode({
            sampleId: 'a',
            dataset: 'fashion-mnist',
            createdAt: T0,
            shape: [28, 28],
            dtype: 'UINT8',
            features: pixels,
            label: 0,
          }),
          sampleCodec.headers(),
        ),
        record('d', Buffer.from('not avro'), sampleCodec.headers()),
      ],
      p: [record('p', prediction('a', 1, 0)), record('p', prediction('b', 1, 1)), record('p', Buffer.from('{"half": '))],
    });
    const counted: string[] = [];
    const feeds = new TopicFeeds(TOPICS, transport, aggregate, createLogger({ service: 'test', level: 'error' }), (topic) =>
      counted.push(topic),
    );
    await feeds.start();
    const s = aggregate.snapshot(T0);
    assert.deepEqual(
      s.versions.map((v) => [v.version, v.heldOut, v.predictions, v.live]),
      [[2, 0.9, 2, 0.5]],
    );
    assert.deepEqual(
      s.markers.map((m) => `${m.kind} v${m.version}`),
      ['promote v2', 'first v2'],
      'in time order, the control record (at its record time) read first',
    );
    assert.equal(s.mistakes[0]?.labelClass, 'zero', 'class names from the model record');
    assert.equal(s.mistakes[0]?.pixels, pixels.toString('base64'), 'the mistake joined with its sample');
    assert.equal(s.totals.unreadable, 2, 'the sample that is not Avro and the half prediction');
    assert.equal(s.caughtUp, true);
    assert.equal(s.lag.samples, 0, 'predictions read before catching up have no lag');
    assert.deepEqual(counted.sort(), ['data', 'data', 'model', 'model', 'prediction', 'prediction']);
    await feeds.stop();
  });
});
