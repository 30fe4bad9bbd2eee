import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as avro from 'avsc';

/** Headers every hotswap message carries, so a reader can refuse what it does not know. */
export const HEADER_CONTENT_TYPE = 'content-type';
export const HEADER_SCHEMA_NAME = 'schema-name';
export const HEADER_SCHEMA_FINGERPRINT = 'schema-fingerprint';

export type MessageHeaders = Record<string, string>;

/** Why a record could not be decoded; stable strings, used as metric labels. */
export type DecodeFailure = 'missing-headers' | 'unknown-content-type' | 'unknown-schema' | 'not-avro' | 'invalid-record';

export class DecodeError extends Error {
  constructor(
    readonly reason: DecodeFailure,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'DecodeError';
  }
}

const SCHEMA_DIR = join(__dirname, '..', '..', 'schemas');

/** Parses a schema file; `registry` holds named types it refers to (and receives the ones it defines). */
export function loadSchema(file: string, registry: Record<string, avro.Type> = {}): avro.Type {
  const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as avro.Schema;
  return avro.Type.forSchema(schema, { registry });
}

/**
 * Encodes and decodes one Avro record type, with the headers that name it. Decoding checks the
 * headers, the whole buffer being consumed, and the record's validity, in that order.
 */
export class AvroCodec<T> {
  readonly fingerprint: string;
  readonly schemaName: string;

  constructor(
    private readonly type: avro.Type,
    readonly contentType: string,
  ) {
    this.fingerprint = type.fingerprint('sha256').toString('hex');
    this.schemaName = type.name ?? 'anonymous';
  }

  headers(): MessageHeaders {
    return {
      [HEADER_CONTENT_TYPE]: this.contentType,
      [HEADER_SCHEMA_NAME]: this.schemaName,
      [HEADER_SCHEMA_FINGERPRINT]: this.fingerprint,
    };
  }

  encode(value: T): Buffer {
    const errors: string[] = [];
    const valid = this.type.isValid(value, {
      errorHook: (path) => errors.push(path.join('.') || '(root)'),
    });
    if (!valid) throw new TypeError(`cannot encode ${this.schemaName}: invalid field(s) ${errors.join(', ')}`);
    return this.type.toBuffer(value);
  }

  /** Throws DecodeError with the reason when the bytes are not a valid record of this type. */
  decode(bytes: Buffer, headers: MessageHeaders | undefined): T {
    this.checkHeaders(headers);
    return this.decodeBody(bytes);
  }

  /** Throws DecodeError unless the headers name this type: the cheap half of decode, done before the bytes are read. */
  checkHeaders(headers: MessageHeaders | undefined): void {
    if (headers === undefined || headers[HEADER_CONTENT_TYPE] === undefined) {
      throw new DecodeError('missing-headers', `expected ${HEADER_CONTENT_TYPE} ${this.contentType}`);
    }
    if (headers[HEADER_CONTENT_TYPE] !== this.contentType) {
      throw new DecodeError('unknown-content-type', `${headers[HEADER_CONTENT_TYPE]} is not ${this.contentType}`);
    }
    const fp = headers[HEADER_SCHEMA_FINGERPRINT];
    if (fp !== this.fingerprint) {
      throw new DecodeError('unknown-schema', `fingerprint ${fp ?? '(none)'} is not ${this.fingerprint}`);
    }
  }

  /** Decodes bytes whose headers were checked; throws DecodeError('not-avro') when they are not one whole record. */
  decodeBody(bytes: Buffer): T {
    let value: T;
    try {
      // decode() reports how far it read, so a truncated or padded buffer is caught.
      const result = this.type.decode(bytes, 0);
      if (result.offset !== bytes.length) {
        throw new Error(result.offset < 0 ? 'truncated' : `${bytes.length - result.offset} trailing bytes`);
      }
      value = result.value as T;
    } catch (e) {
      throw new DecodeError('not-avro', `${this.schemaName}: ${(e as Error).message}`);
    }
    return value;
  }
}
