import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadKafkajs } from '../kafkajs';
import { kafkajsOriginal } from './kafkajs-original';
import { encodeProduceRequest, RECORD_BATCH_OVERHEAD, type WireMessage } from './produce-request';
import { decodeRecord, type RecordBatchContext } from './record-decoder';

// Pins that a fetched record reads into exactly the fields kafkajs 2.2.4's own decoder gives
// (read fresh from its file), records written by the produce encoder of wire/produce-request.ts.

const kafkajsRoot = dirname(createRequire(__filename).resolve('kafkajs/package.json'));
const RECORD_DECODER = join(kafkajsRoot, 'src', 'protocol', 'recordBatch', 'record', 'v0', 'decoder.js');
type KafkajsDecoder = { buffer: Buffer; offset: number };
const Decoder = createRequire(RECORD_DECODER)('../../../decoder') as new (buffer: Buffer) => KafkajsDecoder;
type RecordReader = (decoder: KafkajsDecoder, context: RecordBatchContext) => unknown;

/** Each record's bytes (without its length prefix) of a one-partition batch of `messages`. */
function recordBodies(messages: WireMessage[]): Buffer[] {
  const topic = 't';
  const request = encodeProduceRequest(
    {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1,
      producerId: -1n,
      producerEpoch: 0,
      topicData: [{ topic, partitions: [{ partition: 0, messages }] }],
    },
    1_764_000_000_000,
  );
  // Request fields (2 + 2 + 4 + 4), the topic (2 + 1 + 4), the partition (4 + 4), the batch header.
  let at = 12 + 7 + 8 + RECORD_BATCH_OVERHEAD;
  const bodies: Buffer[] = [];
  const decoder = new Decoder(request) as KafkajsDecoder & { readVarIntBytes(): Buffer };
  decoder.offset = at;
  for (let i = 0; i < messages.length; i++) bodies.push(decoder.readVarIntBytes());
  at = decoder.offset;
  assert.equal(at, request.length, 'every record read');
  return bodies;
}

const CONTEXT: RecordBatchContext = {
  firstOffset: '41',
  firstTimestamp: '1764000000000',
  maxTimestamp: '1764000000999',
  magicByte: 2,
  isControlBatch: false,
  timestampType: 0,
};

const MESSAGES: WireMessage[] = [
  { key: 'fashion-mnist:000001', value: JSON.stringify({ predicted: 3 }), headers: { 'content-type': 'application/json' } },
  { key: null, value: randomBytes(835), headers: { 'content-type': 'avro/binary', 'sample-schema': 'v1' } },
  { key: randomBytes(4), value: null },
  { key: 'k', value: '', headers: { dup: ['a', Buffer.from([0, 1]), 'c'], one: 'é' } },
  { key: 'early', value: 'x', timestamp: '1' },
  { key: 'far', value: 'y', timestamp: String(2 ** 52) },
];

describe('decodeRecord (fetched records, fast path)', () => {
  before(() => {
    assert.deepEqual(loadKafkajs(true).fastPaths, { installed: true });
  });

  const contexts: [string, RecordBatchContext][] = [
    ['create time', CONTEXT],
    ['log-append time: the batch time for every record', { ...CONTEXT, timestampType: 1 }],
    ['offsets past 2^53 (exact in BigInt)', { ...CONTEXT, firstOffset: '9007199254740993' }],
    ['a control batch', { ...CONTEXT, isControlBatch: true }],
  ];
  for (const [name, context] of contexts) {
    it(`reads what kafkajs's own decoder reads: ${name}`, () => {
      const original = kafkajsOriginal<RecordReader>(RECORD_DECODER);
      const replacement = createRequire(RECORD_DECODER)(RECORD_DECODER) as RecordReader;
      assert.notEqual(replacement, original);
      for (const [i, body] of recordBodies(MESSAGES).entries()) {
        const a = new Decoder(body);
        const b = new Decoder(body);
        assert.deepEqual(replacement(b, context), original(a, context), `record ${i}`);
        assert.equal(b.offset, a.offset, `record ${i}: read to the same byte`);
      }
    });
  }

  it('reads a timestamp delta of 2^52 - 1 (an 8-byte varlong) exactly, and repeated header keys into an array', () => {
    const bodies = recordBodies(MESSAGES);
    const far = decodeRecord(bodies[5] as Buffer, 0, { ...CONTEXT, firstTimestamp: '1' }).record;
    assert.equal(far.timestamp, String(2 ** 52));
    const dup = decodeRecord(bodies[3] as Buffer, 0, CONTEXT).record;
    assert.deepEqual(dup.headers['dup'], [Buffer.from('a'), Buffer.from([0, 1]), Buffer.from('c')]);
    assert.equal(dup.offset, '44');
  });

  it('refuses a record cut short, saying where', () => {
    const body = recordBodies(MESSAGES)[1] as Buffer;
    assert.throws(() => decodeRecord(body.subarray(0, 40), 0, CONTEXT), /835 bytes asked at byte \d+ of a 40-byte record/);
  });
});
