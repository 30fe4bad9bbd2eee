#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Runs after `npm install` / `npm ci` in this repository: tries to build native TensorFlow for
 * @tensorflow/tfjs-node from registry artifacts (scripts/tfjs-native.sh). It never fails the
 * install: without native TensorFlow the services run on WebAssembly or pure JavaScript.
 * HOTSWAP_SKIP_NATIVE=1 skips it (e.g. in image builds that bring their own).
 */
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const repo = join(__dirname, '..');
if (process.env.HOTSWAP_SKIP_NATIVE === '1') {
  console.error('hotswap: HOTSWAP_SKIP_NATIVE=1, not building native TensorFlow');
  process.exit(0);
}
if (!existsSync(join(repo, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'))) process.exit(0);
const result = spawnSync('bash', [join(__dirname, 'tfjs-native.sh'), repo], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error(
    'hotswap: native TensorFlow was not built (see above); the services will use the WebAssembly or ' +
      'pure-JS backend. Retry with `npm run tfjs:native`.',
  );
}
process.exit(0);
