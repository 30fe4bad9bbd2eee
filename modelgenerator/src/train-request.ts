import { checkEpochs, parseArchitecture, type TrainingPlan } from './schedule';

/** What a training request asks for, checked: the plan to train and whether to publish it. */
export interface TrainOptions {
  plan: TrainingPlan;
  publish: boolean;
}

/** What the modelgenerator can train: its dataset's name and sample shape, and its TensorFlow.js backend. */
export interface TrainingContext {
  dataset: string;
  featureShape: readonly number[];
  backend: string;
}

const FIELDS = ['architecture', 'epochs', 'samples', 'dataset', 'publish'];

/**
 * Reads the options of `POST /v1/train` from a parsed JSON body:
 * `{"architecture": "mlp:128", "epochs": 2, "samples": 4000, "dataset": "fashion-mnist", "publish": true}`
 * (samples, dataset and publish optional). Throws an Error that says what is wrong.
 */
export function trainOptionsFromJson(body: unknown, context: TrainingContext): TrainOptions {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error(`the body is ${describeJson(body)}, expected an object like {"architecture": "mlp:128", "epochs": 2}`);
  }
  const fields = body as Record<string, unknown>;
  checkKnown(Object.keys(fields), 'field');
  const { architecture, epochs, samples, dataset, publish } = fields;
  if (architecture === undefined) throw new Error('architecture is required, e.g. "mlp:128", "mlp:256-128" or "cnn:32-64"');
  if (typeof architecture !== 'string') throw new Error(`architecture is ${describeJson(architecture)}, expected a string like "mlp:128"`);
  if (epochs === undefined) throw new Error('epochs is required: an integer 1..1000');
  if (samples !== undefined && samples !== null && samples !== 'all' && !isPositiveInteger(samples)) {
    throw new Error(`samples ${JSON.stringify(samples)} is not a positive integer (or "all")`);
  }
  if (dataset !== undefined && typeof dataset !== 'string') throw new Error(`dataset is ${describeJson(dataset)}, expected a string`);
  if (publish !== undefined && typeof publish !== 'boolean') throw new Error(`publish is ${describeJson(publish)}, expected true or false`);
  return options(architecture, epochs, typeof samples === 'number' ? samples : null, dataset, publish ?? true, context);
}

/** Reads the options of a `text/csv` `POST /v1/train` from its query: `?architecture=mlp:64&epochs=3`. */
export function trainOptionsFromQuery(query: URLSearchParams, context: TrainingContext): TrainOptions {
  const names = [...query.keys()];
  checkKnown(names, 'query parameter');
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new Error(`query parameter ${repeated} is given more than once`);
  const architecture = query.get('architecture');
  if (architecture === null) throw new Error('query parameter architecture is required, e.g. ?architecture=mlp:128&epochs=2');
  const epochs = query.get('epochs');
  if (epochs === null) throw new Error('query parameter epochs is required: an integer 1..1000');
  const samples = query.get('samples');
  if (samples !== null && samples !== 'all' && !/^[1-9]\d{0,9}$/.test(samples)) {
    throw new Error(`samples ${JSON.stringify(samples)} is not a positive integer (or "all")`);
  }
  const publish = query.get('publish');
  if (publish !== null && publish !== 'true' && publish !== 'false') {
    throw new Error(`publish ${JSON.stringify(publish)} is not true or false`);
  }
  return options(
    architecture,
    /^\d{1,9}$/.test(epochs) ? Number(epochs) : epochs,
    samples === null || samples === 'all' ? null : Number(samples),
    query.get('dataset') ?? undefined,
    publish !== 'false',
    context,
  );
}

function options(
  architecture: string,
  epochs: unknown,
  samples: number | null,
  dataset: string | undefined,
  publish: boolean,
  context: TrainingContext,
): TrainOptions {
  if (dataset !== undefined && dataset !== context.dataset) {
    throw new Error(
      `dataset ${JSON.stringify(dataset)} is not the one this modelgenerator trains for: ${JSON.stringify(context.dataset)} (its data contract is fixed)`,
    );
  }
  const plan: TrainingPlan = { ...parseArchitecture(architecture), trainSamples: samples, epochs: checkEpochs(epochs) };
  if (plan.architecture === 'cnn' && context.featureShape.length !== 2) {
    throw new Error(`a cnn needs 2-D samples; ${context.dataset} samples have shape [${context.featureShape.join(', ')}]`);
  }
  if (plan.architecture === 'cnn' && context.backend === 'wasm') {
    throw new Error('a cnn cannot train on the wasm backend (it has no convolution gradients); ask for an mlp');
  }
  return { plan, publish };
}

function checkKnown(names: string[], what: string): void {
  const unknown = names.find((n) => !FIELDS.includes(n));
  if (unknown !== undefined) throw new Error(`unknown ${what} ${JSON.stringify(unknown)}: expected ${FIELDS.join(', ')}`);
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `${typeof v === 'object' ? 'an object' : `the ${typeof v}`} ${JSON.stringify(v).slice(0, 40)}`;
}
