import { crc32c } from './crc32c';
import { sizeOfVarInt, sizeOfVarLong, writeVarInt, writeVarLong } from './varint';

/**
 * The body of a Kafka Produce request (versions 3 to 7 share it) with its record batches (magic
 * 2), encoded in one pass into one buffer of the exact size: every record's size is known before a
 * byte is written, so no record has an encoder of its own, nothing grows by doubling and nothing
 * is copied from one buffer into the next. The layouts are Kafka's own (ProduceRequest and
 * DefaultRecordBatch); the bytes are the ones kafkajs 2.2.4 writes for the same request.
 */

/** A key, value or header value as a client hands it over: bytes, or text written as UTF-8. */
export type WireBytes = Buffer | string | null | undefined;

export interface WireMessage {
  key?: WireBytes;
  value: WireBytes;
  /** A header with several values is written once per value, in order. */
  headers?: Record<string, WireBytes | WireBytes[]>;
  /** Milliseconds since the epoch; the request's time when absent. */
  timestamp?: string | number | null;
}

export interface WirePartition {
  partition: number;
  /** The idempotent producer's sequence number of the first record. */
  firstSequence?: number;
  messages: WireMessage[];
}

export interface WireTopic {
  topic: string;
  partitions: WirePartition[];
}

export interface ProduceRequestFields {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  /** -1 without an idempotent or transactional producer. */
  producerId: bigint;
  producerEpoch: number;
  topicData: WireTopic[];
}

/** Bytes of a record batch before its records: offset, length, epoch, magic, CRC, attributes ... record count. */
export const RECORD_BATCH_OVERHEAD = 61;
/** Where the CRC's coverage starts in a batch: after base offset (8), length (4), leader epoch (4), magic (1), CRC (4). */
const CRC_COVERAGE_START = 21;
const MAGIC = 2;
const TRANSACTIONAL_ATTRIBUTE = 0x10;
const CODEC_MASK = 0x07;

/** A partition's records, sized: what writing them needs, worked out before anything is written. */
interface PlannedRecords {
  messages: WireMessage[];
  firstTimestamp: number;
  maxTimestamp: number;
  /** Each record's timestamp minus the first. */
  deltas: Float64Array;
  /** Each record's body size, and its key's and value's UTF-8 sizes (-1 for none). */
  bodies: Int32Array;
  keys: Int32Array;
  values: Int32Array;
  /** All the records' bytes, each with its length prefix. */
  bytes: number;
}

/** A partition's record batch as it will be written: its records in place, or already compressed. */
interface PlannedBatch {
  partition: WirePartition;
  records: PlannedRecords;
  /** The compressed records, or null to write them uncompressed. */
  compressed: Buffer | null;
  codec: number;
}

/** The request's body, uncompressed: the buffer to send after the request header. */
export function encodeProduceRequest(fields: ProduceRequestFields, now = Date.now()): Buffer {
  return writeRequest(fields, planBatches(fields, now, 0));
}

/**
 * The request's body with each partition's records compressed by `compress` (codec: Kafka's
 * attribute value, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
 */
export async function encodeCompressedProduceRequest(
  fields: ProduceRequestFields,
  codec: number,
  compress: (records: Buffer) => Promise<Buffer>,
  now = Date.now(),
): Promise<Buffer> {
  if (!Number.isInteger(codec) || codec < 1 || codec > CODEC_MASK) throw new RangeError(`compression codec ${codec} is not 1 to 7`);
  const batches = planBatches(fields, now, codec);
  for (const batch of batches) {
    const records = Buffer.allocUnsafe(batch.records.bytes);
    writeRecords(batch.records, records, 0);
    batch.compressed = await compress(records);
  }
  return writeRequest(fields, batches);
}

function planBatches(fields: ProduceRequestFields, now: number, codec: number): PlannedBatch[] {
  const out: PlannedBatch[] = [];
  for (const topic of fields.topicData) {
    for (const partition of topic.partitions) {
      out.push({ partition, records: planRecords(partition.messages, now), compressed: null, codec });
    }
  }
  return out;
}

