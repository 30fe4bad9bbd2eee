#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm run test:one -- <file>... [mocha options]`: runs only the named test files, with the
 * settings of .mocharc.json (global Kafka set-up, timeout, reporter) but not its spec list, which
 * mocha would otherwise add to the files named. A source path (test/x.test.ts,
 * predictor/src/x.test.ts) runs its built file (test/dist/x.test.js, predictor/dist/x.test.js).
 * Files under test/ get the global set-up (a local broker); the packages' own tests run without one.
 * `npm run test:one` builds first.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const REPO = join(__dirname, '..');

/** The built test file for a path given as source or as built file. */
function builtFile(/** @type {string} */ given) {
  const path = relative(REPO, resolve(given));
  const built = path
    .replace(/^test\/(?!dist\/)/, 'test/dist/')
    .replace(/^(shared|datagenerator|modelgenerator|predictor|dashboard)\/src\//, '$1/dist/')
    .replace(/\.ts$/, '.js');
  if (!existsSync(join(REPO, built))) {
    process.stderr.write(`test:one: no built test file ${built} for ${given} (a *.test.ts under test/ or <package>/src/)\n`);
    process.exit(2);
  }
  return built;
}

const args = process.argv.slice(2);
const files = args.filter((a) => /\.test\.[jt]s$/.test(a));
const mochaOptions = args.filter((a) => !files.includes(a));
if (files.length === 0) {
  process.stderr.write('usage: npm run test:one -- <file.test.ts>... [mocha options, e.g. --grep "title"]\n');
  process.exit(2);
}
const rc = /** @type {Record<string, unknown>} */ (JSON.parse(readFileSync(join(REPO, '.mocharc.json'), 'utf8')));
const built = files.map(builtFile);
// The global set-up starts a broker; the packages' own tests (no file under test/) do without it.
const needsBroker = built.some((f) => f.startsWith('test/'));
const settings = [
  ...(needsBroker ? /** @type {string[]} */ (rc['require'] ?? []) : []).flatMap((r) => ['--require', r]),
  ...(rc['timeout'] === undefined ? [] : ['--timeout', String(rc['timeout'])]),
  ...(rc['reporter'] === undefined ? [] : ['--reporter', String(rc['reporter'])]),
  ...(rc['exit'] === true ? ['--exit'] : []),
];
const mocha = require.resolve('mocha/bin/mocha.js');
const run = spawnSync(process.execPath, [mocha, '--no-config', ...settings, ...mochaOptions, ...built], {
  cwd: REPO,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
