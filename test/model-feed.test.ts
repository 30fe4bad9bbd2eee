import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  KafkaClient,
  controlHeaders,
  controlRecordKey,
  createLogger,
  encodeControl,
  modelCodec,
  modelRecordKey,
  modelTopicSpec,
  type ModelRecord,
  type OutboundRecord,
} from '@hotswap/shared';
import { ModelFeedThread, type ModelFeedItem } from '@hotswap/predictor/versions/feed';
import { brokers, isolatedNames, produceRaw } from './support/services';
import { setUpSuite } from './support/set-up';

/** A model record that decodes; its weights are never loaded here, so any bytes do. */
function modelRecord(version: number, weights: Buffer): ModelRecord {
  return {
    name: 'feed-test',
    version,
    createdAt: Date.now(),
    dataset: 'fashion-mnist',
    architecture: 'mlp(16)',
    inputShape: [784],
    classNames: '0123456789'.split(''),
    topology: '{}',
    weightSpecs: '[]',
    weights,
    weightsSha256: createHash('sha256').update(weights).digest('hex'),
    backend: 'cpu',
    metrics: { accuracy: 0, loss: 0, testSamples: 0, trainSamples: 0, epochs: 0, trainSeconds: 0 },
    signingKeyId: null,
    signature: null,
  };
}

const asRecord = (m: ModelRecord): OutboundRecord => ({
  key: modelRecordKey(m.name, m.version),
  value: modelCodec.encode(m),
  headers: modelCodec.headers(),
});

/** Label of an item, for comparing sequences. */
function label(item: ModelFeedItem): string {
  return item.kind === 'model' ? `model v${item.model.version}` : item.kind;
}