/** Sizes every record of a partition. */
function planRecords(messages: WireMessage[], now: number): PlannedRecords {
  const n = messages.length;
  // As kafkajs orders them: the timestamps given, sorted as sort() does, else the request's time.
  const given = messages.map((m) => m.timestamp).filter((t) => t !== null && t !== undefined);
  const sorted = given.length === 0 ? [now] : given.sort();
  const firstTimestamp = Number(sorted[0]);
  const maxTimestamp = Number(sorted[sorted.length - 1]);
  const deltas = new Float64Array(n);
  const bodies = new Int32Array(n);
  const keys = new Int32Array(n);
  const values = new Int32Array(n);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i] as WireMessage;
    const delta = Number(m.timestamp || now) - firstTimestamp;
    deltas[i] = delta;
    const keySize = byteSize(m.key);
    const valueSize = byteSize(m.value);
    keys[i] = keySize;
    values[i] = valueSize;
    const body =
      1 + // attributes
      sizeOfVarLong(delta) +
      sizeOfVarInt(i) +
      sizeOfVarInt(keySize) +
      Math.max(0, keySize) +
      sizeOfVarInt(valueSize) +
      Math.max(0, valueSize) +
      sizeOfHeaders(m.headers);
    bodies[i] = body;
    bytes += sizeOfVarInt(body) + body;
  }
  return { messages, firstTimestamp, maxTimestamp, deltas, bodies, keys, values, bytes };
}

function writeRequest(fields: ProduceRequestFields, batches: PlannedBatch[]): Buffer {
  let size = 2 + (fields.transactionalId === null ? 0 : Buffer.byteLength(fields.transactionalId)) + 2 + 4 + 4;
  for (const topic of fields.topicData) size += 2 + Buffer.byteLength(topic.topic) + 4;
  for (const b of batches) size += 4 + 4 + RECORD_BATCH_OVERHEAD + (b.compressed === null ? b.records.bytes : b.compressed.length);
  const buf = Buffer.allocUnsafe(size);
  let at = writeString(buf, 0, fields.transactionalId);
  at = buf.writeInt16BE(fields.acks, at);
  at = buf.writeInt32BE(fields.timeoutMs, at);
  at = buf.writeInt32BE(fields.topicData.length, at);
  let next = 0;
  for (const topic of fields.topicData) {
    at = writeString(buf, at, topic.topic);
    at = buf.writeInt32BE(topic.partitions.length, at);
    for (let p = 0; p < topic.partitions.length; p++) at = writeBatch(buf, at, batches[next++] as PlannedBatch, fields);
  }
  if (at !== size) throw new Error(`produce request encoded in ${at} bytes, ${size} planned`);
  return buf;
}

function writeBatch(buf: Buffer, at: number, batch: PlannedBatch, fields: ProduceRequestFields): number {
  const { records, compressed } = batch;
  const recordBytes = compressed === null ? records.bytes : compressed.length;
  at = buf.writeInt32BE(batch.partition.partition, at);
  at = buf.writeInt32BE(RECORD_BATCH_OVERHEAD + recordBytes, at);
  const start = at;
  at = buf.writeBigInt64BE(0n, at); // base offset: the broker assigns offsets
  at = buf.writeInt32BE(RECORD_BATCH_OVERHEAD - 12 + recordBytes, at); // the bytes after this field
  at = buf.writeInt32BE(0, at); // partition leader epoch, as kafkajs sends it (the broker sets it)
  at = buf.writeInt8(MAGIC, at);
  const crcAt = at;
  at += 4;
  const attributes = (batch.codec & CODEC_MASK) | (fields.transactionalId ? TRANSACTIONAL_ATTRIBUTE : 0);
  at = buf.writeInt16BE(attributes, at);
  at = buf.writeInt32BE(records.messages.length - 1, at); // last offset delta
  at = buf.writeBigInt64BE(BigInt(records.firstTimestamp), at);
  at = buf.writeBigInt64BE(BigInt(records.maxTimestamp), at);
  at = buf.writeBigInt64BE(fields.producerId, at);
  at = buf.writeInt16BE(fields.producerEpoch, at);
  at = buf.writeInt32BE(batch.partition.firstSequence ?? 0, at);
  at = buf.writeInt32BE(records.messages.length, at);
  at = compressed === null ? writeRecords(records, buf, at) : at + compressed.copy(buf, at);
  buf.writeUInt32BE(crc32c(buf, start + CRC_COVERAGE_START, at), crcAt);
  return at;
}

