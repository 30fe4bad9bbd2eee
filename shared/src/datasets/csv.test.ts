import assert from 'node:assert/strict';
import { CsvError, parseLabelledCsv, type DatasetContract } from './csv';
import { datasetContract } from './index';

// 2×2 images of 3 classes: small enough to write rows by hand.
const tiny: DatasetContract = { name: 'fashion-mnist', classNames: ['a', 'b', 'c'], featureShape: [2, 2], dtype: 'UINT8' };
const csv = (text: string) => Buffer.from(text);

describe('labelled CSV (Kaggle Fashion-MNIST/MNIST form)', () => {
  it('reads rows after a header line into typed arrays of the contract', () => {
    const ds = parseLabelledCsv(csv('label,pixel1,pixel2,pixel3,pixel4\n2,0,1,2,255\n0,10,20,30,40\n'), tiny);
    assert.equal(ds.size, 2);
    assert.ok(ds.features instanceof Uint8Array);
    assert.deepEqual(Array.from(ds.labels), [2, 0]);
    assert.deepEqual(Array.from(ds.features), [0, 1, 2, 255, 10, 20, 30, 40]);
    assert.deepEqual(ds.featureShape, [2, 2]);
    assert.equal(ds.name, 'fashion-mnist');
  });

  it('reads rows without a header, with CRLF line ends, a byte order mark and no final newline', () => {
    const ds = parseLabelledCsv(csv('\ufeff1,1,2,3,4\r\n\r\n2, 5 ,6,7,8'), tiny);
    assert.equal(ds.size, 2);
    assert.deepEqual(Array.from(ds.labels), [1, 2]);
    assert.deepEqual(Array.from(ds.features), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('names the row of a label that is not a class index, counting the header as row 1', () => {
    const bad = (line: string) => () => parseLabelledCsv(csv(`label,p1,p2,p3,p4\n0,0,0,0,0\n${line}\n`), tiny);
    assert.throws(bad('3,0,0,0,0'), { name: 'CsvError', message: 'row 3: label 3 is not a class index below 3' });
    assert.throws(bad('x,0,0,0,0'), { message: 'row 3: label "x" is not a class index below 3' });
    assert.throws(bad('-1,0,0,0,0'), { message: 'row 3: label "-1" is not a class index below 3' });
    assert.throws(bad('1.0,0,0,0,0'), { message: 'row 3: label "1.0" is not a class index below 3' });
    assert.throws(bad(',0,0,0,0'), { message: 'row 3: label is empty, expected a class index below 3' });
  });

  it('names the row and its column count when a row has too few or too many columns', () => {
    assert.throws(() => parseLabelledCsv(csv('0,1,2,3,4\n1,1,2,3\n'), tiny), {
      message: 'row 2: 4 columns, expected 5 (a label and 4 pixels)',
    });
    assert.throws(() => parseLabelledCsv(csv('0,1,2,3,4,5\n'), tiny), { message: 'row 1: 6 columns, expected 5 (a label and 4 pixels)' });
    assert.throws(() => parseLabelledCsv(csv('label,pixel1\n0,1,2,3,4\n'), tiny), {
      message: 'row 1: 2 columns, expected 5 (a label and 4 pixels)',
    });
  });

  it('names the row and pixel of a value that is not an integer 0..255', () => {
    const bad = (line: string) => () => parseLabelledCsv(csv(`0,0,0,0,0\n${line}\n`), tiny);
    assert.throws(bad('1,0,3.5,0,0'), { message: 'row 2: pixel 2 is "3.5", expected an integer 0..255' });
    assert.throws(bad('1,0,0,0,256'), { message: 'row 2: pixel 4 is "256", expected an integer 0..255' });
    assert.throws(bad('1,-4,0,0,0'), { message: 'row 2: pixel 1 is "-4", expected an integer 0..255' });
    assert.throws(bad('1,0,0,,0'), { message: 'row 2: pixel 3 is empty, expected an integer 0..255' });
    assert.throws(bad('1,0,0,0,abc'), { message: 'row 2: pixel 4 is "abc", expected an integer 0..255' });
  });

  it('refuses a file without samples: empty, blank lines only, or a header alone', () => {
    for (const text of ['', '\n\n', 'label,p1,p2,p3,p4\n']) {
      assert.throws(
        () => parseLabelledCsv(csv(text), tiny),
        (e: unknown) => {
          assert.ok(e instanceof CsvError);
          assert.equal(e.row, null);
          assert.equal(e.message, 'no samples: expected lines of 5 comma-separated values (a label and 4 pixels)');
          return true;
        },
      );
    }
  });

  it('reads finite numbers as float features for a tabular dataset, and refuses others', () => {
    const synthetic = datasetContract('synthetic');
    const ds = parseLabelledCsv(csv('1,0.5,-1.25,3e-2,0,0,0,0,7\n'), synthetic);
    assert.ok(ds.features instanceof Float32Array);
    assert.deepEqual(Array.from(ds.features), [0.5, -1.25, Math.fround(0.03), 0, 0, 0, 0, 7]);
    assert.throws(() => parseLabelledCsv(csv('1,NaN,0,0,0,0,0,0,0\n'), synthetic), {
      message: 'row 1: feature 1 is "NaN", expected a finite number',
    });
    assert.throws(() => parseLabelledCsv(csv('2,0,0,0,0,0,0,0,0\n'), synthetic), {
      message: 'row 1: label 2 is not a class index below 2',
    });
  });

  it("reads Kaggle's Fashion-MNIST header and 784-pixel rows", () => {
    const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`)].join(',');
    const row = (label: number, value: number) => [label, ...new Array<number>(784).fill(value)].join(',');
    const ds = parseLabelledCsv(csv(`${header}\n${row(9, 7)}\n${row(0, 255)}\n`), datasetContract('fashion-mnist'));
    assert.equal(ds.size, 2);
    assert.equal(ds.features.length, 2 * 784);
    assert.equal(ds.features[783], 7);
    assert.equal(ds.features[784], 255);
    assert.equal(ds.classNames[ds.labels[0] as number], 'Ankle boot');
  });
});
