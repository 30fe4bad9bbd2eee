import assert from 'node:assert/strict';
import { parseControl, parsePrediction } from './records';

const prediction = {
  sampleId: 'run:test:1',
  dataset: 'fashion-mnist',
  model: { name: 'fashion-mnist', version: 2 },
  predicted: 3,
  predictedClass: 'Dress',
  confidence: 0.9,
  label: 4,
  correct: false,
  accuracy: 0.5,
  count: 2,
  predictions: 2,
  modelAccuracy: 0.5,
  sampleCreatedAt: 1,
  predictedAt: 1_700_000_000_000,
  source: { topic: 'queueing.data', partition: 0, offset: '1' },
  predictor: 'host-1',
};
const bytes = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('reading records for the page', () => {
  it('reads a prediction record, and one with fields it does not know (a challenger)', () => {
    const p = parsePrediction(bytes({ ...prediction, challenger: { version: 3, predicted: 4 } }));
    assert.deepEqual(p, {
      sampleId: 'run:test:1',
      model: { name: 'fashion-mnist', version: 2 },
      predicted: 3,
      predictedClass: 'Dress',
      confidence: 0.9,
      label: 4,
      correct: false,
      predictedAt: 1_700_000_000_000,
      predictor: 'host-1',
    });
  });

  it('takes an unlabelled prediction as neither right nor wrong', () => {
    assert.equal(parsePrediction(bytes({ ...prediction, label: null, correct: null })).correct, null);
  });

  it('refuses a prediction without a model version or a time, naming the field', () => {
    assert.throws(() => parsePrediction(bytes({ ...prediction, model: { name: 'x' } })), /model/);
    assert.throws(() => parsePrediction(bytes({ ...prediction, predictedAt: 'soon' })), /predictedAt/);
    assert.throws(() => parsePrediction(Buffer.from('{not json')), /not JSON/);
    assert.throws(() => parsePrediction(bytes([1])), /not an object/);
  });

  it('reads control records whatever their action, also ones added later', () => {
    const pin = parseControl(
      bytes({ id: '1', model: 'm', action: 'pin', version: 2, requestedAt: 5, requestedBy: 'ops', reason: 'bad v3' }),
    );
    assert.deepEqual(pin, { model: 'm', action: 'pin', version: 2, requestedAt: 5, requestedBy: 'ops', reason: 'bad v3' });
    const reject = parseControl(bytes({ model: 'm', action: 'reject', version: 4, extra: true }));
    assert.equal(reject.action, 'reject');
    assert.equal(reject.version, 4);
    assert.equal(parseControl(bytes({ model: 'm', action: 'unpin', version: null })).version, null);
    assert.throws(() => parseControl(bytes({ model: 'm' })), /action/);
  });
});
