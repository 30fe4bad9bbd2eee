import type { TopicSpec } from './records';

/** Topic defaults shared by every service, so whichever starts first creates them alike. */
export const DEFAULT_TOPICS = {
  data: 'queueing.data',
  model: 'queueing.model',
  prediction: 'streaming.prediction',
  request: 'queueing.request',
  reply: 'streaming.reply',
} as const;

/**
 * Model records are keyed by name and version, so compaction keeps every published version (a
 * rollback needs the old ones) while a republished version replaces itself.
 */
export function modelRecordKey(name: string, version: number): string {
  return `${name}@v${version}`;
}

/** The key of a model's control records (pin, unpin, rollback): compaction keeps the latest. */
export function controlRecordKey(name: string): string {
  return `${name}@control`;
}

/** The key of the decision on one candidate version (promote, reject): compaction keeps every decision. */
export function decisionRecordKey(name: string, version: number): string {
  return `${name}@decision-v${version}`;
}

export const DEFAULT_DATA_PARTITIONS = 6;

export function dataTopicSpec(topic: string, partitions: number): TopicSpec {
  return { topic, partitions, config: { 'retention.ms': String(7 * 24 * 3600 * 1000) } };
}

/** Compacted, keyed by model name and version (and one control key per model): nothing published is lost. */
export function modelTopicSpec(topic: string): TopicSpec {
  return {
    topic,
    partitions: 1,
    config: {
      'cleanup.policy': 'compact',
      // Models are large; let one record be up to 64 MB on this topic.
      'max.message.bytes': String(64 * 1024 * 1024),
      'min.compaction.lag.ms': '60000',
    },
  };
}

export function predictionTopicSpec(topic: string, partitions: number): TopicSpec {
  return { topic, partitions, config: { 'retention.ms': String(7 * 24 * 3600 * 1000) } };
}

/** Requests are short-lived: a day is plenty for a reply to be made. */
export function requestTopicSpec(topic: string, partitions: number): TopicSpec {
  return { topic, partitions, config: { 'retention.ms': String(24 * 3600 * 1000) } };
}

export function replyTopicSpec(topic: string, partitions: number): TopicSpec {
  return { topic, partitions, config: { 'retention.ms': String(24 * 3600 * 1000) } };
}
