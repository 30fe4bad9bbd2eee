import { setTimeout as sleep } from 'node:timers/promises';
import {
  HEADER_CORRELATION_ID,
  HEADER_REPLY_TOPIC,
  requestCodec,
  type InboundRecord,
  type Logger,
  type PredictionReply,
  type RecordSender,
} from '@hotswap/shared';
import { PendingRequests, type RequestOutcome, type RequestSummary } from './replies';
import type { SampleSource } from './stream';

export interface RequestClientParts {
  source: SampleSource;
  producer: RecordSender;
  requestTopic: string;
  replyTopic: string;
  clientId: string;
  requestSize: number;
  /** 0 for until stopped. */
  requests: number;
  /** Requests per second; 0 sends them all at once. */
  rate: number;
  timeoutMs: number;
  logger: Logger;
  /** Where each finished request is printed (one JSON line). */
  print: (line: string) => void;
}

/**
 * Sends requests and matches the replies that come back (fed to `onReply` by the reply reader).
 * Resolves with the summary once every request is answered or past its deadline.
 */
export class RequestClient {
  private readonly pending: PendingRequests;
  private stopping = false;
  private readonly abort = new AbortController();
  private wake: () => void = () => undefined;

  constructor(private readonly parts: RequestClientParts) {
    this.pending = new PendingRequests(parts.timeoutMs);
  }

  /** Called with every record on the reply topic; other clients' replies are ignored. */
  onReply(record: InboundRecord): void {
    let reply: PredictionReply;
    try {
      reply = JSON.parse((record.value ?? Buffer.alloc(0)).toString('utf8')) as PredictionReply;
    } catch {
      return; // not a reply of ours
    }
    if (typeof reply.correlationId !== 'string' || !reply.correlationId.startsWith(`${this.parts.clientId}-`)) return;
    const outcome = this.pending.received(reply, Date.now());
    if (outcome === 'duplicate') this.parts.logger.warn(`second reply to ${reply.correlationId} ignored`);
    else if (outcome !== null) this.report(outcome);
    this.wake();
  }

  async run(): Promise<RequestSummary> {
    const { producer, requestTopic, replyTopic, requestSize, requests, rate, source, clientId } = this.parts;
    const started = Date.now();
    let position = 0;
    for (let n = 0; !this.stopping && (requests === 0 || n < requests); n++) {
      if (rate > 0) {
        const due = started + (n * 1000) / rate;
        // A reply wakes the pause early: sleep again until the request is due.
        while (due > Date.now() && !this.stopping) await this.pause(due - Date.now());
        if (this.stopping) break;
      }
      this.expire();
      const now = Date.now();
      const samples = Array.from({ length: requestSize }, () => source.sampleAt(position++, now));
      const correlationId = `${clientId}-${n + 1}`;
      const requestId = `request-${n + 1}`;
      const value = requestCodec.encode({ requestId, createdAt: now, samples });
      this.pending.sent(correlationId, requestId, samples.length, now);
      await producer.send(requestTopic, [
        {
          key: correlationId,
          value,
          headers: { ...requestCodec.headers(), [HEADER_CORRELATION_ID]: correlationId, [HEADER_REPLY_TOPIC]: replyTopic },
        },
      ]);
    }
    // Sent everything: wait for the replies still out, up to each one's deadline.
    while (this.pending.outstanding > 0 && !this.stopping) {
      const deadline = this.pending.nextDeadline ?? Date.now();
      await this.pause(Math.max(1, deadline - Date.now()));
      this.expire();
    }
    return this.pending.summary();
  }

  private expire(): void {
    for (const outcome of this.pending.expire(Date.now())) this.report(outcome);
  }

  private report(outcome: RequestOutcome): void {
    const { reply } = outcome;
    this.parts.print(
      JSON.stringify({
        correlationId: outcome.correlationId,
        requestId: outcome.requestId,
        ok: outcome.failure === null,
        failure: outcome.failure,
        roundTripMs: outcome.roundTripMs,
        model: reply?.model ?? null,
        predictions: reply?.predictions ?? [],
      }),
    );
  }

  /** Sleeps up to `ms`, waking early when a reply arrives or on stop. */
  private async pause(ms: number): Promise<void> {
    // Its own signal, cancelled when the pause ends, so no timer or listener outlives it.
    const done = new AbortController();
    const onStop = () => done.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    try {
      await Promise.race([
        sleep(ms, undefined, { signal: done.signal }).catch(() => undefined),
        new Promise<void>((resolve) => (this.wake = resolve)),
      ]);
    } finally {
      done.abort();
      this.abort.signal.removeEventListener('abort', onStop);
    }
  }

  stop(): void {
    this.stopping = true;
    this.abort.abort();
  }
}
