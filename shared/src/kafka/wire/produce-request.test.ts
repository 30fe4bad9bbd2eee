import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadKafkajs } from '../kafkajs';
import { fastPathsRefusal } from '../kafkajs-fast-paths';
import { crc32c } from './crc32c';
import { kafkajsOriginal } from './kafkajs-original';
import { encodeProduceRequest, type ProduceRequestFields, type WireMessage } from './produce-request';
import { sizeOfVarInt, sizeOfVarLong } from './varint';

// These pin that the replacements write exactly kafkajs 2.2.4's bytes: each case is encoded by
// kafkajs's own module, read fresh from its file (the module cache may hold the replacement), and
// by the replacement kafkajs loads in its place.

const kafkajsRoot = dirname(createRequire(__filename).resolve('kafkajs/package.json'));
const PRODUCE_V3 = join(kafkajsRoot, 'src', 'protocol', 'requests', 'produce', 'v3', 'request.js');
const GROUPING = join(kafkajsRoot, 'src', 'producer', 'groupMessagesPerPartition.js');

interface Encoded {
  buf: Buffer;
  offset: number;
}
type ProduceRequest = (args: Record<string, unknown>) => { apiKey: number; apiVersion: number; encode(): Promise<Encoded> };

/** The bytes a produce request module encodes, with the clock stopped at `now`. */
async function bytesOf(request: ProduceRequest, args: Record<string, unknown>, now: number): Promise<Buffer> {
  const realNow = Date.now;
  Date.now = () => now;
  try {
    const encoded = await request(args).encode();
    return Buffer.from(encoded.buf.subarray(0, encoded.offset));
  } finally {
    Date.now = realNow;
  }
}

const prediction = (i: number): WireMessage => ({
  key: `fashion-mnist:${String(i).padStart(6, '0')}`,
  value: JSON.stringify({
    sampleId: `fashion-mnist:${i}`,
    predicted: i % 10,
    predictedClass: 'Sneaker',
    confidence: 0.93,
    accuracy: 0.8512,
  }),
  headers: { 'content-type': 'application/vnd.hotswap.prediction+json' },
});

const CASES: { name: string; args: Record<string, unknown> }[] = [
  {
    name: 'prediction records, one topic, two partitions',
    args: {
      acks: -1,
      timeout: 30000,
      topicData: [
        {
          topic: 'streaming.prediction',
          partitions: [
            { partition: 0, messages: Array.from({ length: 300 }, (_, i) => prediction(i)) },
            { partition: 5, messages: Array.from({ length: 7 }, (_, i) => prediction(1000 + i)) },
          ],
        },
      ],
    },
  },
  {
    name: 'bytes and nulls: buffer keys and values, a null key, a null value, no headers, empty headers',
    args: {
      acks: 1,
      timeout: 5000,
      topicData: [
        {
          topic: 'queueing.data',
          partitions: [
            {
              partition: 2,
              messages: [
                { key: randomBytes(16), value: randomBytes(835), headers: { 'content-type': Buffer.from('avro/binary') } },
                { key: null, value: randomBytes(3) },
                { key: 'k', value: null, headers: {} },
                { value: '' },
              ],
            },
          ],
        },
      ],
    },
  },
  {
    name: 'multi-byte UTF-8, headers with several values, and values long enough for 3-byte lengths',
    args: {
      acks: -1,
      timeout: 30000,
      topicData: [
        {
          topic: 'tópico-ü',
          partitions: [
            {
              partition: 1,
              messages: [
                { key: 'clé-é', value: 'ünïcødé ✓ '.repeat(3000), headers: { 'x-été': ['un', 'deux', Buffer.from([0, 255])], a: 'b' } },
                { key: 'big', value: randomBytes(70_000) },
              ],
            },
          ],
        },
      ],
    },
  },
  {
    name: "timestamps given for some records, sorted as kafkajs sorts them (as strings), and the request's time for the others",
    args: {
      acks: -1,
      timeout: 30000,
      topicData: [
        {
          topic: 't',
          partitions: [
            {
              partition: 0,
              messages: [
                { key: 'a', value: '1', timestamp: '1700000000500' },
                { key: 'b', value: '2' },
                { key: 'c', value: '3', timestamp: '1700000000000' },
                { key: 'd', value: '4', timestamp: '999999999999' },
              ],
            },
          ],
        },
      ],
    },
  },
  {
    name: 'a transactional, idempotent request over two topics: producer id and epoch, first sequences',
    args: {
      acks: -1,
      timeout: 30000,
      transactionalId: 'hotswap-predictor-0',
      producerId: '123456789012',
      producerEpoch: 3,
      topicData: [
        { topic: 'streaming.prediction', partitions: [{ partition: 3, firstSequence: 4242, messages: [prediction(1), prediction(2)] }] },
        {
          topic: 'queueing.deadletter',
          partitions: [{ partition: 0, firstSequence: 0, messages: [{ key: null, value: randomBytes(40) }] }],
        },
      ],
    },
  },
];

