import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** What is being retried, for the log line. */
  what: string;
  warn: (line: string) => void;
  signal?: AbortSignal;
  maxDelayMs?: number;
}

/**
 * Runs `attempt` until it succeeds, waiting 1 s, 2 s, 4 s ... (capped) between tries and saying
 * so each time. Stops, rethrowing the last error, only when the signal aborts.
 */
export async function retryForever<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const maxDelay = options.maxDelayMs ?? 30_000;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (options.signal?.aborted) throw e;
      const delay = Math.min(maxDelay, 1000 * 2 ** Math.min(n - 1, 10));
      options.warn(`${options.what} failed (${(e as Error).message}); retry ${n} in ${delay / 1000} s`);
      try {
        await sleep(delay, undefined, options.signal === undefined ? {} : { signal: options.signal });
      } catch {
        throw e;
      }
    }
  }
}