/** Writes the planned records at `at`; returns where they end. */
function writeRecords(records: PlannedRecords, buf: Buffer, at: number): number {
  const { messages, deltas, bodies, keys, values } = records;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as WireMessage;
    at = writeVarInt(buf, at, bodies[i] as number);
    buf[at++] = 0; // record attributes: none
    at = writeVarLong(buf, at, deltas[i] as number);
    at = writeVarInt(buf, at, i); // offset delta
    at = writeSizedBytes(buf, at, m.key, keys[i] as number);
    at = writeSizedBytes(buf, at, m.value, values[i] as number);
    at = writeHeaders(buf, at, m.headers);
  }
  return at;
}

/** UTF-8 or raw size; -1 for none (Kafka's null). */
function byteSize(v: WireBytes): number {
  if (v === null || v === undefined) return -1;
  return Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v));
}

function sizeOfHeaders(headers: WireMessage['headers']): number {
  if (headers === undefined) return sizeOfVarInt(0);
  let count = 0;
  let size = 0;
  for (const key in headers) {
    const keySize = Buffer.byteLength(key);
    const v = headers[key];
    // A single value is the usual case: no array made for it, once per record.
    if (!Array.isArray(v)) {
      size += sizeOfHeader(keySize, v);
      count++;
      continue;
    }
    for (const value of v) size += sizeOfHeader(keySize, value);
    count += v.length;
  }
  return sizeOfVarInt(count) + size;
}

function sizeOfHeader(keySize: number, value: WireBytes): number {
  const valueSize = byteSize(value);
  return sizeOfVarInt(keySize) + keySize + sizeOfVarInt(valueSize) + Math.max(0, valueSize);
}

function writeHeaders(buf: Buffer, at: number, headers: WireMessage['headers']): number {
  if (headers === undefined) return writeVarInt(buf, at, 0);
  let count = 0;
  for (const key in headers) {
    const v = headers[key];
    count += Array.isArray(v) ? v.length : 1;
  }
  at = writeVarInt(buf, at, count);
  for (const key in headers) {
    const v = headers[key];
    if (!Array.isArray(v)) {
      at = writeHeader(buf, at, key, v);
      continue;
    }
    for (const value of v) at = writeHeader(buf, at, key, value);
  }
  return at;
}

function writeHeader(buf: Buffer, at: number, key: string, value: WireBytes): number {
  at = writeSizedBytes(buf, at, key, Buffer.byteLength(key));
  return writeSizedBytes(buf, at, value, byteSize(value));
}

/** A varint length (-1 for none), then the bytes. */
function writeSizedBytes(buf: Buffer, at: number, v: WireBytes, size: number): number {
  at = writeVarInt(buf, at, size);
  if (size < 0) return at;
  if (Buffer.isBuffer(v)) return at + v.copy(buf, at);
  return at + buf.write(String(v), at, size, 'utf8');
}

function writeString(buf: Buffer, at: number, s: string | null): number {
  if (s === null) return buf.writeInt16BE(-1, at);
  const size = Buffer.byteLength(s);
  at = buf.writeInt16BE(size, at);
  return at + buf.write(s, at, size, 'utf8');
}
