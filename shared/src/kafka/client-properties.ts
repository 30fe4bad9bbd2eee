// A Kafka client.properties file, in the Java client's and librdkafka's spellings alike, read into
// connection settings: where the brokers are, SASL, and TLS (trusted CAs, client certificate).
import { readFileSync } from 'node:fs';
import { ConfigError, parsers } from '../config';
import type { KafkaConnectionSettings, TlsSettings } from './connection';
import { parseProperties } from './properties';

/** Shown instead of a value that holds a secret: no error, log or status ever prints one. */
const HIDDEN = '(not shown: it holds a secret)';

/** Every property this client reads; any other is refused by name rather than silently ignored. */
export const KNOWN_PROPERTIES = [
  'bootstrap.servers',
  'client.id',
  'security.protocol',
  'sasl.mechanism',
  'sasl.mechanisms',
  'sasl.jaas.config',
  'sasl.username',
  'sasl.password',
  'ssl.endpoint.identification.algorithm',
  'ssl.ca.location',
  'ssl.certificate.location',
  'ssl.key.location',
  'ssl.key.password',
  'ssl.truststore.location',
  'ssl.truststore.type',
  'ssl.truststore.password',
  'ssl.keystore.location',
  'ssl.keystore.type',
  'ssl.keystore.password',
] as const;

type Mechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export function readKafkaProperties(path: string): Partial<KafkaConnectionSettings> {
  return connectionFromProperties(readPropertiesFile(path));
}

/** The properties of a client.properties file, each known to this client (else a ConfigError naming it). */
export function readPropertiesFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('KAFKA_PROPERTIES_FILE', path, `a readable file (${(e as Error).message})`);
  }
  let props: Map<string, string>;
  try {
    props = parseProperties(text);
  } catch (e) {
    throw new ConfigError('KAFKA_PROPERTIES_FILE', path, `a Java properties file (${(e as Error).message})`);
  }
  for (const key of props.keys()) {
    if (!(KNOWN_PROPERTIES as readonly string[]).includes(key)) {
      throw new ConfigError(
        'KAFKA_PROPERTIES_FILE',
        path,
        `only properties this client reads, not ${key} (it reads ${KNOWN_PROPERTIES.join(', ')})`,
      );
    }
  }
  return props;
}

/** Connection settings from read properties, each checked: the services' errors for a bad value. */
export function connectionFromProperties(props: Map<string, string>): Partial<KafkaConnectionSettings> {
  const out: Partial<KafkaConnectionSettings> = {};
  const servers = props.get('bootstrap.servers');
  if (servers !== undefined) {
    try {
      out.brokers = parsers.brokers(servers);
    } catch {
      throw new ConfigError('bootstrap.servers', servers, 'host:port[,host:port...]');
    }
  }
  const clientId = props.get('client.id');
  if (clientId !== undefined && clientId !== '') out.clientId = clientId;
  const protocol = (props.get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw new ConfigError('security.protocol', protocol, 'PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL');
  }
  out.ssl = protocol === 'SSL' || protocol === 'SASL_SSL' ? tlsSettings(props) : false;
  if (protocol.startsWith('SASL')) out.sasl = saslSettings(props);
  return out;
}

function saslSettings(props: Map<string, string>): NonNullable<KafkaConnectionSettings['sasl']> {
  // sasl.mechanism is Java's spelling, sasl.mechanisms librdkafka's.
  const [name, raw] = props.has('sasl.mechanism')
    ? ['sasl.mechanism', props.get('sasl.mechanism')]
    : ['sasl.mechanisms', props.get('sasl.mechanisms')];
  const mechanism = (raw ?? 'PLAIN').trim().toLowerCase() as Mechanism;
  if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) {
    throw new ConfigError(name, raw ?? '', 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512');
  }
  const jaas = props.get('sasl.jaas.config') ?? '';
  const username = props.get('sasl.username') ?? /\busername="([^"]*)"/.exec(jaas)?.[1];
  const password = props.get('sasl.password') ?? /\bpassword="([^"]*)"/.exec(jaas)?.[1];
  if (username === undefined || password === undefined) {
    const where = jaas === '' ? 'sasl.username and sasl.password' : 'sasl.jaas.config';
    throw new ConfigError(
      where,
      jaas === '' ? '' : HIDDEN,
      'a username and a password for SASL (username="..." password="..." in sasl.jaas.config)',
    );
  }
  return { mechanism, username, password };
}

