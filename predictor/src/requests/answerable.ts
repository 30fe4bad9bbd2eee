import {
  HEADER_CORRELATION_ID,
  HEADER_REPLY_TOPIC,
  PREDICTION_CONTENT_TYPE,
  type MessageHeaders,
  type PredictionReply,
  type ReplyItem,
  type SampleRecord,
} from '@hotswap/shared/contracts';
import type { OutboundRecord } from '@hotswap/shared/kafka';

/** Kafka's default largest record is 1 MB: a reply stays well under it. */
export const MAX_REPLY_BYTES = 900_000;
/** A reply item's JSON without its sample id, generously: class name, confidence, label, keys. */
const REPLY_BYTES_PER_SAMPLE = 200;

/** Why a request gets no reply at all (it is dead-lettered instead). */
export interface Unanswerable {
  reason: 'no-reply-address' | 'bad-reply-topic';
  detail: string;
}

export interface ReplyAddress {
  correlationId: string;
  replyTopic: string;
}

/**
 * Where a request's reply goes, from its headers, or why it cannot have one. A reply must never
 * land in the pipeline's own topics (JSON on the model topic, say) or Kafka's internal ones (the
 * write would fail, and the batch with it, for ever). Whether the topic exists is asked apart.
 */
export function replyAddressOf(headers: MessageHeaders, ownTopics: readonly string[]): ReplyAddress | Unanswerable {
  const correlationId = headers[HEADER_CORRELATION_ID];
  const replyTopic = headers[HEADER_REPLY_TOPIC];
  if (correlationId === undefined || correlationId === '' || replyTopic === undefined || replyTopic === '') {
    return { reason: 'no-reply-address', detail: `request needs headers ${HEADER_CORRELATION_ID} and ${HEADER_REPLY_TOPIC}` };
  }
  if (ownTopics.includes(replyTopic) || replyTopic.startsWith('__')) {
    return { reason: 'bad-reply-topic', detail: `reply topic ${replyTopic} is one of the pipeline's own or Kafka's internal topics` };
  }
  return { correlationId, replyTopic };
}

export function isUnanswerable(address: ReplyAddress | Unanswerable): address is Unanswerable {
  return 'reason' in address;
}

/**
 * Why a readable request is answered with an error instead of predictions, or null: it has no
 * samples, or its reply could not fit in one record (writing it would fail the batch again and again).
 */
export function requestError(samples: readonly Pick<SampleRecord, 'sampleId'>[]): string | null {
  if (samples.length === 0) return 'request has no samples';
  const replyBytes = 512 + samples.reduce((n, s) => n + REPLY_BYTES_PER_SAMPLE + 6 * s.sampleId.length, 0);
  if (replyBytes > MAX_REPLY_BYTES) {
    return `request of ${samples.length} samples needs a reply of up to ${replyBytes} bytes, over the ${MAX_REPLY_BYTES} one record may hold: send fewer samples per request`;
  }
  return null;
}

/** The reply record: keyed and headed by the correlation id, so the client can match it. */
export function replyRecord(address: ReplyAddress, reply: Omit<PredictionReply, 'correlationId'>): OutboundRecord {
  const full: PredictionReply = { correlationId: address.correlationId, ...reply };
  return {
    key: address.correlationId,
    value: JSON.stringify(full),
    headers: { 'content-type': PREDICTION_CONTENT_TYPE, [HEADER_CORRELATION_ID]: address.correlationId },
  };
}

/** A reply item for a sample that was not predicted. */
export function unpredictedItem(sample: Pick<SampleRecord, 'sampleId'> | null, error: string | null): ReplyItem {
  return { sampleId: sample?.sampleId ?? null, error: error ?? 'not predicted' };
}
