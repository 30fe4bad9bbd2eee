import type { ModelRecord } from './schemas/records';

/** A Buffer over the same memory as `bytes`, no copy: typed arrays cross threads as plain views, and Avro and the model loader want Buffers. */
export function bufferView(bytes: ArrayBufferView): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A model record that crossed threads, its weights and signature Buffers again (over the same memory). */
export function withBufferViews(record: ModelRecord): ModelRecord {
  return { ...record, weights: bufferView(record.weights), signature: record.signature === null ? null : bufferView(record.signature) };
}
