import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, HelpRequested, parsers, readConfig, setting } from './config';
import { kafkaSpec, readKafkaProperties } from './kafka/connection';

const spec = {
  ...kafkaSpec,
  rate: setting('RATE', 'samples per second', 'a number >= 0', parsers.number(0), 50),
  topic: setting('DATA_TOPIC', 'topic', 'a topic name', parsers.topic, 'queueing.data'),
  mode: setting('MODE', 'mode', 'a | b', parsers.oneOf('a', 'b'), 'a' as const),
};

describe('config', () => {
  it('uses defaults when nothing is given', () => {
    const cfg = readConfig('svc', 'summary', spec, [], {});
    assert.deepEqual(cfg.brokers, ['127.0.0.1:9092']);
    assert.equal(cfg.rate, 50);
    assert.equal(cfg.topic, 'queueing.data');
  });

  it('takes env vars, and flags over env vars', () => {
    const cfg = readConfig('svc', 's', spec, ['--rate', '7', '--data-topic=t2'], { RATE: '3', KAFKA_BROKERS: 'a:1,b:2' });
    assert.equal(cfg.rate, 7);
    assert.equal(cfg.topic, 't2');
    assert.deepEqual(cfg.brokers, ['a:1', 'b:2']);
  });

  it('names the setting and the value of an invalid setting', () => {
    assert.throws(
      () => readConfig('svc', 's', spec, [], { KAFKA_BROKERS: 'nohostport' }),
      (e: unknown) => e instanceof ConfigError && e.setting === 'KAFKA_BROKERS' && e.message.includes('"nohostport"'),
    );
    assert.throws(() => readConfig('svc', 's', spec, ['--rate=-1'], {}), /RATE="-1"/);
    assert.throws(() => readConfig('svc', 's', spec, [], { MODE: 'c' }), /MODE="c": expected a \| b/);
    assert.throws(() => readConfig('svc', 's', spec, [], { DATA_TOPIC: 'bad topic' }), /DATA_TOPIC/);
  });

  it('rejects unknown flags', () => {
    assert.throws(() => readConfig('svc', 's', spec, ['--nope=1'], {}), /flag="--nope"/);
  });

  it('answers --help with every setting, its env var and default', () => {
    try {
      readConfig('svc', 'does things', spec, ['--help'], {});
      assert.fail('expected HelpRequested');
    } catch (e) {
      assert.ok(e instanceof HelpRequested);
      assert.match(e.text, /--kafka-brokers, KAFKA_BROKERS/);
      assert.match(e.text, /--rate, RATE\n.*default 50/);
    }
  });

  it('reads a Java-style client properties file with SASL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotswap-config-'));
    const file = join(dir, 'client.properties');
    writeFileSync(
      file,
      [
        '# comment',
        'bootstrap.servers=k1:9093,k2:9093',
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";',
      ].join('\n'),
    );
    assert.deepEqual(readKafkaProperties(file), {
      brokers: ['k1:9093', 'k2:9093'],
      ssl: {},
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
    writeFileSync(file, 'security.protocol=BOGUS\n');
    assert.throws(() => readKafkaProperties(file), /security.protocol="BOGUS"/);
  });
});
