import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from './support/services';

const SERVICES = ['datagenerator', 'modelgenerator', 'predictor', 'dashboard'] as const;

function runService(service: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(REPO, service, 'dist', 'main.js'), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('service command lines', function () {
  // Each test starts a service, which loads TensorFlow.js: room for a loaded machine.
  this.timeout(60_000);
  for (const service of SERVICES) {
    it(`${service} --help lists its settings and exits 0`, () => {
      const r = runService(service, ['--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /--kafka-brokers, KAFKA_BROKERS/);
      assert.match(r.stdout, /--log-level, LOG_LEVEL/);
    });

    it(`${service} refuses invalid configuration with one line naming it, exit 2`, () => {
      const r = runService(service, [], { KAFKA_BROKERS: 'no-port-here' });
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^${service}: invalid KAFKA_BROKERS="no-port-here": expected host:port`));
    });

    it(`${service} refuses a bad KAFKA_PROPERTIES_FILE before TensorFlow loads: one line, exit 2`, () => {
      const file = join(tempDir('props'), 'client.properties');
      writeFileSync(file, 'security.protocol=SASL_PLAINTEXTX\n');
      const r = runService(service, [], { KAFKA_PROPERTIES_FILE: file });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(
        `${r.stdout}${r.stderr}`.trim(),
        `${service}: invalid security.protocol="SASL_PLAINTEXTX": expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL`,
      );
    });
  }

  it('says the range of a number out of it', () => {
    const r = runService('predictor', [], { HTTP_PORT: '99999' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /invalid HTTP_PORT="99999": expected an integer \(99999 is outside -1\.\.65535\)/);
  });

  it('names the schedule presets when MODEL_SCHEDULE is none of them, and why the value is not a plan', () => {
    const r = runService('modelgenerator', [], { MODEL_SCHEDULE: 'bogus' });
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /invalid MODEL_SCHEDULE="bogus": expected default, quick, mlp, full, none, or plans like .*\(plan "bogus" is not/,
    );
  });

  it('refuses a KAFKAJS_FAST_PATHS that is neither on nor off, naming it', () => {
    const r = runService('predictor', [], { KAFKAJS_FAST_PATHS: 'fast' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /invalid KAFKAJS_FAST_PATHS="fast": expected on or off \(not one of 1, true, yes, on, 0, false, no, off\)/);
  });

  it('names a bad flag value and the flag', () => {
    const r = runService('predictor', ['--batch-size=0']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /invalid BATCH_SIZE="0": expected an integer 1..4096/);
  });
});

describe('docs/configuration.md', () => {
  it('documents every setting each service accepts in its configuration reference', function () {
    // Five services started one after another, each loading TensorFlow.js: room for a loaded machine.
    this.timeout(150_000);
    const reference = readFileSync(join(REPO, 'docs', 'configuration.md'), 'utf8');
    const commands: [string, string[]][] = [...SERVICES.map((s): [string, string[]] => [s, []]), ['datagenerator', ['request']]];
    for (const [service, command] of commands) {
      const help = runService(service, [...command, '--help']).stdout;
      const settings = [...help.matchAll(/^ {2}--[a-z-]+, ([A-Z_]+)$/gm)].map((m) => m[1] as string);
      assert.ok(settings.length > 5, `${service} ${command.join(' ')} --help lists its settings`);
      const missing = settings.filter((s) => !reference.includes(`\`${s}\``));
      assert.deepEqual(missing, [], `${service} ${command.join(' ')} settings missing from docs/configuration.md`);
    }
  });
});
