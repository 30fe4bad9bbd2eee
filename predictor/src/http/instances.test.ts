import assert from 'node:assert/strict';
import { InstancesRefused, parsePredictBody, type FeatureContract } from './instances';

const PIXELS: FeatureContract = { featureShape: [28, 28], pixelFeatures: true };
const FLOATS: FeatureContract = { featureShape: [8], pixelFeatures: false };
const MAX = 16;

/** A 28x28 image whose pixel k is k % 256, flat. */
function flatImage(): number[] {
  return Array.from({ length: 784 }, (_, k) => k % 256);
}

function nested(flat: number[], width = 28): number[][] {
  return Array.from({ length: flat.length / width }, (_, r) => flat.slice(r * width, (r + 1) * width));
}

function refusal(body: unknown, contract: FeatureContract = PIXELS, max = MAX): InstancesRefused {
  try {
    parsePredictBody(body, contract, max);
  } catch (e) {
    assert.ok(e instanceof InstancesRefused, `threw ${String(e)}`);
    return e;
  }
  return assert.fail(`accepted ${JSON.stringify(body).slice(0, 80)}`);
}

describe('predict request bodies (TF Serving row and columnar formats)', () => {
  it('reads a flat list of 784 pixels and divides them by 255, as in training', () => {
    const parsed = parsePredictBody({ instances: [flatImage()] }, PIXELS, MAX);
    assert.equal(parsed.rows, 1);
    assert.equal(parsed.format, 'row');
    assert.equal(parsed.features.length, 784);
    assert.equal(parsed.features[0], 0);
    assert.equal(parsed.features[255], 1);
    assert.equal(parsed.features[300], Math.fround(44 / 255));
  });

  it('reads a 28x28 nested list, and 28x28x1, into the same row as the flat list', () => {
    const flat = flatImage();
    const expected = parsePredictBody({ instances: [flat] }, PIXELS, MAX).features;
    const rows = nested(flat);
    assert.deepEqual(parsePredictBody({ instances: [rows] }, PIXELS, MAX).features, expected);
    const channels = rows.map((row) => row.map((v) => [v]));
    assert.deepEqual(parsePredictBody({ instances: [channels] }, PIXELS, MAX).features, expected);
  });

  it('reads {"b64": ...} of 784 raw pixel bytes into the same row as the numbers', () => {
    const flat = flatImage();
    const b64 = Buffer.from(Uint8Array.from(flat)).toString('base64');
    const parsed = parsePredictBody({ instances: [{ b64 }, flat] }, PIXELS, MAX);
    assert.equal(parsed.rows, 2);
    assert.deepEqual(parsed.features.subarray(0, 784), parsed.features.subarray(784));
  });

  it('reads one named input per instance, and the columnar "inputs" form, answering columnar', () => {
    const flat = flatImage();
    const named = parsePredictBody(
      { instances: [{ image: flat }, { image: { b64: Buffer.from(Uint8Array.from(flat)).toString('base64') } }] },
      PIXELS,
      MAX,
    );
    assert.equal(named.rows, 2);
    const columnar = parsePredictBody({ inputs: [flat, flat, flat] }, PIXELS, MAX);
    assert.equal(columnar.rows, 3);
    assert.equal(columnar.format, 'columnar');
    const namedColumnar = parsePredictBody({ inputs: { image: [flat] }, signature_name: 'serving_default' }, PIXELS, MAX);
    assert.equal(namedColumnar.rows, 1);
    assert.deepEqual(namedColumnar.features, named.features.subarray(0, 784));
  });

  it('keeps raw floats as they are for a dataset that is not pixels, and reads b64 as little-endian float32', () => {
    const values = [-3.5, 0, 0.25, 1e6, -1e-3, 2, 300, 7];
    const b64 = Buffer.from(Float32Array.from(values).buffer).toString('base64');
    const parsed = parsePredictBody({ instances: [values, { b64 }] }, FLOATS, MAX);
    assert.deepEqual(Array.from(parsed.features), [...values, ...values].map(Math.fround));
  });

  it('names the instance and both lengths when an instance has the wrong number of values', () => {
    const short = flatImage().slice(0, 783);
    const e = refusal({ instances: [flatImage(), flatImage(), flatImage(), short] });
    assert.equal(e.status, 400);
    assert.equal(e.message, 'instance 3 has 783 values, the model takes 784 (28x28)');
  });

  it('names the row of a nested instance that has the wrong width, and a wrong row count', () => {
    const rows = nested(flatImage());
    rows[5] = rows[5]!.slice(1);
    assert.equal(refusal({ instances: [rows] }).message, 'instance 0 at [5] has 27 values, the model takes 28 (shape 28x28)');
    assert.equal(
      refusal({ instances: [nested(flatImage()).slice(1)] }).message,
      'instance 0 has 27 rows, the model takes 28 (shape 28x28)',
    );
  });

  it('refuses a value that is not a number, naming where it is', () => {
    const flat: unknown[] = flatImage();
    flat[12] = '7';
    assert.equal(refusal({ instances: [flat] }).message, 'instance 0 value 12 is a string ("7"), not a number');
    const rows: unknown[][] = nested(flatImage());
    rows[2]![3] = null;
    assert.equal(refusal({ instances: [flatImage(), rows] }).message, 'instance 1 at [2][3] is null, not a number');
  });

  it('refuses a pixel outside 0..255', () => {
    const flat = flatImage();
    flat[40] = 256;
    assert.equal(refusal({ instances: [flat] }).message, 'instance 0 value 40 is 256; pixels are 0..255');
    flat[40] = -1;
    assert.equal(refusal({ instances: [flat] }).message, 'instance 0 value 40 is -1; pixels are 0..255');
  });

  it('refuses NaN and infinities (JSON.parse reads 1e999 as Infinity)', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, Number.NaN];
    assert.equal(refusal({ instances: [values] }, FLOATS).message, 'instance 0 value 7 is NaN, not a finite number');
    const parsedBody: unknown = JSON.parse('{"instances": [[1, 2, 3, 4, 5, 6, 7, 1e999]]}');
    assert.equal(refusal(parsedBody, FLOATS).message, 'instance 0 value 7 is Infinity, not a finite number');
    const nanFloats = Buffer.from(Float32Array.from([1, 2, 3, Number.NaN, 5, 6, 7, 8]).buffer).toString('base64');
    assert.equal(refusal({ instances: [{ b64: nanFloats }] }, FLOATS).message, 'instance 0 "b64" float 3 is NaN, not a finite number');
  });

  it('refuses b64 that is not base64 or holds the wrong number of bytes', () => {
    assert.equal(
      refusal({ instances: [{ b64: Buffer.alloc(783).toString('base64') }] }).message,
      'instance 0 "b64" holds 783 bytes, the model takes 784 (28x28 pixels, one byte each)',
    );
    assert.match(refusal({ instances: [{ b64: 'not base64!' }] }).message, /^instance 0 "b64" is not base64/);
    assert.equal(refusal({ instances: [{ b64: 12 }] }).message, 'instance 0 "b64" is a number (12), not a base64 string');
  });

  it('refuses an empty list of instances, and a body without instances', () => {
    assert.equal(refusal({ instances: [] }).message, '"instances" is empty; send at least one instance');
    assert.equal(refusal({}).message, 'the body has no "instances" (or "inputs")');
    assert.equal(refusal([flatImage()]).message, 'the body is a list, not an object with "instances" (or "inputs")');
    assert.equal(refusal({ instances: 'x' }).message, '"instances" is a string ("x"), not a list of instances');
    assert.match(refusal({ instance: [] }).message, /^unknown field "instance"/);
    assert.match(refusal({ instances: [], inputs: [] }).message, /both "instances" and "inputs"/);
    assert.match(refusal({ instances: [flatImage()], signature_name: 'classify' }).message, /signature_name "classify" is unknown/);
  });

  it('refuses more instances than the limit with 413, before reading any of them', () => {
    const e = refusal({ instances: Array.from({ length: MAX + 1 }, () => 'not even an instance') });
    assert.equal(e.status, 413);
    assert.equal(e.message, '17 instances in one request; at most 16 are accepted (HTTP_MAX_INSTANCES)');
    assert.equal(parsePredictBody({ instances: Array.from({ length: MAX }, flatImage) }, PIXELS, MAX).rows, MAX);
  });

  it('refuses instances nested deeper than the shape, or objects of several inputs', () => {
    const deep = nested(flatImage()).map((row) => row.map((v) => [[v]]));
    assert.equal(refusal({ instances: [deep] }).message, 'instance 0 is nested 4 deep; send 784 numbers or a 28x28 nested list');
    assert.match(refusal({ instances: [{ a: [], b: [] }] }).message, /^instance 0 is an object with keys a, b/);
    assert.match(refusal({ instances: [7] }).message, /^instance 0 is a number \(7\); send 784 numbers/);
  });
});
