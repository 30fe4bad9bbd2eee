import type { MessageHeaders } from '../schemas/codec';
import { HEADER_CONTENT_TYPE } from '../schemas/codec';

/**
 * An operator's instruction about which version of a model serves, written to the model topic
 * beside the models so every replica reads it in the same order as the models. Its key is
 * `controlRecordKey(model)`, so compaction keeps the latest instruction: a replica that starts
 * later finds the pin still in force.
 */
export interface ModelControl {
  /** Unique per instruction, so the writer can tell when a replica has applied its own. */
  id: string;
  model: string;
  /** pin: serve exactly `version`; rollback: a pin to an earlier version; unpin: follow the newest again. */
  action: 'pin' | 'unpin' | 'rollback';
  /** The version pinned; null for unpin. */
  version: number | null;
  requestedAt: number;
  /** Who asked (host/replica or user), for the audit trail. */
  requestedBy: string;
  reason: string | null;
}

export const CONTROL_CONTENT_TYPE = 'application/vnd.hotswap.model-control+json';
const ACTIONS = ['pin', 'unpin', 'rollback'] as const;

export function controlHeaders(): MessageHeaders {
  return { [HEADER_CONTENT_TYPE]: CONTROL_CONTENT_TYPE };
}

export function isControlRecord(headers: MessageHeaders): boolean {
  return headers[HEADER_CONTENT_TYPE] === CONTROL_CONTENT_TYPE;
}

export function encodeControl(control: ModelControl): Buffer {
  return Buffer.from(JSON.stringify(parseControlObject(control)));
}

/** Parses a control record's JSON; throws an Error naming the field at fault. */
export function decodeControl(bytes: Buffer): ModelControl {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new Error(`control record is not JSON: ${(e as Error).message}`);
  }
  return parseControlObject(value);
}

function parseControlObject(value: unknown): ModelControl {
  if (typeof value !== 'object' || value === null) throw new Error(`control record is ${JSON.stringify(value)}, not an object`);
  const v = value as Record<string, unknown>;
  if (typeof v['model'] !== 'string' || v['model'] === '')
    throw new Error(`control record model ${JSON.stringify(v['model'])} is not a name`);
  const action = v['action'];
  if (!ACTIONS.includes(action as ModelControl['action'])) {
    throw new Error(`control record action ${JSON.stringify(action)} is not one of ${ACTIONS.join(', ')}`);
  }
  const version = v['version'] ?? null;
  if (action === 'unpin') {
    if (version !== null) throw new Error(`control record unpin carries version ${JSON.stringify(version)}; it takes none`);
  } else if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new Error(`control record ${String(action)} version ${JSON.stringify(version)} is not a version number >= 1`);
  }
  if (typeof v['id'] !== 'string' || v['id'] === '') throw new Error(`control record id ${JSON.stringify(v['id'])} is not a string`);
  return {
    id: v['id'],
    model: v['model'],
    action: action as ModelControl['action'],
    version: version as number | null,
    requestedAt: typeof v['requestedAt'] === 'number' ? v['requestedAt'] : 0,
    requestedBy: typeof v['requestedBy'] === 'string' ? v['requestedBy'] : 'unknown',
    reason: typeof v['reason'] === 'string' ? v['reason'] : null,
  };
}
