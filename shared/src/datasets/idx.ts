import { gunzipSync } from 'node:zlib';

/** An IDX array of unsigned bytes (the only element type the MNIST family uses). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const GZIP_MAGIC = 0x1f8b;
const IDX_UBYTE = 0x08;

/** Parses an IDX file (gzipped or not), checking the magic, the element type and the length. */
export function parseIdx(file: Buffer, what = 'IDX file'): IdxArray {
  const raw = file.length >= 2 && file.readUInt16BE(0) === GZIP_MAGIC ? gunzipSync(file) : file;
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new Error(`${what}: not an IDX file (first bytes ${raw.subarray(0, 4).toString('hex')})`);
  }
  if (raw[2] !== IDX_UBYTE) {
    throw new Error(`${what}: element type 0x${(raw[2] ?? 0).toString(16)} is not unsigned byte (0x08)`);
  }
  const rank = raw[3] ?? 0;
  const headerLength = 4 + 4 * rank;
  if (rank === 0 || raw.length < headerLength) throw new Error(`${what}: header truncated (rank ${rank})`);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(raw.readUInt32BE(4 + 4 * d));
  const expected = dims.reduce((a, b) => a * b, 1);
  const body = raw.length - headerLength;
  if (body !== expected) {
    throw new Error(`${what}: ${body} data bytes, dims [${dims.join(', ')}] need ${expected}`);
  }
  // Copy out of the (possibly pooled) file buffer so the data owns its memory.
  return { dims, data: new Uint8Array(raw.subarray(headerLength)) };
}
