import type { PredictionReply } from '@hotswap/shared';

/** What became of one request. */
export interface RequestOutcome {
  correlationId: string;
  requestId: string;
  /** Milliseconds from send to reply; null when no reply came in time. */
  roundTripMs: number | null;
  reply: PredictionReply | null;
  /** Why the request counts as failed, or null when every sample was predicted. */
  failure: string | null;
}

export interface RequestSummary {
  sent: number;
  answered: number;
  failed: number;
  timedOut: number;
  /** Round-trip percentiles over the answered requests, ms; null with none answered. */
  p50: number | null;
  p99: number | null;
}

/** Why a reply does not answer its request fully, or null when it does. */
export function replyFailure(reply: PredictionReply, samples: number): string | null {
  if (reply.error !== null) return reply.error;
  const failed = reply.predictions.filter((p) => 'error' in p);
  if (failed.length > 0) {
    const first = failed[0] as { sampleId: string | null; error: string };
    return `${failed.length} of ${reply.predictions.length} sample(s) not predicted (${first.sampleId ?? 'sample'}: ${first.error})`;
  }
  if (reply.predictions.length !== samples) return `${reply.predictions.length} predictions for ${samples} samples`;
  return null;
}

/** The p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/**
 * The requests a client is waiting on, matched to replies by correlation id. Replies to other
 * clients (sharing the reply topic) are not ours and are ignored; a second reply to one request is
 * reported, never counted twice. Pure: the clock is passed in.
 */
export class PendingRequests {
  private readonly waiting = new Map<string, { requestId: string; sentAt: number; samples: number; deadline: number }>();
  // What a finished request leaves behind: its id (to spot a second reply) and the summary's figures.
  private readonly finished = new Set<string>();
  private readonly roundTrips: number[] = [];
  private failed = 0;
  private timedOut = 0;

  constructor(private readonly timeoutMs: number) {}

  sent(correlationId: string, requestId: string, samples: number, at: number): void {
    if (this.waiting.has(correlationId) || this.finished.has(correlationId)) throw new Error(`correlation id ${correlationId} used twice`);
    this.waiting.set(correlationId, { requestId, sentAt: at, samples, deadline: at + this.timeoutMs });
  }

  /** Matches a reply: its outcome, 'duplicate' for a second reply, or null when it is not ours. */
  received(reply: PredictionReply, at: number): RequestOutcome | 'duplicate' | null {
    const request = this.waiting.get(reply.correlationId);
    if (request === undefined) return this.finished.has(reply.correlationId) ? 'duplicate' : null;
    this.waiting.delete(reply.correlationId);
    const outcome: RequestOutcome = {
      correlationId: reply.correlationId,
      requestId: request.requestId,
      roundTripMs: at - request.sentAt,
      reply,
      failure: replyFailure(reply, request.samples),
    };
    this.finish(outcome);
    return outcome;
  }

  /** The requests whose deadline passed without a reply, now failed. */
  expire(now: number): RequestOutcome[] {
    const expired: RequestOutcome[] = [];
    for (const [correlationId, request] of this.waiting) {
      if (now < request.deadline) continue;
      this.waiting.delete(correlationId);
      const outcome: RequestOutcome = {
        correlationId,
        requestId: request.requestId,
        roundTripMs: null,
        reply: null,
        failure: `no reply within ${this.timeoutMs} ms`,
      };
      this.finish(outcome);
      expired.push(outcome);
    }
    return expired;
  }

  get outstanding(): number {
    return this.waiting.size;
  }

  /** The earliest deadline still open, or null. */
  get nextDeadline(): number | null {
    let next: number | null = null;
    for (const r of this.waiting.values()) if (next === null || r.deadline < next) next = r.deadline;
    return next;
  }

  private finish(outcome: RequestOutcome): void {
    this.finished.add(outcome.correlationId);
    if (outcome.roundTripMs !== null) this.roundTrips.push(outcome.roundTripMs);
    if (outcome.failure !== null) this.failed++;
    if (outcome.reply === null) this.timedOut++;
  }

  summary(): RequestSummary {
    const times = [...this.roundTrips].sort((a, b) => a - b);
    return {
      sent: this.finished.size + this.waiting.size,
      answered: times.length,
      failed: this.failed,
      timedOut: this.timedOut,
      p50: percentile(times, 50),
      p99: percentile(times, 99),
    };
  }
}
