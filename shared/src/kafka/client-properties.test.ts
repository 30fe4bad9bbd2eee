import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKafkaProperties } from './client-properties';

const dir = mkdtempSync(join(tmpdir(), 'hotswap-client-properties-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const file = (name: string, text: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const read = (...lines: string[]) => readKafkaProperties(file('client.properties', lines.join('\n')));
const refused = (lines: string[]): string => {
  try {
    read(...lines);
  } catch (e) {
    return (e as Error).message;
  }
  return assert.fail('expected a refusal');
};

describe('client.properties: Java and librdkafka spellings', () => {
  it("reads librdkafka's SASL spelling (sasl.mechanisms, sasl.username, sasl.password)", () => {
    assert.deepEqual(
      read('bootstrap.servers=k:9093', 'security.protocol=SASL_SSL', 'sasl.mechanisms=SCRAM-SHA-512', 'sasl.username=u', 'sasl.password=p'),
      {
        brokers: ['k:9093'],
        ssl: {},
        sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
      },
    );
  });

  it("reads Java's JAAS line, continued over lines as Java's Properties allows", () => {
    const settings = read(
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=PLAIN',
      'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\',
      '    username="alice" \\',
      '    password="wonder land";',
    );
    assert.deepEqual(settings.sasl, { mechanism: 'plain', username: 'alice', password: 'wonder land' });
    assert.equal(settings.ssl, false);
  });

  it('never prints a secret: a JAAS line without the expected password says where, not what', () => {
    const message = refused(['security.protocol=SASL_SSL', 'sasl.jaas.config=PlainLoginModule required username="u" passwd="s3cr3t";']);
    assert.match(message, /^invalid sasl\.jaas\.config="\(not shown: it holds a secret\)": expected a username and a password/);
    assert.ok(!message.includes('s3cr3t'), message);
  });

  it('refuses a property it does not read, by name, and an unknown mechanism', () => {
    assert.match(
      refused(['bootstrap.servers=k:9092', 'sasl.kerberos.service.name=kafka']),
      /^invalid KAFKA_PROPERTIES_FILE=".*client\.properties": expected only properties this client reads, not sasl\.kerberos\.service\.name \(it reads bootstrap\.servers/,
    );
    assert.match(
      refused(['security.protocol=SASL_SSL', 'sasl.mechanisms=GSSAPI']),
      /invalid sasl\.mechanisms="GSSAPI": expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512/,
    );
  });
});

describe('client.properties: TLS trust and client certificates', () => {
  it('trusts a PEM CA given as ssl.ca.location or as a PEM truststore', () => {
    const ca = file('ca.pem', PEM);
    assert.deepEqual(read('security.protocol=SSL', `ssl.ca.location=${ca}`).ssl, { ca: PEM });
    assert.deepEqual(read('security.protocol=SSL', `ssl.truststore.location=${ca}`, 'ssl.truststore.type=PEM').ssl, { ca: PEM });
  });

  it('presents a PEM client certificate and key, or a PKCS12 keystore with its password', () => {
    const cert = file('client.pem', PEM);
    const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
    const pem = read('security.protocol=SSL', `ssl.certificate.location=${cert}`, `ssl.key.location=${key}`, 'ssl.key.password=k').ssl;
    assert.ok(pem !== undefined && pem !== false && pem.cert === PEM && pem.key?.includes('PRIVATE KEY') && pem.passphrase === 'k');
    const p12 = file('client.p12', Buffer.from([0x30, 0x82, 0x01]));
    const pkcs12 = read(
      'security.protocol=SSL',
      `ssl.keystore.location=${p12}`,
      'ssl.keystore.type=PKCS12',
      'ssl.keystore.password=pw',
    ).ssl;
    assert.ok(
      pkcs12 !== undefined && pkcs12 !== false && pkcs12.pfx?.equals(Buffer.from([0x30, 0x82, 0x01])) && pkcs12.passphrase === 'pw',
    );
  });

  it('names the store it cannot read, and how to convert it', () => {
    const store = file('store.jks', Buffer.from([0xfe, 0xed]));
    assert.match(
      refused(['security.protocol=SSL', `ssl.truststore.location=${store}`]),
      /invalid ssl\.truststore\.type="JKS": expected PEM: a JKS truststore cannot be read here; export the CA with keytool -exportcert/,
    );
    assert.match(
      refused(['security.protocol=SSL', `ssl.keystore.location=${store}`, 'ssl.keystore.type=JKS']),
      /ssl\.keystore\.type="JKS": expected PKCS12 or PEM: .*keytool -importkeystore/,
    );
    assert.match(
      refused(['security.protocol=SSL', `ssl.ca.location=${store}`]),
      /invalid ssl\.ca\.location=".*store\.jks": expected a PEM file/,
    );
    assert.match(
      refused(['security.protocol=SSL', `ssl.ca.location=${join(dir, 'missing.pem')}`]),
      /invalid ssl\.ca\.location=".*missing\.pem": expected a readable file \(ENOENT/,
    );
  });

  it('wants a client certificate and its key together, and always verifies the broker host name', () => {
    assert.match(
      refused(['security.protocol=SSL', `ssl.certificate.location=${file('only.pem', PEM)}`]),
      /invalid ssl\.key\.location="": expected set together with the other/,
    );
    assert.match(
      refused(['security.protocol=SSL', 'ssl.endpoint.identification.algorithm=']),
      /expected https \(the broker host name is always verified\)/,
    );
  });
});
