import { readVarInt, readVarLong } from './varint';

/**
 * One record of a Kafka record batch (magic 2) read in place: its offset and timestamp worked out
 * in double arithmetic (exact below 2^53, where every real offset and timestamp lies; BigInt past
 * it), headers gathered straight into their object. kafkajs 2.2.4 reads the same record into the
 * same fields with about twenty objects (Long arithmetic per varint, an object per header and a
 * copy of the header object per header); this was a third of the predictor's garbage.
 */

/** What the batch's header says that every record of it needs (as kafkajs passes it: int64s as decimal strings). */
export interface RecordBatchContext {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  magicByte: number;
  isControlBatch?: boolean;
  /** 1 when the broker stamps the batch's time (LOG_APPEND_TIME). */
  timestampType: number;
}

/** A record as kafkajs's consumer hands it on; header values with the same key gather into an array. */
export interface DecodedRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
  batchContext: RecordBatchContext;
}

const LOG_APPEND_TIME = 1;

/** Reads one record from `buf` at `at`; returns it and where it ends. */
export function decodeRecord(buf: Buffer, at: number, context: RecordBatchContext): { record: DecodedRecord; end: number } {
  const cursor = { at };
  if (at >= buf.length) throw new RangeError(`a record at byte ${at} of a ${buf.length}-byte buffer`);
  const attributes = buf.readInt8(cursor.at++);
  const timestampDelta = readVarLong(buf, cursor);
  const offsetDelta = readVarInt(buf, cursor);
  const timestamp =
    context.timestampType === LOG_APPEND_TIME && context.maxTimestamp
      ? context.maxTimestamp
      : addToInt64(context.firstTimestamp, timestampDelta);
  const offset = addToInt64(context.firstOffset, offsetDelta);
  const key = readBytes(buf, cursor);
  const value = readBytes(buf, cursor);
  const headers: DecodedRecord['headers'] = {};
  const count = readVarInt(buf, cursor);
  for (let i = 0; i < count; i++) {
    const keyBytes = readBytes(buf, cursor);
    // As kafkajs reads it: a null header key names the property "null".
    const name = keyBytes === null ? 'null' : keyBytes.toString('utf8');
    const headerValue = readBytes(buf, cursor);
    const before = headers[name];
    if (before === undefined) headers[name] = headerValue;
    else if (Array.isArray(before)) before.push(headerValue);
    else headers[name] = [before, headerValue];
  }
  const record: DecodedRecord = {
    magicByte: context.magicByte,
    attributes,
    timestamp,
    offset,
    key,
    value,
    headers,
    isControlRecord: context.isControlBatch ?? false,
    batchContext: context,
  };
  return { record, end: cursor.at };
}

/** `base` (an int64 in decimal) plus `delta`, in decimal. */
function addToInt64(base: string, delta: number | bigint): string {
  if (typeof delta === 'number') {
    const sum = Number(base) + delta;
    if (Number.isSafeInteger(sum) && Number.isSafeInteger(Number(base))) return String(sum);
  }
  return String(BigInt.asIntN(64, BigInt(base) + BigInt(delta)));
}

/** A varint length (-1 for null), then that many bytes, as a view of `buf`. */
function readBytes(buf: Buffer, cursor: { at: number }): Buffer | null {
  const length = readVarInt(buf, cursor);
  if (length === -1) return null;
  if (length < -1 || cursor.at + length > buf.length) {
    throw new RangeError(`${length} bytes asked at byte ${cursor.at} of a ${buf.length}-byte record`);
  }
  const bytes = buf.subarray(cursor.at, cursor.at + length);
  cursor.at += length;
  return bytes;
}
