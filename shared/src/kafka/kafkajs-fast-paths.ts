import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encodeCompressedProduceRequest, encodeProduceRequest, type ProduceRequestFields, type WireTopic } from './wire/produce-request';
import { decodeRecord, type RecordBatchContext } from './wire/record-decoder';

/**
 * Faster versions of three kafkajs 2.2.4 modules on the predictor's hot path, put in place before
 * kafkajs loads (./kafkajs.ts, the one place it is loaded, calls installFastPaths first):
 *
 * - the Produce request (versions 3 to 7): kafkajs gives each record, and each of its headers, an
 *   encoder of its own (a zeroed 512-byte buffer that grows by doubling), then copies the records
 *   into the batch, the batch into the partition, the partition into the topic and the topic into
 *   the request, and computes the CRC a byte at a time. wire/produce-request.ts writes the same
 *   bytes in one pass into one buffer of the exact size. That was about a fifth of the predictor's
 *   main thread at full speed, and much of its garbage.
 * - grouping a send's records by partition: kafkajs copies a partition's whole array to add each
 *   record to it (quadratic in a batch); here each is pushed once.
 * - reading a fetched record (wire/record-decoder.ts): the same fields without kafkajs's Long
 *   arithmetic and per-header objects.
 *
 * They replace kafkajs's files in Node's module cache, by path, so kafkajs's own code requires
 * them. Only for the version they were written against (kafkajs's internals are not its API):
 * another version keeps its own, as KAFKAJS_FAST_PATHS=off does in any version.
 */

/** The kafkajs release whose internal module layout and bytes these replacements match. */
export const FAST_PATHS_KAFKAJS_VERSION = '2.2.4';

/** Whether the fast paths are in place, and if not, why. */
export type FastPathsState = { installed: true } | { installed: false; reason: string };

let state: FastPathsState | undefined;

interface KafkajsLong {
  value: bigint;
}
interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
}
interface KafkajsCodec {
  compress(encoder: KafkajsEncoder): Promise<Buffer>;
}

/** kafkajs's produce request arguments (see its src/protocol/requests/produce/v3/request.js). */
interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: number | bigint | string | KafkajsLong;
  producerEpoch?: number;
  compression?: number;
  topicData: WireTopic[];
}

/** Puts the replacements in Node's module cache, before kafkajs is first required; the first call decides. */
export function installFastPaths(): FastPathsState {
  state ??= install();
  return state;
}

/** Leaves kafkajs's own modules, for the reason given, unless the first call already decided. */
export function keepOwnPaths(reason: string): FastPathsState {
  state ??= { installed: false, reason };
  return state;
}

/** Why the fast paths stay out with this kafkajs version; null when they go in. */
export function fastPathsRefusal(kafkajsVersion: string): string | null {
  if (kafkajsVersion !== FAST_PATHS_KAFKAJS_VERSION) {
    return `kafkajs ${kafkajsVersion} is installed and they are written for ${FAST_PATHS_KAFKAJS_VERSION}`;
  }
  return null;
}

function install(): FastPathsState {
  const kafkajsRequire = createRequire(__filename);
  const root = dirname(kafkajsRequire.resolve('kafkajs/package.json'));
  const refusal = fastPathsRefusal((kafkajsRequire('kafkajs/package.json') as { version: string }).version);
  if (refusal !== null) return { installed: false, reason: refusal };
  const produceRequestPath = join(root, 'src', 'protocol', 'requests', 'produce', 'v3', 'request.js');
  const groupingPath = join(root, 'src', 'producer', 'groupMessagesPerPartition.js');
  const recordDecoderPath = join(root, 'src', 'protocol', 'recordBatch', 'record', 'v0', 'decoder.js');
  const cache = kafkajsRequire.cache;
  if ([produceRequestPath, groupingPath, recordDecoderPath].some((path) => cache[path] !== undefined)) {
    return { installed: false, reason: 'kafkajs was loaded before they could be put in place' };
  }
  const inKafkajs = createRequire(join(root, 'index.js'));
  const Encoder = inKafkajs('./src/protocol/encoder') as new (initialSize?: number) => KafkajsEncoder;
  const Long = inKafkajs('./src/utils/long') as { fromValue(v: unknown): KafkajsLong };
  const { lookupCodec } = inKafkajs('./src/protocol/message/compression') as { lookupCodec(type: number): KafkajsCodec | null };
  const { Produce } = inKafkajs('./src/protocol/requests/apiKeys') as { Produce: number };

  /** kafkajs's writers take encoders: one holding these bytes. */
  const asEncoder = (bytes: Buffer): KafkajsEncoder => {
    const encoder = new Encoder(0);
    encoder.buf = bytes;
    encoder.offset = bytes.length;
    return encoder;
  };
  const produceRequest = ({
    acks,
    timeout,
    transactionalId = null,
    producerId = -1,
    producerEpoch = 0,
    compression = 0,
    topicData,
  }: ProduceArgs) => ({
    apiKey: Produce,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => acks !== 0,
    encode: async (): Promise<KafkajsEncoder> => {
      const fields: ProduceRequestFields = {
        transactionalId,
        acks,
        timeoutMs: timeout,
        producerId: Long.fromValue(producerId).value,
        producerEpoch,
        topicData,
      };
      const codec = lookupCodec(compression);
      if (codec === null) return asEncoder(encodeProduceRequest(fields));
      return asEncoder(await encodeCompressedProduceRequest(fields, compression, (records) => codec.compress(asEncoder(records))));
    },
  });
  const groupMessagesPerPartition = <M>({
    topic,
    partitionMetadata,
    messages,
    partitioner,
  }: {
    topic: string;
    partitionMetadata: unknown[];
    messages: M[];
    partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;
  }): Record<number, M[]> => {
    const grouped: Record<number, M[]> = {};
    if (partitionMetadata.length === 0) return grouped;
    for (const message of messages) {
      const partition = partitioner({ topic, partitionMetadata, message });
      (grouped[partition] ??= []).push(message);
    }
    return grouped;
  };
  // kafkajs's Decoder keeps its buffer and read position in these two fields.
  const readRecord = (decoder: { buffer: Buffer; offset: number }, context: RecordBatchContext) => {
    const { record, end } = decodeRecord(decoder.buffer, decoder.offset, context);
    decoder.offset = end;
    return record;
  };
  cacheModule(cache, produceRequestPath, produceRequest);
  cacheModule(cache, recordDecoderPath, readRecord);
  cacheModule(cache, groupingPath, groupMessagesPerPartition);
  return { installed: true };
}

/** A module already loaded at `path`, whose exports are `exports`: requiring the path returns them. */
function cacheModule(cache: NodeJS.Require['cache'], path: string, exports: unknown): void {
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = exports;
  cache[path] = m;
}