/** TLS: the broker's certificate checked against the trusted CAs (and its host name), and a client certificate when given. */
function tlsSettings(props: Map<string, string>): TlsSettings {
  const algorithm = props.get('ssl.endpoint.identification.algorithm');
  if (algorithm !== undefined && algorithm.toLowerCase() !== 'https') {
    throw new ConfigError('ssl.endpoint.identification.algorithm', algorithm, 'https (the broker host name is always verified)');
  }
  const tls: TlsSettings = {};
  const caLocation = props.get('ssl.ca.location');
  const ca = caLocation === undefined ? truststore(props) : { property: 'ssl.ca.location', path: caLocation };
  if (ca !== undefined) tls.ca = pemFile(ca.property, ca.path);
  const cert = props.get('ssl.certificate.location');
  const key = props.get('ssl.key.location');
  if (cert !== undefined || key !== undefined) {
    if (cert === undefined || key === undefined) {
      throw new ConfigError(
        cert === undefined ? 'ssl.certificate.location' : 'ssl.key.location',
        '',
        'set together with the other (a client certificate needs both)',
      );
    }
    tls.cert = pemFile('ssl.certificate.location', cert);
    tls.key = pemFile('ssl.key.location', key);
  } else {
    Object.assign(tls, keystore(props));
  }
  const passphrase = props.get('ssl.key.password');
  if (passphrase !== undefined && tls.key !== undefined) tls.passphrase = passphrase;
  return tls;
}

function truststore(props: Map<string, string>): { property: string; path: string } | undefined {
  const path = props.get('ssl.truststore.location');
  if (path === undefined) return undefined;
  const type = (props.get('ssl.truststore.type') ?? 'JKS').toUpperCase();
  if (type !== 'PEM') {
    throw new ConfigError(
      'ssl.truststore.type',
      type,
      `PEM: a ${type} truststore cannot be read here; export the CA with keytool -exportcert -rfc -keystore ${path} and set ssl.ca.location to it`,
    );
  }
  return { property: 'ssl.truststore.location', path };
}

function keystore(props: Map<string, string>): Partial<TlsSettings> {
  const path = props.get('ssl.keystore.location');
  if (path === undefined) return {};
  const type = (props.get('ssl.keystore.type') ?? 'JKS').toUpperCase();
  if (type === 'PKCS12') {
    const tls: Partial<TlsSettings> = { pfx: binaryFile('ssl.keystore.location', path) };
    const password = props.get('ssl.keystore.password');
    if (password !== undefined) tls.passphrase = password;
    return tls;
  }
  if (type === 'PEM') {
    // Java's PEM keystore: the private key and the certificate chain in one file.
    const pem = pemFile('ssl.keystore.location', path);
    return { cert: pem, key: pem };
  }
  throw new ConfigError(
    'ssl.keystore.type',
    type,
    `PKCS12 or PEM: a ${type} keystore cannot be read here; convert it with keytool -importkeystore -srckeystore ${path} -destkeystore client.p12 -deststoretype PKCS12`,
  );
}

function binaryFile(property: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(property, path, `a readable file (${(e as Error).message})`);
  }
}

function pemFile(property: string, path: string): string {
  const text = binaryFile(property, path).toString('utf8');
  if (!text.includes('-----BEGIN ')) throw new ConfigError(property, path, 'a PEM file (-----BEGIN ... -----)');
  return text;
}