describe('crc32c', () => {
  it('gives the check value of CRC-32C for "123456789" (0xE3069283)', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });

  it("agrees with kafkajs's byte-at-a-time CRC on every length from 0 to 70 and on a megabyte, whole and in part", () => {
    const kafkajsCrc = kafkajsOriginal<(b: Buffer) => number>(join(kafkajsRoot, 'src', 'protocol', 'recordBatch', 'crc32C', 'crc32C.js'));
    for (let n = 0; n <= 70; n++) {
      const b = randomBytes(n);
      assert.equal(crc32c(b), kafkajsCrc(b), `length ${n}`);
    }
    const mb = randomBytes(1 << 20);
    assert.equal(crc32c(mb), kafkajsCrc(mb));
    assert.equal(crc32c(mb, 21, 100_003), kafkajsCrc(mb.subarray(21, 100_003)));
  });

  it('refuses a range outside the array', () => {
    assert.throws(() => crc32c(Buffer.alloc(4), 0, 5), /crc32c of \[0, 5\) asked of a 4-byte array/);
  });
});

describe('varint sizes', () => {
  it('counts zigzag bytes at each boundary, for 32-bit ints and for longs past 32 bits', () => {
    assert.deepEqual([0, -1, 63, -64, 64, 8191, 8192, -2147483648].map(sizeOfVarInt), [1, 1, 1, 1, 2, 2, 3, 5]);
    assert.deepEqual([0, 63, 64, 2 ** 31, -(2 ** 40), 2 ** 52 - 1].map(sizeOfVarLong), [1, 1, 2, 5, 6, 8]);
    assert.throws(() => sizeOfVarLong(2 ** 53), /timestamp delta 9007199254740992 is not an integer within ±2\^52/);
  });
});

describe('the produce request kafkajs loads (fast paths)', () => {
  before(() => {
    // As a KafkaClient loads kafkajs: the fast paths go in first (a no-op if an earlier test loaded it).
    assert.deepEqual(loadKafkajs(true).fastPaths, { installed: true }, 'fast paths are installed for the kafkajs in this repository');
  });

  for (const { name, args } of CASES) {
    it(`writes kafkajs's own bytes: ${name}`, async () => {
      const original = kafkajsOriginal<ProduceRequest>(PRODUCE_V3);
      const replacement = createRequire(PRODUCE_V3)(PRODUCE_V3) as ProduceRequest;
      assert.notEqual(replacement, original);
      const now = 1_764_000_000_123;
      const expected = await bytesOf(original, args, now);
      const actual = await bytesOf(replacement, args, now);
      assert.equal(actual.length, expected.length, 'length');
      assert.ok(actual.equals(expected), `first difference at byte ${actual.findIndex((b, i) => b !== expected[i])}`);
    });
  }

  it('gzips each partition as kafkajs does, and the records inside decompress to the uncompressed encoding', async () => {
    const args = CASES[0]?.args as Record<string, unknown>;
    const gz = { ...args, compression: 1 };
    const original = kafkajsOriginal<ProduceRequest>(PRODUCE_V3);
    const replacement = createRequire(PRODUCE_V3)(PRODUCE_V3) as ProduceRequest;
    const expected = await bytesOf(original, gz, 5);
    const actual = await bytesOf(replacement, gz, 5);
    assert.ok(actual.equals(expected), 'gzip request bytes');
    // The first partition's batch starts after the request and topic headers (2+2+4+4, 2+20+4) and its own two ints.
    const batchAt = 12 + 26 + 8;
    assert.equal(actual.readInt16BE(batchAt + 21) & 7, 1, 'attributes name gzip');
    const length = actual.readInt32BE(batchAt + 8);
    const records = gunzipSync(actual.subarray(batchAt + 61, batchAt + 12 + length));
    const fields: ProduceRequestFields = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      producerId: -1n,
      producerEpoch: 0,
      topicData: args['topicData'] as ProduceRequestFields['topicData'],
    };
    const plain = encodeProduceRequest(fields, 5);
    assert.ok(plain.includes(records), 'the decompressed records are the uncompressed ones');
  });

  it('groups records by partition in order, as kafkajs does', () => {
    type Group = (args: {
      topic: string;
      partitionMetadata: unknown[];
      messages: number[];
      partitioner: (a: { message: number }) => number;
    }) => object;
    const original = kafkajsOriginal<Group>(GROUPING);
    const replacement = createRequire(GROUPING)(GROUPING) as Group;
    assert.notEqual(replacement, original);
    const args = {
      topic: 't',
      partitionMetadata: [{}, {}, {}],
      messages: Array.from({ length: 1000 }, (_, i) => i),
      partitioner: ({ message }: { message: number }) => (message * 7) % 3,
    };
    assert.deepEqual(replacement(args), original(args));
    assert.deepEqual(replacement({ ...args, partitionMetadata: [] }), {});
  });
});

describe('fastPathsRefusal', () => {
  it('lets them in for kafkajs 2.2.4 only, naming the version it finds otherwise', () => {
    assert.equal(fastPathsRefusal('2.2.4'), null);
    assert.equal(fastPathsRefusal('2.3.0'), 'kafkajs 2.3.0 is installed and they are written for 2.2.4');
  });
});
