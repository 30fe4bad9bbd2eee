import type { KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, keyId, publicKeyFromPem } from '@hotswap/shared';

/** Reads TRUSTED_KEYS: PEM public key files, or folders whose *.pub files are taken. */
export function readTrustedKeys(paths: readonly string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const path of paths) {
    let files: string[];
    try {
      files = statSync(path).isDirectory()
        ? readdirSync(path)
            .filter((f) => f.endsWith('.pub'))
            .map((f) => join(path, f))
        : [path];
    } catch (e) {
      throw new ConfigError('TRUSTED_KEYS', path, `readable key files or folders (${(e as Error).message})`);
    }
    if (files.length === 0) throw new ConfigError('TRUSTED_KEYS', path, 'a folder holding at least one *.pub key');
    for (const file of files) {
      try {
        const key = publicKeyFromPem(readFileSync(file, 'utf8'), file);
        keys.set(keyId(key), key);
      } catch (e) {
        throw new ConfigError('TRUSTED_KEYS', file, `an Ed25519 public key in PEM (${(e as Error).message})`);
      }
    }
  }
  return keys;
}
