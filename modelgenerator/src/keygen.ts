#!/usr/bin/env node
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { generateSigningKeyPair } from '@hotswap/shared';

/**
 * `keygen <path>`: makes an Ed25519 key pair for signing models: <path>.key (private, PKCS#8
 * PEM, mode 600) for the modelgenerator's MODEL_SIGNING_KEY, <path>.pub (SPKI PEM) for the
 * predictor's TRUSTED_KEYS. Never overwrites a key.
 */
const USAGE = 'usage: keygen <path>   writes <path>.key (private) and <path>.pub (public)';
const [target, ...rest] = process.argv.slice(2);
if (target === '--help' || target === '-h') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (target === undefined || rest.length > 0) {
  process.stderr.write(`keygen: ${USAGE}\n`);
  process.exit(2);
}
const base = resolve(target);
for (const file of [`${base}.key`, `${base}.pub`]) {
  if (existsSync(file)) {
    process.stderr.write(`keygen: ${file} exists; not overwriting a key\n`);
    process.exit(2);
  }
}
const pair = generateSigningKeyPair();
mkdirSync(dirname(base), { recursive: true });
writeFileSync(`${base}.key`, pair.privateKeyPem, { mode: 0o600 });
writeFileSync(`${base}.pub`, pair.publicKeyPem);
process.stdout.write(
  `key ${pair.id}\n  private: ${base}.key (MODEL_SIGNING_KEY of the modelgenerator)\n  public:  ${base}.pub (TRUSTED_KEYS of the predictor)\n`,
);
