import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { modelCodec, type ModelRecord } from '../schemas/records';
import { ModelRejected } from './checks';
import { generateSigningKeyPair, keyId, signModel, verifyModelSignature } from './signing';

const record: ModelRecord = {
  name: 'm',
  version: 3,
  createdAt: 1,
  dataset: 'mnist',
  architecture: 'mlp(4)',
  inputShape: [784],
  classNames: ['a', 'b'],
  topology: '{"class_name":"Sequential","config":{}}',
  weightSpecs: '[]',
  weights: Buffer.from([1, 2, 3, 4]),
  weightsSha256: 'x',
  backend: 'cpu',
  metrics: { accuracy: 0.5, loss: 1, testSamples: 1, trainSamples: 1, epochs: 1, trainSeconds: 0 },
  signingKeyId: null,
  signature: null,
};

function pair() {
  const p = generateSigningKeyPair();
  return { privateKey: createPrivateKey(p.privateKeyPem), publicKey: createPublicKey(p.publicKeyPem), id: p.id };
}

function reason(r: ModelRecord, trusted: Map<string, ReturnType<typeof createPublicKey>>): string {
  try {
    verifyModelSignature(r, trusted);
    return 'accepted';
  } catch (e) {
    if (e instanceof ModelRejected) return e.reason;
    throw e;
  }
}

describe('model signatures (Ed25519)', () => {
  const ours = pair();
  const theirs = pair();
  const trusted = new Map([[ours.id, ours.publicKey]]);

  it('accepts a record signed by a trusted key, also after travelling as Avro', () => {
    const signed = signModel(record, ours.privateKey);
    assert.equal(signed.signingKeyId, ours.id);
    assert.equal(signed.signature?.length, 64);
    assert.equal(reason(signed, trusted), 'accepted');
    assert.equal(reason(modelCodec.decode(modelCodec.encode(signed), modelCodec.headers()), trusted), 'accepted');
  });

  it('rejects unsigned, untrusted, forged and tampered records', () => {
    assert.equal(reason(record, trusted), 'unsigned');
    assert.equal(reason(signModel(record, theirs.privateKey), trusted), 'untrusted-key');
    // A forger claims our key id but can only sign with theirs.
    const forged = { ...signModel({ ...record }, theirs.privateKey), signingKeyId: ours.id };
    assert.equal(reason(forged, trusted), 'bad-signature');
    const signed = signModel(record, ours.privateKey);
    assert.equal(reason({ ...signed, version: 4 }, trusted), 'bad-signature');
    assert.equal(reason({ ...signed, weights: Buffer.from([1, 2, 3, 5]) }, trusted), 'bad-signature');
  });

  it('names keys by their public half', () => {
    assert.equal(keyId(ours.privateKey), keyId(ours.publicKey));
    assert.notEqual(ours.id, theirs.id);
    assert.match(ours.id, /^[0-9a-f]{16}$/);
  });
});
