import type { MessageHeaders } from '../schemas/codec';
import { HEADER_CONTENT_TYPE } from '../schemas/codec';

/**
 * An instruction about which version of a model serves, written to the model topic beside the
 * models so every replica reads it in the same order as the models. An operator's pin, unpin or
 * rollback is keyed `controlRecordKey(model)`, so compaction keeps the latest: a replica that starts
 * later finds the pin still in force. A decision on a candidate (promote, reject) is keyed
 * `decisionRecordKey(model, version)`, so every decision is kept and audited, and none displaces a pin.
 */
export interface ModelControl {
  /** Unique per instruction, so the writer can tell when a replica has applied its own. */
  id: string;
  model: string;
  /**
   * pin: serve exactly `version`; rollback: a pin to an earlier version; unpin: follow the newest
   * again; promote: candidate `version` may serve (it won on live data); reject: it never will.
   */
  action: ControlAction;
  /** The version pinned; null for unpin. */
  version: number | null;
  requestedAt: number;
  /** Who asked (host/replica or user), for the audit trail. */
  requestedBy: string;
  reason: string | null;
  /** For promote and reject: the paired outcomes the decision was taken on; null otherwise. */
  evidence?: DecisionEvidence | null;
}

/** What a promotion decision rests on: the champion and challenger on the same labelled samples. */
export interface DecisionEvidence {
  champion: number;
  challenger: number;
  pairs: number;
  bothRight: number;
  bothWrong: number;
  challengerOnly: number;
  championOnly: number;
  /** McNemar's exact p-value at the deciding look (null: decided without a look, e.g. a budget spent). */
  pValue: number | null;
  /** The p-value a look had to go under. */
  threshold: number;
}

/** A model record's role, in its `model-role` header: a release serves when valid; a candidate only once promoted. */
export const HEADER_MODEL_ROLE = 'model-role';
export type ModelRole = 'release' | 'candidate';

/** A record's role from its headers: a candidate only when it says so, so records from before roles are releases. */
export function modelRole(headers: MessageHeaders | undefined): ModelRole {
  return headers?.[HEADER_MODEL_ROLE] === 'candidate' ? 'candidate' : 'release';
}

export type ControlAction = 'pin' | 'unpin' | 'rollback' | 'promote' | 'reject';

export const CONTROL_CONTENT_TYPE = 'application/vnd.hotswap.model-control+json';
const ACTIONS: readonly ControlAction[] = ['pin', 'unpin', 'rollback', 'promote', 'reject'];
const EVIDENCE_COUNTS = ['champion', 'challenger', 'pairs', 'bothRight', 'bothWrong', 'challengerOnly', 'championOnly'] as const;

export function controlHeaders(): MessageHeaders {
  return { [HEADER_CONTENT_TYPE]: CONTROL_CONTENT_TYPE };
}

/** Whether a control action decides on a candidate (kept per version) rather than instructs (kept per model). */
export function isDecision(action: ControlAction): action is 'promote' | 'reject' {
  return action === 'promote' || action === 'reject';
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
  if (!ACTIONS.includes(action as ControlAction)) {
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
    evidence: action === 'promote' || action === 'reject' ? parseEvidence(v['evidence']) : null,
  };
}

/** A decision carries its evidence, or it is not a decision anyone can audit. */
function parseEvidence(value: unknown): DecisionEvidence {
  if (typeof value !== 'object' || value === null) throw new Error(`control record evidence ${JSON.stringify(value)} is not an object`);
  const e = value as Record<string, unknown>;
  for (const name of EVIDENCE_COUNTS) {
    const n = e[name];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      throw new Error(`control record evidence.${name} ${JSON.stringify(n)} is not a count`);
  }
  for (const name of ['pValue', 'threshold'] as const) {
    const p = e[name];
    if (!(p === null && name === 'pValue') && !(typeof p === 'number' && p >= 0 && p <= 1))
      throw new Error(`control record evidence.${name} ${JSON.stringify(p)} is not a probability`);
  }
  const counts = Object.fromEntries(EVIDENCE_COUNTS.map((name) => [name, e[name] as number])) as Record<
    (typeof EVIDENCE_COUNTS)[number],
    number
  >;
  return { ...counts, pValue: e['pValue'] as number | null, threshold: e['threshold'] as number };
}
