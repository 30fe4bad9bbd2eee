// Reading the topics' records for the page, tolerantly: a field added to a record (a prediction's
// `challenger`) or a control action this code does not know yet is not a reason to drop it.
import type { PredictionRecord } from '@hotswap/shared/contracts';

/** The fields of a prediction record the page uses. */
export type SeenPrediction = Pick<
  PredictionRecord,
  'sampleId' | 'model' | 'predicted' | 'predictedClass' | 'confidence' | 'label' | 'correct' | 'predictedAt' | 'predictor'
>;

/** An instruction on the model topic (pin, unpin, rollback, and whatever comes next), for a marker. */
export interface SeenControl {
  model: string;
  action: string;
  version: number | null;
  requestedAt: number | null;
  requestedBy: string | null;
  reason: string | null;
}

function objectOf(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${JSON.stringify(value)} is not an object`);
  return value as Record<string, unknown>;
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Parses a prediction record; throws an Error naming the field at fault. Unknown fields are ignored. */
export function parsePrediction(bytes: Buffer): SeenPrediction {
  const v = objectOf(bytes);
  const model = v['model'] as Record<string, unknown> | null | undefined;
  if (typeof v['sampleId'] !== 'string') throw new Error(`sampleId ${JSON.stringify(v['sampleId'])} is not a string`);
  if (typeof model !== 'object' || model === null || typeof model['name'] !== 'string' || !isIndex(model['version']))
    throw new Error(`model ${JSON.stringify(model)} is not {name, version}`);
  if (!isIndex(v['predicted'])) throw new Error(`predicted ${JSON.stringify(v['predicted'])} is not a class index`);
  if (!isTime(v['predictedAt'])) throw new Error(`predictedAt ${JSON.stringify(v['predictedAt'])} is not a time`);
  const label = v['label'] ?? null;
  if (label !== null && !isIndex(label)) throw new Error(`label ${JSON.stringify(label)} is not a class index or null`);
  const correct = label === null ? null : v['predicted'] === label;
  return {
    sampleId: v['sampleId'],
    model: { name: model['name'], version: model['version'] },
    predicted: v['predicted'],
    predictedClass: typeof v['predictedClass'] === 'string' ? v['predictedClass'] : String(v['predicted']),
    confidence: typeof v['confidence'] === 'number' ? v['confidence'] : 0,
    label,
    correct,
    predictedAt: v['predictedAt'],
    predictor: typeof v['predictor'] === 'string' && v['predictor'] !== '' ? v['predictor'] : 'unknown',
  };
}

/** Parses a control record, whatever its action; throws when it names no model or action. */
export function parseControl(bytes: Buffer): SeenControl {
  const v = objectOf(bytes);
  if (typeof v['model'] !== 'string' || v['model'] === '')
    throw new Error(`control record model ${JSON.stringify(v['model'])} is not a name`);
  if (typeof v['action'] !== 'string' || v['action'] === '')
    throw new Error(`control record action ${JSON.stringify(v['action'])} is not a name`);
  const version = v['version'];
  return {
    model: v['model'],
    action: v['action'],
    version: isIndex(version) ? version : null,
    requestedAt: isTime(v['requestedAt']) ? v['requestedAt'] : null,
    requestedBy: typeof v['requestedBy'] === 'string' ? v['requestedBy'] : null,
    reason: typeof v['reason'] === 'string' ? v['reason'] : null,
  };
}

/** What the page shows of a model record (the weights are not kept). */
export interface SeenModel {
  name: string;
  version: number;
  createdAt: number;
  dataset: string;
  architecture: string;
  classNames: string[];
  heldOut: number;
  testSamples: number;
}