describe('the model-topic thread, on a real broker', function () {
  this.timeout(60_000);
  // Made once the global setup has named the broker, which is after the test files load.
  let kafka: KafkaClient;
  setUpSuite(() => {
    kafka = new KafkaClient(
      { brokers: brokers().split(','), clientId: 'hotswap-test', ssl: false },
      createLogger({ service: 'test', level: 'error' }),
    );
  });
  const feeds: ModelFeedThread[] = [];

  async function modelTopic(records: OutboundRecord[]): Promise<string> {
    const topic = isolatedNames('feed').modelTopic;
    await kafka.ensureTopics([modelTopicSpec(topic)]);
    if (records.length > 0) await produceRaw(topic, records);
    return topic;
  }

  function feed(topic: string, onFatal: (e: Error) => void = (e) => assert.fail(`unexpected fatal error: ${e.message}`)): ModelFeedThread {
    const f = new ModelFeedThread(
      {
        transport: { kind: 'kafka', kafka: { brokers: brokers().split(','), clientId: 'hotswap-test', ssl: false } },
        topic,
        groupPrefix: 'feed-test',
        logLevel: 'error',
      },
      onFatal,
    );
    feeds.push(f);
    return f;
  }

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.stop()));
  });

  it('hands over models, control records and undecodable records in topic order, one at a time, then says it caught up', async () => {
    const weights = randomBytes(1024 * 1024);
    const control = { id: 'c1', model: 'feed-test', action: 'pin' as const, version: 1, requestedAt: 1, requestedBy: 'test', reason: null };
    const topic = await modelTopic([
      asRecord(modelRecord(1, weights)),
      { key: controlRecordKey('feed-test'), value: encodeControl(control), headers: controlHeaders() },
      { key: 'garbage', value: Buffer.from('not avro at all'), headers: modelCodec.headers() },
      { key: modelRecordKey('feed-test', 1), value: null as unknown as Buffer, headers: modelCodec.headers() },
      asRecord(modelRecord(2, Buffer.from('second'))),
    ]);
    const items: ModelFeedItem[] = [];
    let handling = 0;
    let mostAtOnce = 0;
    let itemsAtCatchUp = -1;
    const caughtUp = new Promise<void>((resolve) => {
      void feed(topic).start(
        async (item) => {
          handling++;
          mostAtOnce = Math.max(mostAtOnce, handling);
          // Slow enough that a second hand-over, if the thread did not wait, would overlap this one.
          await sleep(100);
          items.push(item);
          handling--;
        },
        () => {
          itemsAtCatchUp = items.length;
          resolve();
        },
      );
    });
    await caughtUp;
    assert.deepEqual(items.map(label), ['model v1', 'control', 'undecodable', 'model v2'], 'the tombstone is skipped, the rest in order');
    assert.equal(mostAtOnce, 1, 'never two records in hand at once');
    assert.equal(itemsAtCatchUp, 4, 'caught up only once every record that was there at the start was handled');
    const offsets = items.map((i) => Number(i.place.offset));
    assert.deepEqual(offsets, [0, 1, 2, 4]);
    const [first, second, third] = items;
    assert.ok(
      first?.kind === 'model' && Buffer.isBuffer(first.model.weights) && first.model.weights.equals(weights),
      'weights arrive whole, as a Buffer',
    );
    assert.ok(second?.kind === 'control' && JSON.parse(second.value.toString('utf8')).id === 'c1');
    assert.ok(third?.kind === 'undecodable' && third.message.length > 0, 'an undecodable record comes with the reason');
  });

  it('hands a record over again when its handling failed, and holds the next one back until then', async () => {
    const topic = await modelTopic([asRecord(modelRecord(1, Buffer.from('one'))), asRecord(modelRecord(2, Buffer.from('two')))]);
    const seen: string[] = [];
    let failuresLeft = 1;
    const done = new Promise<void>((resolve) => {
      void feed(topic).start(
        async (item) => {
          seen.push(label(item));
          if (item.kind === 'model' && item.model.version === 1 && failuresLeft-- > 0) throw new Error('cannot load right now');
          if (item.kind === 'model' && item.model.version === 2) resolve();
        },
        () => undefined,
      );
    });
    await done;
    assert.deepEqual(seen, ['model v1', 'model v1', 'model v2']);
  });

  it('reads what is written after it caught up', async () => {
    const topic = await modelTopic([]);
    const seen: string[] = [];
    let caughtUp = false;
    const later = new Promise<void>((resolve) => {
      void feed(topic)
        .start(
          async (item) => {
            seen.push(label(item));
            resolve();
          },
          () => (caughtUp = true),
        )
        .then(() => produceRaw(topic, [asRecord(modelRecord(7, Buffer.from('seven')))]));
    });
    await later;
    assert.ok(caughtUp, 'an empty topic is caught up at once');
    assert.deepEqual(seen, ['model v7']);
  });

  it('stops when asked before it began reading: the start is refused, and nothing is fatal', async () => {
    const topic = await modelTopic([asRecord(modelRecord(1, Buffer.from('one')))]);
    const fatal: Error[] = [];
    const f = feed(topic, (e) => fatal.push(e));
    const seen: ModelFeedItem[] = [];
    const started = f.start(
      async (item) => {
        seen.push(item);
      },
      () => undefined,
    );
    await f.stop();
    await assert.rejects(started, /model-topic thread stopped before it began reading/);
    await sleep(500);
    assert.deepEqual(fatal, []);
    assert.deepEqual(seen, [], 'nothing is handed over after stop');
  });

  it('finishes the record in hand before it stops', async () => {
    const topic = await modelTopic([asRecord(modelRecord(1, Buffer.from('one'))), asRecord(modelRecord(2, Buffer.from('two')))]);
    const f = feed(topic);
    const seen: string[] = [];
    let finished = false;
    let inHand: () => void = () => undefined;
    const handling = new Promise<void>((resolve) => (inHand = resolve));
    await f.start(
      async (item) => {
        seen.push(label(item));
        inHand();
        await sleep(300);
        finished = true;
      },
      () => undefined,
    );
    await handling;
    await f.stop();
    assert.ok(finished, 'stop waited for the record being handled');
    assert.deepEqual(seen, ['model v1'], 'and handed over nothing after it');
  });
});
