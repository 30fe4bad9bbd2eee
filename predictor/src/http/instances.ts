/**
 * Reads the body of a predict request, shaped like TensorFlow Serving's REST API, into one array of
 * normalized feature rows for the serving model. Pure: the body comes in already JSON-parsed.
 */

/** What an instance must look like: the model's per-sample shape, and whether features are pixels. */
export interface FeatureContract {
  featureShape: readonly number[];
  /** Pixels are 0..255 and divided by 255, as in training; other features are raw finite floats. */
  pixelFeatures: boolean;
}

/** A predict body that cannot be used, with the HTTP status that says why (413: too many instances). */
export class InstancesRefused extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'InstancesRefused';
  }
}

export interface ParsedInstances {
  /** `rows` rows of featureLength normalized floats, row-major. */
  features: Float32Array;
  rows: number;
  /** TF Serving answers "instances" (row format) with "predictions", "inputs" (columnar) with "outputs". */
  format: 'row' | 'columnar';
}

const BODY_FIELDS = ['instances', 'inputs', 'signature_name'];
const SIGNATURE = 'serving_default';
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)})`;
  return `a ${typeof value} (${String(value)})`;
}

/**
 * Parses `{"instances": [...]}` (or `{"inputs": [...]}`, or `{"inputs": {"<name>": [...]}}`) into
 * normalized rows. Each instance is a flat list of featureLength numbers, a nested list of the
 * feature shape (optionally with a trailing 1 for the channel), `{"b64": "..."}` of the raw
 * feature bytes, or an object with one named input holding one of those. Throws InstancesRefused
 * naming the instance and what is wrong with it.
 */
export function parsePredictBody(body: unknown, contract: FeatureContract, maxInstances: number): ParsedInstances {
  const refuse = (message: string): never => {
    throw new InstancesRefused(400, message);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refuse(`the body is ${kindOf(body)}, not an object with "instances" (or "inputs")`);
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !BODY_FIELDS.includes(k));
  if (unknown !== undefined) {
    refuse(`unknown field ${JSON.stringify(unknown)}; a predict body has "instances" (or "inputs") and optionally "signature_name"`);
  }
  const signature = fields['signature_name'];
  if (signature !== undefined && signature !== SIGNATURE) {
    refuse(`signature_name ${JSON.stringify(signature)} is unknown; the model has "${SIGNATURE}" only`);
  }
  const hasInstances = 'instances' in fields;
  const hasInputs = 'inputs' in fields;
  if (hasInstances && hasInputs) refuse('the body has both "instances" and "inputs"; send one of them');
  if (!hasInstances && !hasInputs) refuse('the body has no "instances" (or "inputs")');

  let list: unknown;
  const field = hasInstances ? 'instances' : 'inputs';
  if (hasInstances) {
    list = fields['instances'];
  } else {
    list = fields['inputs'];
    // Columnar with named inputs: the model has one input, so exactly one name.
    if (typeof list === 'object' && list !== null && !Array.isArray(list)) {
      const names = Object.keys(list);
      if (names.length !== 1) refuse(`"inputs" names ${names.length} inputs (${names.join(', ')}); the model takes one`);
      list = (list as Record<string, unknown>)[names[0] as string];
    }
  }
  if (!Array.isArray(list)) return refuse(`"${field}" is ${kindOf(list)}, not a list of instances`);
  if (list.length === 0) refuse(`"${field}" is empty; send at least one instance`);
  if (list.length > maxInstances) {
    throw new InstancesRefused(413, `${list.length} instances in one request; at most ${maxInstances} are accepted (HTTP_MAX_INSTANCES)`);
  }

  const length = contract.featureShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(list.length * length);
  const reader = new InstanceReader(contract, length);
  list.forEach((instance: unknown, index) => reader.read(instance, index, features.subarray(index * length, (index + 1) * length)));
  return { features, rows: list.length, format: hasInstances ? 'row' : 'columnar' };
}

/** Writes one instance, in any accepted form, into its row; throws InstancesRefused naming what is wrong. */
class InstanceReader {
  private readonly shapeText: string;

  constructor(
    private readonly contract: FeatureContract,
    private readonly length: number,
  ) {
    this.shapeText = contract.featureShape.join('x');
  }

  read(instance: unknown, index: number, row: Float32Array): void {
    let value = instance;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !('b64' in value)) {
      // One named input ({"image": [...]}), as TF Serving's row format allows.
      const names = Object.keys(value);
      if (names.length !== 1) {
        this.refuse(
          index,
          `is an object with ${names.length === 0 ? 'no keys' : `keys ${names.join(', ')}`}; send ${this.length} numbers, a ${this.shapeText} nested list or {"b64": ...}`,
        );
      }
      value = (value as Record<string, unknown>)[names[0] as string];
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length !== 1 || keys[0] !== 'b64') this.refuse(index, `has keys ${keys.join(', ')} beside "b64"; send {"b64": "..."} alone`);
      this.readBase64((value as { b64: unknown }).b64, index, row);
      return;
    }
    if (!Array.isArray(value)) {
      this.refuse(index, `is ${kindOf(value)}; send ${this.length} numbers, a ${this.shapeText} nested list or {"b64": ...}`);
    }
    const list = value as unknown[];
    const depth = nestingDepth(list);
    const shape = this.contract.featureShape;
    if (depth === 1) {
      if (list.length !== this.length) {
        this.refuse(index, `has ${list.length} values, the model takes ${this.length} (${this.shapeText})`);
      }
      for (let k = 0; k < this.length; k++) row[k] = this.feature(list[k], index, `value ${k}`);
    } else if (depth === shape.length || depth === shape.length + 1) {
      // A trailing channel of 1 (28x28x1) is what image models often take; same values.
      const dims = depth === shape.length ? shape : [...shape, 1];
      this.readNested(list, dims, index, row);
    } else {
      this.refuse(index, `is nested ${depth} deep; send ${this.length} numbers or a ${this.shapeText} nested list`);
    }
  }

  private readNested(list: unknown[], dims: readonly number[], index: number, row: Float32Array): void {
    let offset = 0;
    const walk = (value: unknown, level: number, path: number[]): void => {
      const want = dims[level] as number;
      // The top level is a list already (the caller checked); deeper levels may not be.
      const where = `at [${path.join('][')}]`;
      if (!Array.isArray(value)) this.refuse(index, `${where} is ${kindOf(value)}, not a list of ${want}`);
      const values = value as unknown[];
      if (values.length !== want) {
        const what = path.length === 0 ? `has ${values.length} rows` : `${where} has ${values.length} values`;
        this.refuse(index, `${what}, the model takes ${want} (shape ${dims.join('x')})`);
      }
      if (level === dims.length - 1) {
        for (let k = 0; k < want; k++) row[offset++] = this.feature(values[k], index, `at [${[...path, k].join('][')}]`);
        return;
      }
      for (let k = 0; k < want; k++) walk(values[k], level + 1, [...path, k]);
    };
    walk(list, 0, []);
  }

  private readBase64(text: unknown, index: number, row: Float32Array): void {
    if (typeof text !== 'string') this.refuse(index, `"b64" is ${kindOf(text)}, not a base64 string`);
    const b64 = text as string;
    if (!BASE64.test(b64)) this.refuse(index, `"b64" is not base64 (characters A-Z a-z 0-9 + / and = padding)`);
    const bytes = Buffer.from(b64, 'base64');
    if (this.contract.pixelFeatures) {
      if (bytes.length !== this.length) {
        this.refuse(index, `"b64" holds ${bytes.length} bytes, the model takes ${this.length} (${this.shapeText} pixels, one byte each)`);
      }
      for (let k = 0; k < this.length; k++) row[k] = (bytes[k] as number) / 255;
      return;
    }
    if (bytes.length !== this.length * 4) {
      this.refuse(index, `"b64" holds ${bytes.length} bytes, the model takes ${this.length * 4} (${this.length} little-endian float32)`);
    }
    for (let k = 0; k < this.length; k++) {
      const v = bytes.readFloatLE(k * 4);
      if (!Number.isFinite(v)) this.refuse(index, `"b64" float ${k} is ${v}, not a finite number`);
      row[k] = v;
    }
  }

  /** One feature, checked and normalized. */
  private feature(value: unknown, index: number, where: string): number {
    if (typeof value !== 'number') return this.refuse(index, `${where} is ${kindOf(value)}, not a number`);
    if (!Number.isFinite(value)) return this.refuse(index, `${where} is ${value}, not a finite number`);
    if (!this.contract.pixelFeatures) return value;
    if (value < 0 || value > 255) return this.refuse(index, `${where} is ${value}; pixels are 0..255`);
    return value / 255;
  }

  private refuse(index: number, what: string): never {
    throw new InstancesRefused(400, `instance ${index} ${what}`);
  }
}

/** How many lists deep the first elements go: 1 for [1, 2], 2 for [[1], [2]]. */
function nestingDepth(list: unknown[]): number {
  let depth = 1;
  let first: unknown = list[0];
  while (Array.isArray(first)) {
    depth++;
    first = first[0];
  }
  return depth;
}
