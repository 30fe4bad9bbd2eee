import assert from 'node:assert/strict';
import { decodeControl, encodeControl, isDecision, modelRole, type ModelControl } from './control';

const evidence = {
  champion: 1,
  challenger: 2,
  pairs: 200,
  bothRight: 120,
  bothWrong: 10,
  challengerOnly: 60,
  championOnly: 10,
  pValue: 1e-9,
  threshold: 0.001,
};

function bytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

describe('control records: decisions on candidates', () => {
  it('round-trips a promotion with its evidence', () => {
    const control: ModelControl = {
      id: 'd1',
      model: 'm',
      action: 'promote',
      version: 2,
      requestedAt: 5,
      requestedBy: 'modelgenerator',
      reason: 'challenger-better',
      evidence,
    };
    assert.deepEqual(decodeControl(encodeControl(control)), control);
  });

  it('refuses a decision without evidence, or with a count that is not one, naming the field', () => {
    const base = { id: 'd1', model: 'm', action: 'reject', version: 2 };
    assert.throws(() => decodeControl(bytes(base)), /control record evidence undefined is not an object/);
    assert.throws(() => decodeControl(bytes({ ...base, evidence: { ...evidence, pairs: -1 } })), /evidence.pairs -1 is not a count/);
    assert.throws(
      () => decodeControl(bytes({ ...base, evidence: { ...evidence, threshold: 2 } })),
      /evidence.threshold 2 is not a probability/,
    );
  });

  it('reads a pin as before, with no evidence, and tells decisions from instructions', () => {
    const pin = decodeControl(bytes({ id: 'p', model: 'm', action: 'pin', version: 1 }));
    assert.equal(pin.evidence, null);
    assert.equal(isDecision(pin.action), false);
    assert.equal(isDecision('reject'), true);
  });

  it('takes a model record for a candidate only when its header says so', () => {
    assert.equal(modelRole({ 'model-role': 'candidate' }), 'candidate');
    assert.equal(modelRole({}), 'release');
    assert.equal(modelRole(undefined), 'release');
  });
});
