import { featureLength, type Dataset } from './dataset';

/** What rows must fit to train a model for a dataset: its name, classes, sample shape and feature type. */
export type DatasetContract = Pick<Dataset, 'name' | 'classNames' | 'featureShape' | 'dtype'>;

/** A CSV that is not labelled samples of the dataset; `row` is the file's line number (from 1), or null for the whole file. */
export class CsvError extends Error {
  constructor(
    readonly row: number | null,
    detail: string,
  ) {
    super(row === null ? detail : `row ${row}: ${detail}`);
    this.name = 'CsvError';
  }
}

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Parses labelled samples in the CSV form Kaggle's Fashion-MNIST and MNIST files use: one sample
 * per line, `label,pixel1,...,pixel784`, with an optional header line (one whose first field is
 * not a number). Image pixels must be integers 0..255; tabular (FLOAT32) features any finite
 * number. Rows are numbered as the file's lines, header included, so an editor finds them.
 */
export function parseLabelledCsv(bytes: Uint8Array, contract: DatasetContract): Dataset {
  const length = featureLength(contract.featureShape);
  const classes = contract.classNames.length;
  const images = contract.dtype === 'UINT8';
  const featureWord = images ? 'pixel' : 'feature';
  const columns = length + 1;
  const shapeHint = `a label and ${length} ${featureWord}s`;

  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // a UTF-8 byte order mark
  let lines = 1;
  for (let i = start; i < bytes.length; i++) if (bytes[i] === NEWLINE) lines++;
  const features = images ? new Uint8Array(lines * length) : new Float32Array(lines * length);
  const labels = new Uint8Array(lines);

  let rows = 0;
  let row = 0;
  let sawContent = false;
  while (start <= bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end === -1) end = bytes.length;
    const next = end + 1;
    if (end > start && bytes[end - 1] === RETURN) end--;
    row++;
    const [from, to] = trim(bytes, start, end);
    start = next;
    if (from === to) continue;

    let commas = 0;
    for (let i = from; i < to; i++) if (bytes[i] === COMMA) commas++;
    if (commas + 1 !== columns) {
      throw new CsvError(row, `${commas + 1} columns, expected ${columns} (${shapeHint})`);
    }
    let fieldEnd = bytes.indexOf(COMMA, from);
    if (!sawContent) {
      sawContent = true;
      if (!looksNumeric(bytes, from, fieldEnd)) continue; // the header line
    }

    const label = parseUnsigned(bytes, from, fieldEnd);
    if (label < 0 || label >= classes) {
      const shown = label === BAD ? shownField(bytes, from, fieldEnd) : String(label);
      throw new CsvError(
        row,
        shown === 'empty'
          ? `label is empty, expected a class index below ${classes}`
          : `label ${shown} is not a class index below ${classes}`,
      );
    }
    labels[rows] = label;
    const base = rows * length;
    for (let f = 0; f < length; f++) {
      const fieldStart = fieldEnd + 1;
      fieldEnd = f === length - 1 ? to : bytes.indexOf(COMMA, fieldStart);
      if (images) {
        const value = parseUnsigned(bytes, fieldStart, fieldEnd);
        if (value < 0 || value > 255) {
          throw new CsvError(row, `${featureWord} ${f + 1} is ${shownField(bytes, fieldStart, fieldEnd)}, expected an integer 0..255`);
        }
        features[base + f] = value;
      } else {
        const raw = decode(bytes, fieldStart, fieldEnd).trim();
        const value = raw === '' ? Number.NaN : Number(raw);
        if (!Number.isFinite(value)) {
          throw new CsvError(row, `${featureWord} ${f + 1} is ${shownField(bytes, fieldStart, fieldEnd)}, expected a finite number`);
        }
        features[base + f] = value;
      }
    }
    rows++;
  }
  if (rows === 0) throw new CsvError(null, `no samples: expected lines of ${columns} comma-separated values (${shapeHint})`);
  return {
    name: contract.name,
    classNames: contract.classNames,
    featureShape: contract.featureShape,
    dtype: contract.dtype,
    size: rows,
    features: features.subarray(0, rows * length),
    labels: labels.subarray(0, rows),
  };
}

/** Returned by parseUnsigned for a field that is not a plain unsigned integer. */
const BAD = -1;

/** The unsigned integer in bytes[from, to), spaces around it allowed; BAD otherwise (or when absurdly long). */
function parseUnsigned(bytes: Uint8Array, from: number, to: number): number {
  const [a, b] = trim(bytes, from, to);
  if (a === b || b - a > 9) return BAD;
  let value = 0;
  for (let i = a; i < b; i++) {
    const c = bytes[i] as number;
    if (c < 0x30 || c > 0x39) return BAD;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/** Whether a field starts like a number, which a header's first field (e.g. `label`) does not. */
function looksNumeric(bytes: Uint8Array, from: number, to: number): boolean {
  const [a, b] = trim(bytes, from, to);
  const c = bytes[a];
  return a < b && c !== undefined && ((c >= 0x30 && c <= 0x39) || c === 0x2d /* - */ || c === 0x2b /* + */ || c === 0x2e); /* . */
}

function trim(bytes: Uint8Array, from: number, to: number): [number, number] {
  while (from < to && (bytes[from] === SPACE || bytes[from] === TAB)) from++;
  while (to > from && (bytes[to - 1] === SPACE || bytes[to - 1] === TAB)) to--;
  return [from, to];
}

function decode(bytes: Uint8Array, from: number, to: number): string {
  return new TextDecoder().decode(bytes.subarray(from, to));
}

/** A field as an error message quotes it: shortened, so a runaway line does not flood the message. */
function shownField(bytes: Uint8Array, from: number, to: number): string {
  const [a, b] = trim(bytes, from, to);
  if (a === b) return 'empty';
  return JSON.stringify(b - a > 40 ? `${decode(bytes, a, a + 40)}...` : decode(bytes, a, b));
}
