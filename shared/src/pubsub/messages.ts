// Records as Pub/Sub messages and back, and the names of subscriptions: pure, no client.
import type { MessageHeaders } from '../schemas/codec';
import type { InboundRecord, OutboundRecord, TopicSpec } from '../transport/records';

/** The attribute a record's key travels in: Pub/Sub messages have data and attributes only. */
export const KEY_ATTRIBUTE = 'hotswap.key';

/**
 * How long a topic whose latest records must outlive their readers keeps every message (31 days,
 * the most Pub/Sub allows): a replica that starts seeks its own subscription back over them.
 */
export const RETAINED_SECONDS = 31 * 24 * 3600;

export interface PublishedMessage {
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey?: string;
}

/** A record as a message: headers become attributes, the key an attribute of its own. */
export function toMessage(record: OutboundRecord): PublishedMessage {
  const attributes: Record<string, string> = { ...(record.headers ?? {}) };
  if (record.key !== undefined && record.key !== null) attributes[KEY_ATTRIBUTE] = record.key.toString();
  const data = typeof record.value === 'string' ? Buffer.from(record.value) : record.value;
  return { data, attributes, ...(record.ordering === undefined ? {} : { orderingKey: record.ordering }) };
}

/** A received message as a record of `topic`, at the place this reader gave it (Pub/Sub has no offsets). */
export function toRecord(
  topic: string,
  offset: number,
  message: { data: Buffer; attributes: Record<string, string>; publishTime: Date },
): InboundRecord {
  const headers: MessageHeaders = { ...message.attributes };
  const key = headers[KEY_ATTRIBUTE];
  delete headers[KEY_ATTRIBUTE];
  return {
    topic,
    partition: 0,
    offset: String(offset),
    key: key === undefined ? null : Buffer.from(key),
    value: message.data.length === 0 ? null : message.data,
    headers,
    timestamp: message.publishTime.getTime(),
  };
}

/** Whether a topic keeps its records for readers that start later (Kafka: a compacted topic). */
export function isRetained(spec: TopicSpec): boolean {
  return spec.config?.['cleanup.policy']?.includes('compact') ?? false;
}

/** The subscription a group of readers shares on a topic. */
export function groupSubscription(topic: string, groupId: string): string {
  return subscriptionName(`${topic}.${groupId}`);
}

/** Pub/Sub names: 3 to 255 of letters, digits and - _ . ~ + %, starting with a letter; not starting with "goog". */
export function subscriptionName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9\-_.~+%]/g, '_');
  const lettered = /^[A-Za-z]/.test(cleaned) && !cleaned.startsWith('goog') ? cleaned : `s-${cleaned}`;
  return lettered.length > 255 ? lettered.slice(0, 255) : lettered.padEnd(3, '_');
}

/** Pub/Sub refuses a topic name outside its rules: say which rule, before the call fails. */
export function topicNameProblem(topic: string): string | null {
  if (topic.length < 3 || topic.length > 255) return `${JSON.stringify(topic)} must be 3 to 255 characters on Pub/Sub`;
  if (!/^[A-Za-z]/.test(topic)) return `${JSON.stringify(topic)} must start with a letter on Pub/Sub`;
  if (!/^[A-Za-z0-9\-_.~+%]+$/.test(topic)) return `${JSON.stringify(topic)} may hold only letters, digits and - _ . ~ + % on Pub/Sub`;
  if (topic.startsWith('goog')) return `${JSON.stringify(topic)} must not start with "goog" on Pub/Sub`;
  return null;
}
