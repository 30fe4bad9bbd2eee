import { readFileSync } from 'node:fs';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** A progress line on stderr (stdout holds the table only). */
export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/** Nearest-rank percentile of unsorted numbers; null when there are none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/** Longest interval between consecutive distinct timestamps (ms); null with fewer than two. */
export function longestGap(stamps: number[]): number | null {
  const sorted = [...new Set(stamps)].sort((a, b) => a - b);
  if (sorted.length < 2) return null;
  let gap = 0;
  for (let i = 1; i < sorted.length; i++) gap = Math.max(gap, (sorted[i] as number) - (sorted[i - 1] as number));
  return gap;
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** GET a local URL's body as text. */
export function httpGet(url: string): Promise<string> {
  return new Promise((resolveBody, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** A metric's name and value, from a Prometheus text page. */
export interface Gauge {
  name: string;
  value: number;
}

/**
 * A tensor count from Prometheus text, if the predictor exports one: the first sample of a
 * metric whose name mentions tensors (histogram parts aside). Null when there is none.
 */
export function tensorGauge(text: string): Gauge | null {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const name = m[1] as string;
    if (!/tensor/i.test(name) || /_(bucket|sum|count|created)$/.test(name) || /bytes/i.test(name)) continue;
    const value = Number(m[3]);
    if (Number.isFinite(value)) return { name, value };
  }
  return null;
}

/** Polls until `check` returns a value other than undefined, or fails after timeoutMs. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
