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
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

/** Records as kafkajs sends them. */
export function toMessages(records: OutboundRecord[]): Message[] {
  return records.map((r) => ({
    key: r.key ?? null,
    value: r.value,
    ...(r.headers === undefined ? {} : { headers: r.headers }),
    ...(r.partition === undefined ? {} : { partition: r.partition }),
    ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
  }));
}
