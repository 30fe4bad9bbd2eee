import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { javaClientProperties, parseProperties } from '@hotswap/shared/kafka';
import { REPO, tempDir } from './support/services';

/** The file as Java itself reads it (test/java/ReadProperties.java, run by this machine's JDK). */
function javaReads(text: string): Record<string, string> {
  const path = join(tempDir('java-props'), 'client.properties');
  writeFileSync(path, text, 'latin1');
  const out = execFileSync('java', [join(REPO, 'test', 'java', 'ReadProperties.java'), path], { encoding: 'utf8' });
  return JSON.parse(out) as Record<string, string>;
}

describe('client.properties read and written as Java reads them (Java itself is the oracle)', function () {
  this.timeout(60_000);

  const TRICKY = [
    'a=1\nb : 2\nc 3\n  d=four words  \ne=\nf\n',
    '# comment\n  ! another\n\n\t\nkey=value\n#key=other\n',
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n    username="u" \\\n\tpassword="p\\\\q";\nnext=1\n',
    'even=ends in one \\\\\nnext=1\n',
    'a\\=b=c\\:d\ntab=x\\ty\nu=\\u00e9t\\u00E9\nq=\\"quoted\\"\nsp\\ ace=v\n',
    'k=1\r\nk=2\r\n',
    'line=first\\nsecond\\rthird\\fend\n',
    'last=no newline at the end',
  ];
  for (const [i, text] of TRICKY.entries()) {
    it(`parseProperties reads case ${i + 1} as Java does: ${JSON.stringify(text.slice(0, 40))}`, () => {
      assert.deepEqual(Object.fromEntries(parseProperties(text)), javaReads(text));
    });
  }

  it("javaClientProperties: a librdkafka-spelled SCRAM file becomes Java's, read back by Java as meant", () => {
    const dir = tempDir('librdkafka');
    const path = join(dir, 'client.properties');
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(
      path,
      `bootstrap.servers=b:9093\nsecurity.protocol=SASL_SSL\nsasl.mechanisms=scram-sha-512\nsasl.username=svc\nsasl.password=p"w\\\\x\nssl.ca.location=${ca}\n`,
    );
    assert.deepEqual(javaReads(javaClientProperties(path)), {
      'bootstrap.servers': 'b:9093',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="svc" password="p\\"w\\\\x";',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'security.protocol': 'SASL_SSL',
      'ssl.truststore.location': ca,
      'ssl.truststore.type': 'PEM',
    });
  });

  it('javaClientProperties: a PEM client certificate and key become an inline PEM keystore, the key as PKCS#8', () => {
    const secure = process.env['HOTSWAP_TEST_SECURE_DIR'];
    assert.ok(secure !== undefined, 'needs the secured test broker (its client certificate)');
    const read = javaReads(javaClientProperties(join(secure, 'mtls.properties')));
    assert.equal(read['ssl.keystore.type'], 'PEM');
    assert.equal(read['ssl.keystore.certificate.chain'], readFileSync(join(secure, 'client.pem'), 'utf8'));
    assert.match(read['ssl.keystore.key'] ?? '', /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    assert.equal(read['security.protocol'], 'SSL');
  });
});
