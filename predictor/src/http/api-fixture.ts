// The HTTP API's tests: a real socket, a real server, and a ServingApi played by the test.
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createLogger, type HeldOutMetrics } from '@hotswap/shared';
import { HttpApi } from './api';
import { HttpApiMetrics } from './metrics';
import {
  ControlRefused,
  type InstancePrediction,
  type ModelStatus,
  type ServingApi,
  type VersionState,
  type VersionStatus,
} from './serving';

export const HELD_OUT: HeldOutMetrics = { accuracy: 0.8, loss: 0.5, testSamples: 10_000, trainSamples: 60_000, epochs: 2, trainSeconds: 3 };
const CLASSES = ['zero', 'one', 'two'];

/**
 * An in-process ServingApi for the HTTP layer: 2x2 pixel instances, three classes, versions 1..4 of
 * which 2 was rejected. It predicts the class of the largest of the first three features, so a test
 * knows every answer. Pin and rollback follow the interface's contract (404 unknown, 409 rejected).
 */
export class ServingForTests implements ServingApi {
  readonly modelName = 'digits';
  readonly featureShape = [2, 2];
  readonly classCount = 3;
  readonly pixelFeatures = true;
  serving: number | null = 4;
  /** Loaded and waiting: takes over at the next prediction, as the predictor's registry does. */
  staged: number | null = null;
  pinned: number | null = null;
  failControlWith: Error | null = null;
  /** Where a rollback without a version goes (the predictor's policy decides; here the test does). */
  rollbackTo: number | null = null;
  readonly predictCalls: { features: Float32Array; rows: number }[] = [];
  readonly controls: { action: string; version: number | null; requestedBy: string; reason?: string }[] = [];
  private readonly states = new Map<number, { rejection: string | null }>([
    [1, { rejection: null }],
    [2, { rejection: 'model digits v2 rejected: checksum mismatch' }],
    [3, { rejection: null }],
    [4, { rejection: null }],
  ]);

  async predict(
    features: Float32Array,
    rows: number,
  ): Promise<{ model: { name: string; version: number }; predictions: InstancePrediction[] } | null> {
    await Promise.resolve(); // answered later, as the inference thread does
    this.predictCalls.push({ features: Float32Array.from(features), rows });
    if (this.staged !== null) [this.serving, this.staged] = [this.staged, null];
    if (this.serving === null) return null;
    const predictions = Array.from({ length: rows }, (_, r) => {
      const scores = Array.from(features.subarray(r * 4, r * 4 + 3));
      const total = scores.reduce((a, b) => a + b, 0) || 1;
      const probabilities = scores.map((s) => s / total);
      const predicted = probabilities.indexOf(Math.max(...probabilities));
      return { predicted, predictedClass: CLASSES[predicted] as string, confidence: probabilities[predicted] as number, probabilities };
    });
    return { model: { name: this.modelName, version: this.serving }, predictions };
  }

  status(): ModelStatus {
    const versions: VersionStatus[] = [...this.states.entries()]
      .sort(([a], [b]) => b - a)
      .map(([version, { rejection }]) => {
        let state: VersionState = version === this.serving ? 'serving' : version === this.staged ? 'staged' : 'available';
        if (rejection !== null) state = 'rejected';
        return {
          version,
          role: 'release',
          state,
          architecture: `mlp(${version * 16})`,
          createdAt: Date.UTC(2026, 0, version),
          heldOut: { ...HELD_OUT, accuracy: 0.5 + version / 10 },
          live:
            version === this.serving ? { accuracy: 0.75, labelled: 40, predictions: 42 } : { accuracy: null, labelled: 0, predictions: 0 },
          rejection,
        };
      });
    return { name: this.modelName, servingVersion: this.serving, pinnedVersion: this.pinned, versions };
  }

  async control(
    action: 'pin' | 'unpin' | 'rollback',
    version: number | null,
    requestedBy: string,
    reason: string | null = null,
  ): Promise<ModelStatus> {
    this.controls.push({ action, version, requestedBy, ...(reason === null ? {} : { reason }) });
    if (this.failControlWith !== null) throw this.failControlWith;
    if (action === 'unpin') {
      this.pinned = null;
      this.serving = 4;
      return this.status();
    }
    if (action === 'rollback' && version === null) {
      if (this.rollbackTo === null) {
        throw new ControlRefused(409, `no valid version of digits older than the serving one to roll back to (v${this.serving} serves)`);
      }
      version = this.rollbackTo;
    }
    const entry = this.states.get(version as number);
    if (entry === undefined) throw new ControlRefused(404, `version ${version} of digits is unknown`);
    if (entry.rejection !== null) throw new ControlRefused(409, `version ${version} of digits was rejected: ${entry.rejection}`);
    this.pinned = version;
    this.serving = version;
    return this.status();
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export const PIXELS = (a: number, b: number, c: number) => [
  [a, b],
  [c, 0],
];

/** A server started before each test on a free port, stopped after it, with the test's ServingApi behind it. */
export function apiUnderTest() {
  const t = {
    maxBody: 64 * 1024,
    serving: undefined as unknown as ServingForTests,
    api: undefined as unknown as HttpApi,
    registry: undefined as unknown as Registry,
    port: 0,
    /** One request, JSON in and out. */
    async call(method: string, path: string, body?: unknown): Promise<Answer> {
      const init: RequestInit = { method };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await fetch(`http://127.0.0.1:${t.port}${path}`, init);
      assert.equal(res.headers.get('content-type'), 'application/json');
      return { status: res.status, headers: Object.fromEntries(res.headers), body: (await res.json()) as Record<string, unknown> };
    },
  };
  beforeEach(async () => {
    t.serving = new ServingForTests();
    t.registry = new Registry();
    t.api = new HttpApi(
      t.serving,
      { port: 0, host: '127.0.0.1', maxBodyBytes: t.maxBody, maxInstances: 8 },
      new HttpApiMetrics(t.registry),
      createLogger({ service: 'http-api-test', level: 'error' }),
    );
    t.port = await t.api.start();
  });
  afterEach(async () => {
    await t.api.stop();
  });
  return t;
}
