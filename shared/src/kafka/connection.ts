// How a service reaches Kafka: its settings, and a Java-style client.properties file.
import { readFileSync } from 'node:fs';
import { ConfigError, parsers, setting } from '../config';

export interface KafkaConnectionSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/**
 * Reads a Java-style Kafka properties file (bootstrap.servers, security.protocol, sasl.*), so
 * users can point every service at the same client.properties their other Kafka tools use.
 */
export function readKafkaProperties(path: string): Partial<KafkaConnectionSettings> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('KAFKA_PROPERTIES_FILE', path, `a readable file (${(e as Error).message})`);
  }
  const props = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(t);
    if (m) props.set(m[1] as string, (m[2] as string).trim());
  }
  const out: Partial<KafkaConnectionSettings> = {};
  const servers = props.get('bootstrap.servers');
  if (servers !== undefined) {
    try {
      out.brokers = parsers.brokers(servers);
    } catch {
      throw new ConfigError('bootstrap.servers', servers, 'host:port[,host:port...]');
    }
  }
  const protocol = (props.get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw new ConfigError('security.protocol', protocol, 'PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL');
  }
  out.ssl = protocol === 'SSL' || protocol === 'SASL_SSL';
  if (protocol.startsWith('SASL')) {
    const mechanismRaw = (props.get('sasl.mechanism') ?? 'PLAIN').toLowerCase();
    const mechanism = mechanismRaw as 'plain' | 'scram-sha-256' | 'scram-sha-512';
    if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) {
      throw new ConfigError('sasl.mechanism', mechanismRaw, 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512');
    }
    const jaas = props.get('sasl.jaas.config') ?? '';
    const username = props.get('sasl.username') ?? /username="([^"]*)"/.exec(jaas)?.[1];
    const password = props.get('sasl.password') ?? /password="([^"]*)"/.exec(jaas)?.[1];
    if (username === undefined || password === undefined) {
      throw new ConfigError('sasl.jaas.config', jaas, 'username="..." and password="..." for SASL');
    }
    out.sasl = { mechanism, username, password };
  }
  return out;
}

/** Settings every service shares: where Kafka is and how to reach it. */
export const kafkaSpec = {
  brokers: setting('KAFKA_BROKERS', 'Kafka bootstrap servers', 'host:port[,host:port...]', parsers.brokers, ['127.0.0.1:9092']),
  kafkaPropertiesFile: setting(
    'KAFKA_PROPERTIES_FILE',
    'Java-style client properties (bootstrap.servers, security.protocol, sasl.*); overrides KAFKA_BROKERS',
    'a file path',
    parsers.string,
    '',
  ),
  clientId: setting('KAFKA_CLIENT_ID', 'client id sent to the broker', 'a string', parsers.string, 'hotswap'),
};

export function kafkaConnectionSettings(cfg: {
  brokers: string[];
  kafkaPropertiesFile: string;
  clientId: string;
}): KafkaConnectionSettings {
  const fromFile = cfg.kafkaPropertiesFile === '' ? {} : readKafkaProperties(cfg.kafkaPropertiesFile);
  return { brokers: cfg.brokers, clientId: cfg.clientId, ssl: false, ...fromFile };
}
