// How a service reaches Kafka: its settings, or a client.properties file (client-properties.ts).
import { parsers, setting } from '../config';
import { readKafkaProperties } from './client-properties';

/** TLS beyond the system's CAs: PEM texts, or a PKCS12 client keystore. */
export interface TlsSettings {
  ca?: string;
  cert?: string;
  key?: string;
  pfx?: Buffer;
  passphrase?: string;
}

export interface KafkaConnectionSettings {
  brokers: string[];
  clientId: string;
  /** false: plaintext; otherwise TLS, with the broker's certificate and host name verified. */
  ssl: false | TlsSettings;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** false: kafkajs keeps its own modules on the hot path (see kafkajs-fast-paths.ts); default true. */
  kafkajsFastPaths?: boolean;
}

export { readKafkaProperties };

/** Settings every service shares: where Kafka is and how to reach it. */
export const kafkaSpec = {
  brokers: setting('KAFKA_BROKERS', 'Kafka bootstrap servers', 'host:port[,host:port...]', parsers.brokers, ['127.0.0.1:9092']),
  kafkaPropertiesFile: setting(
    'KAFKA_PROPERTIES_FILE',
    'Kafka client properties, Java or librdkafka spellings (bootstrap.servers, security.protocol, sasl.*, ssl.*); overrides KAFKA_BROKERS',
    'a file path',
    parsers.string,
    '',
  ),
  clientId: setting('KAFKA_CLIENT_ID', 'client id sent to the broker', 'a string', parsers.string, 'hotswap'),
  kafkajsFastPaths: setting(
    'KAFKAJS_FAST_PATHS',
    "kafkajs's produce encoding and record reading done by hotswap's faster modules (on), or by its own (off)",
    'on or off',
    parsers.boolean,
    true,
  ),
};

export function kafkaConnectionSettings(cfg: {
  brokers: string[];
  kafkaPropertiesFile: string;
  clientId: string;
  kafkajsFastPaths?: boolean;
}): KafkaConnectionSettings {
  const fromFile = cfg.kafkaPropertiesFile === '' ? {} : readKafkaProperties(cfg.kafkaPropertiesFile);
  return { brokers: cfg.brokers, clientId: cfg.clientId, ssl: false, kafkajsFastPaths: cfg.kafkajsFastPaths ?? true, ...fromFile };
}
