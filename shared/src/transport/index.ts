// Which transport carries the records, from the settings: Kafka (default) or Google Cloud Pub/Sub.
// By layer: a thread that reads one topic loads the transport, not TensorFlow.
import { ConfigError, parsers, setting } from '../config';
import { KafkaClient } from '../kafka/client';
import { kafkaConnectionSettings, kafkaSpec, type KafkaConnectionSettings } from '../kafka/connection';
import { PubSubTransport, describePubSub, type PubSubSettings } from '../pubsub/transport';
import type { Logger } from '../telemetry/logger';
import { TRANSPORT_KINDS, type Transport, type TransportKind } from './transport';

export { PubSubTransport } from '../pubsub/transport';
export * from './records';
export * from './transport';

/** Settings every service shares: what carries the records, and how to reach it. */
export const transportSpec = {
  transport: setting(
    'TRANSPORT',
    'what carries the records: Kafka, or Google Cloud Pub/Sub (docs/pubsub.md)',
    TRANSPORT_KINDS.join(' | '),
    parsers.oneOf<TransportKind>(...TRANSPORT_KINDS),
    'kafka' as TransportKind,
  ),
  ...kafkaSpec,
  pubsubProjectId: setting(
    'PUBSUB_PROJECT_ID',
    'Google Cloud project of the Pub/Sub topics (TRANSPORT=pubsub; else GOOGLE_CLOUD_PROJECT); PUBSUB_EMULATOR_HOST points the client at an emulator',
    'a project id',
    parsers.string,
    '',
  ),
};

export type TransportSettings = { kind: 'kafka'; kafka: KafkaConnectionSettings } | { kind: 'pubsub'; pubsub: PubSubSettings };

/** The transport settings, checked: a Kafka properties file is read now, so a bad one fails before anything starts. */
export function transportSettings(cfg: {
  transport: TransportKind;
  brokers: string[];
  kafkaPropertiesFile: string;
  clientId: string;
  kafkajsFastPaths?: boolean;
  pubsubProjectId: string;
}): TransportSettings {
  if (cfg.transport === 'kafka') return { kind: 'kafka', kafka: kafkaConnectionSettings(cfg) };
  const projectId = cfg.pubsubProjectId !== '' ? cfg.pubsubProjectId : (process.env['GOOGLE_CLOUD_PROJECT'] ?? '');
  if (projectId === '')
    throw new ConfigError('PUBSUB_PROJECT_ID', '', 'a Google Cloud project id with TRANSPORT=pubsub (or GOOGLE_CLOUD_PROJECT set)');
  return { kind: 'pubsub', pubsub: { projectId } };
}

export function createTransport(settings: TransportSettings, logger: Logger): Transport {
  return settings.kind === 'kafka' ? new KafkaClient(settings.kafka, logger) : new PubSubTransport(settings.pubsub, logger);
}

/** Where the transport is, for log lines: never a credential. */
export function describeTransport(settings: TransportSettings): string {
  return settings.kind === 'kafka' ? `Kafka at ${settings.kafka.brokers.join(',')}` : describePubSub(settings.pubsub);
}
