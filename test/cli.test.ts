import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './support/services';

const SERVICES = ['datagenerator', 'modelgenerator', 'predictor'] as const;

function runService(service: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(REPO, service, 'dist', 'main.js'), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('service command lines', () => {
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
  }

  it('names a bad flag value and the flag', () => {
    const r = runService('predictor', ['--batch-size=0']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /invalid BATCH_SIZE="0": expected an integer 1..4096/);
  });
});

describe('README', () => {
  it('documents every setting each service accepts', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const commands: [string, string[]][] = [...SERVICES.map((s): [string, string[]] => [s, []]), ['datagenerator', ['request']]];
    for (const [service, command] of commands) {
      const help = runService(service, [...command, '--help']).stdout;
      const settings = [...help.matchAll(/^ {2}--[a-z-]+, ([A-Z_]+)$/gm)].map((m) => m[1] as string);
      assert.ok(settings.length > 5, `${service} ${command.join(' ')} --help lists its settings`);
      const missing = settings.filter((s) => !readme.includes(`\`${s}\``));
      assert.deepEqual(missing, [], `${service} ${command.join(' ')} settings missing from the README`);
    }
  });
});
