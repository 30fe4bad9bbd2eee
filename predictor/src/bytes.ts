/** A Buffer over the same memory as `bytes`: typed arrays arrive from other threads as plain Uint8Arrays, and Avro and the model loader want Buffers. */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
