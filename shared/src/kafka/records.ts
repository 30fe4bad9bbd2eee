// Records and batches in their kafkajs forms (the transport-neutral types are in transport/records.ts).
import type { IHeaders, Message } from 'kafkajs';
import type { MessageHeaders } from '../schemas/codec';
import type { OutboundRecord } from '../transport/records';

export type * from '../transport/records';
export { recordByRecord } from '../transport/records';

/** Headers as the rest of the code reads them: each one's first value, as a string. */
export function toHeaders(headers: IHeaders | undefined): MessageHeaders {
  const out: MessageHeaders = {};
  if (headers === undefined) return out;
  // for-in, not Object.entries: no array per record on the hot path.
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

/** Records as kafkajs sends them. */
export function toMessages(records: OutboundRecord[]): Message[] {
  return records.map((r) => {
    // Fields set one by one, not spread from temporary objects: this runs once per record sent.
    const message: Message = { key: r.key ?? null, value: r.value };
    if (r.headers !== undefined) message.headers = r.headers;
    if (r.partition !== undefined) message.partition = r.partition;
    if (r.timestamp !== undefined) message.timestamp = String(r.timestamp);
    return message;
  });
}
