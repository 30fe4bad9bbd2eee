import type { OutboundRecord } from './records';

/**
 * Most bytes of records sent in one request. All of them may land in one partition, as one record
 * batch, and the broker refuses a batch over its message.max.bytes (1 MiB by default) for good: a
 * margin under it, so a large fetched batch or a run of dead letters never becomes unwritable.
 */
export const MAX_REQUEST_RECORD_BYTES = 768 * 1024;

/** Splits records, in order, into runs of at most maxBytes (keys, values and headers counted; a larger record goes alone). */
export function requestsOf(records: readonly OutboundRecord[], maxBytes = MAX_REQUEST_RECORD_BYTES): OutboundRecord[][] {
  const runs: OutboundRecord[][] = [];
  let run: OutboundRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    let size = 32 + byteLength(r.key) + byteLength(r.value);
    // for-in, not Object.entries: no array per record on the predictor's hot path.
    const headers = r.headers ?? {};
    for (const k in headers) size += k.length + byteLength(headers[k]);
    if (run.length > 0 && bytes + size > maxBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(r);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function byteLength(v: string | Buffer | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}
