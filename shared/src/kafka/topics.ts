import type { TopicSpec } from './client';

/** Topic defaults shared by every service, so whichever starts first creates them alike. */
export const DEFAULT_TOPICS = {
  data: 'queueing.data',
  model: 'queueing.model',
  prediction: 'streaming.prediction',
} as const;

export const DEFAULT_DATA_PARTITIONS = 6;

export function dataTopicSpec(topic: string, partitions: number): TopicSpec {
  return { topic, partitions, config: { 'retention.ms': String(7 * 24 * 3600 * 1000) } };
}

/** Compacted and keyed by model name: the latest version of each model stays readable forever. */
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
