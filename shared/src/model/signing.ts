import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { modelCodec, type ModelRecord } from '../schemas/records';
import { ModelRejected } from './checks';

/** A key's id: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
export function keyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * What a signature covers: the SHA-256 of the record's Avro encoding with the signature left
 * empty. Every field is covered, the signing key's id included, so none can be swapped.
 */
export function modelDigest(record: ModelRecord): Buffer {
  return createHash('sha256')
    .update(modelCodec.encode({ ...record, signature: null }))
    .digest();
}

export function signModel(record: ModelRecord, privateKey: KeyObject): ModelRecord {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError(`signing key is ${privateKey.asymmetricKeyType}, not ed25519`);
  const unsigned = { ...record, signingKeyId: keyId(privateKey), signature: null };
  return { ...unsigned, signature: sign(null, modelDigest(unsigned), privateKey) };
}

/** Throws ModelRejected unless the record is signed by one of the trusted keys (by id). */
export function verifyModelSignature(record: ModelRecord, trusted: ReadonlyMap<string, KeyObject>): void {
  const reject = (reason: 'unsigned' | 'untrusted-key' | 'bad-signature', detail: string): never => {
    throw new ModelRejected(reason, record.name, record.version, detail);
  };
  if (record.signature === null || record.signingKeyId === null) reject('unsigned', 'no signature, and trusted keys are configured');
  const key = trusted.get(record.signingKeyId as string);
  if (key === undefined) reject('untrusted-key', `signed by key ${record.signingKeyId}, which is not among the ${trusted.size} trusted`);
  if (!verify(null, modelDigest(record), key as KeyObject, record.signature as Buffer)) {
    reject('bad-signature', `signature does not match the content for key ${record.signingKeyId}`);
  }
}

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
  id: string;
}

export function generateSigningKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    id: keyId(publicKey),
  };
}

function ed25519FromPem(pem: string, where: string, half: 'private' | 'public'): KeyObject {
  let key: KeyObject;
  try {
    key = half === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (e) {
    throw new Error(`${where}: not a PEM ${half} key (${(e as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${where}: key type ${key.asymmetricKeyType}, expected ed25519`);
  return key;
}

export const privateKeyFromPem = (pem: string, where: string): KeyObject => ed25519FromPem(pem, where, 'private');
export const publicKeyFromPem = (pem: string, where: string): KeyObject => ed25519FromPem(pem, where, 'public');
