// One client.properties for the services and for Kafka's own Java tools: a file in librdkafka's
// spelling, rewritten in Java's for the console consumer, producer and topics tool (kafka.sh).
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KNOWN_PROPERTIES, connectionFromProperties, readPropertiesFile } from './client-properties';

/** Properties rewritten below; every other one this client reads means the same to Java's client. */
const REWRITTEN = [
  'sasl.mechanism',
  'sasl.mechanisms',
  'sasl.username',
  'sasl.password',
  'ssl.ca.location',
  'ssl.certificate.location',
  'ssl.key.location',
  'ssl.key.password',
];
const SAME_IN_JAVA = KNOWN_PROPERTIES.filter((p) => !REWRITTEN.includes(p));

const LOGIN_MODULES: Record<string, string> = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
};

/**
 * The file at `path`, checked as the services check it (same errors), in Java's spelling: the
 * text of a properties file for Kafka's Java tools. It holds the file's secrets: pipe it, never store it.
 */
export function javaClientProperties(path: string): string {
  const props = readPropertiesFile(path);
  connectionFromProperties(props);
  const out = new Map<string, string>();
  for (const key of SAME_IN_JAVA) {
    const value = props.get(key);
    if (value !== undefined) out.set(key, value);
  }
  const mechanism = (props.get('sasl.mechanism') ?? props.get('sasl.mechanisms'))?.trim().toUpperCase();
  if (mechanism !== undefined) out.set('sasl.mechanism', mechanism);
  const username = props.get('sasl.username');
  const password = props.get('sasl.password');
  if (!out.has('sasl.jaas.config') && username !== undefined && password !== undefined) {
    const module = LOGIN_MODULES[mechanism ?? 'PLAIN'] ?? LOGIN_MODULES['PLAIN'];
    out.set('sasl.jaas.config', `${module} required username=${jaasQuoted(username)} password=${jaasQuoted(password)};`);
  }
  const ca = props.get('ssl.ca.location');
  if (ca !== undefined) {
    out.set('ssl.truststore.type', 'PEM');
    out.set('ssl.truststore.location', ca);
  }
  const cert = props.get('ssl.certificate.location');
  const key = props.get('ssl.key.location');
  if (cert !== undefined && key !== undefined) {
    // Java's PEM keystore takes the chain and an unencrypted PKCS#8 key inline; this text is only ever piped.
    const passphrase = props.get('ssl.key.password');
    const pkcs8 = createPrivateKey({ key: readFileSync(key), ...(passphrase === undefined ? {} : { passphrase }) })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
    out.set('ssl.keystore.type', 'PEM');
    out.set('ssl.keystore.certificate.chain', readFileSync(cert, 'utf8'));
    out.set('ssl.keystore.key', pkcs8);
  } else if (props.has('ssl.key.password')) {
    out.set('ssl.key.password', props.get('ssl.key.password') as string);
  }
  return [...out].map(([k, v]) => `${k}=${propertiesEscaped(v)}\n`).join('');
}

function jaasQuoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A value as Java's Properties.load reads it back: backslashes, line breaks and a leading blank escaped. */
function propertiesEscaped(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/^[ \t\f]/, (c) => `\\${c}`);
}
