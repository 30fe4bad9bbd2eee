import type { Admin, Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Runs `work` with a connected admin client of `kafka`, disconnecting it afterwards. */
export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A topic's offset range per partition. Right after a topic is created its partitions may still
 * lack a leader, and kafkajs does not retry that here: retry retriable errors for up to ~10 s.
 */
export async function topicOffsets(admin: Admin, topic: string): Promise<{ partition: number; low: string; high: string }[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (e) {
      if ((e as { retriable?: boolean }).retriable !== true || attempt >= 40) throw e;
      await sleep(250);
    }
  }
}

/** The next offset to be written in each partition of a topic, right now. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, string>> {
  const offsets = await withAdmin(kafka, (admin) => topicOffsets(admin, topic));
  return new Map(offsets.map((o) => [o.partition, o.high]));
}

/** The offset a consumer group has committed in each partition of a topic ('-1' where none). */
export function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, string>> {
  return withAdmin(kafka, (admin) => readCommitted(admin, groupId, topic));
}

async function readCommitted(admin: Admin, groupId: string, topic: string): Promise<Map<number, string>> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

/** A group's committed offsets read again and again over one connection (a poll every 100 ms must not connect each time). */
export interface CommittedOffsetsReader {
  read(): Promise<Map<number, string>>;
  close(): Promise<void>;
}

export async function committedOffsetsReader(kafka: Kafka, groupId: string, topic: string): Promise<CommittedOffsetsReader> {
  const admin = kafka.admin();
  await admin.connect();
  return { read: () => readCommitted(admin, groupId, topic), close: () => admin.disconnect() };
}
