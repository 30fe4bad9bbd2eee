/**
 * Kafka's zigzag varints (32-bit: lengths, counts, offset deltas) and varlongs (64-bit: timestamp
 * deltas), written and read in place. Varlongs are doubles while exact (|value| < 2^52 written,
 * 7 bytes read), BigInt past that on reading.
 */

/** Past this many bytes a varlong may not fit a double exactly (7 bytes carry 49 bits). */
const EXACT_VARLONG_BYTES = 7;

/** Bytes of a zigzag varint of a 32-bit integer. */
export function sizeOfVarInt(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (v >= 0x80) {
    v >>>= 7;
    bytes++;
  }
  return bytes;
}

export function writeVarInt(buf: Buffer, at: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

/** Past this, a zigzag in doubles is no longer exact. */
const LARGEST_VARLONG = 2 ** 52 - 1;

/** Zigzag of a 64-bit integer (|value| < 2^52, exact in a double), in arithmetic, not bit operations. */
function zigzag64(value: number): number {
  if (!Number.isInteger(value) || Math.abs(value) > LARGEST_VARLONG)
    throw new RangeError(`timestamp delta ${value} is not an integer within ±2^52`);
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Bytes of a zigzag varlong. */
export function sizeOfVarLong(value: number): number {
  let v = zigzag64(value);
  let bytes = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    bytes++;
  }
  return bytes;
}

export function writeVarLong(buf: Buffer, at: number, value: number): number {
  let v = zigzag64(value);
  while (v >= 0x80) {
    buf[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[at++] = v;
  return at;
}

/** A zigzag varint's 32-bit value, as Kafka writes lengths, counts and offset deltas. */
export function readVarInt(buf: Buffer, cursor: { at: number }): number {
  let result = 0;
  let shift = 0;
  let byte: number;
  do {
    if (shift > 28) throw new RangeError(`a varint longer than 5 bytes at byte ${cursor.at}`);
    if (cursor.at >= buf.length) throw new RangeError(`a varint cut off at byte ${cursor.at} of ${buf.length}`);
    byte = buf[cursor.at++] as number;
    result |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  return (result >>> 1) ^ -(result & 1);
}

/** A zigzag varlong: a number when it fits a double exactly, else a bigint. */
export function readVarLong(buf: Buffer, cursor: { at: number }): number | bigint {
  const start = cursor.at;
  let value = 0;
  let scale = 1;
  let bytes = 0;
  let byte: number;
  do {
    if (cursor.at >= buf.length) throw new RangeError(`a varlong cut off at byte ${cursor.at} of ${buf.length}`);
    byte = buf[cursor.at++] as number;
    if (++bytes > EXACT_VARLONG_BYTES) return readBigVarLong(buf, start, cursor);
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

function readBigVarLong(buf: Buffer, start: number, cursor: { at: number }): bigint {
  let value = 0n;
  let shift = 0n;
  let byte: number;
  cursor.at = start;
  do {
    if (shift > 63n) throw new RangeError(`a varlong longer than 10 bytes at byte ${start}`);
    if (cursor.at >= buf.length) throw new RangeError(`a varlong cut off at byte ${cursor.at} of ${buf.length}`);
    byte = buf[cursor.at++] as number;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  return BigInt.asIntN(64, (value >> 1n) ^ -(value & 1n));
}
