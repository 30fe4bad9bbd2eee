import type { HeldOutMetrics } from '@hotswap/shared';

/** One instance's answer from the serving model. */
export interface InstancePrediction {
  predicted: number;
  predictedClass: string;
  confidence: number;
  /** One probability per class, in class order. */
  probabilities: number[];
}

export type VersionState =
  /** Takes the traffic now. */
  | 'serving'
  /** Loaded and warmed; takes the traffic at the next batch. */
  | 'staged'
  /** Being verified, loaded and warmed up (to serve, or to check it can before a pin or rollback). */
  | 'loading'
  /** Published and valid, not loaded (older, newer than a pin, or retired after serving). */
  | 'available'
  /** Failed verification or loading, or a candidate that lost on live data; never serves. */
  | 'rejected'
  /** A candidate loaded beside the serving version and scored on every labelled sample, its predictions never written. */
  | 'challenger';

export interface VersionStatus {
  version: number;
  state: VersionState;
  /** A release serves once valid; a candidate only once promoted on live evidence. */
  role: 'release' | 'candidate';
  architecture: string;
  createdAt: number;
  /** The modelgenerator's figures on the held-out split. */
  heldOut: HeldOutMetrics;
  /** What this replica measured while the version served: labelled samples only count. */
  live: { accuracy: number | null; labelled: number; predictions: number };
  /** Why it was rejected, when it was. */
  rejection: string | null;
}

export interface ModelStatus {
  name: string;
  servingVersion: number | null;
  pinnedVersion: number | null;
  /** Every version this replica has read from the model topic, newest first. */
  versions: VersionStatus[];
}

/** A refused management request, with the HTTP status that says why (404 unknown, 409 not possible, 503 not ready). */
export class ControlRefused extends Error {
  constructor(
    readonly status: 404 | 409 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'ControlRefused';
  }
}

/** What the predictor offers its HTTP API: predictions with the serving model, its status, and its management. */
export interface ServingApi {
  readonly modelName: string;
  /** Per-sample feature shape and class count of the data the models fit. */
  readonly featureShape: readonly number[];
  readonly classCount: number;
  /** Whether features are pixels 0..255 (divided by 255 before the model) or raw floats. */
  readonly pixelFeatures: boolean;
  /**
   * Predicts `rows` rows of already normalized features with the serving version (null when no
   * version serves yet). Never mixes versions within one call. `features` is handed over to the
   * inference thread: the caller must not use it after.
   */
  predict(
    features: Float32Array,
    rows: number,
  ): Promise<{ model: { name: string; version: number }; predictions: InstancePrediction[] } | null>;
  status(): ModelStatus;
  /**
   * Writes a control record to the model topic (so every replica follows) and resolves once this
   * replica has applied it, with the status after. A rollback without a version goes to the newest
   * valid version older than the serving one. Throws ControlRefused for an unknown version (404)
   * or one that cannot serve (409).
   */
  control(action: 'pin' | 'unpin' | 'rollback', version: number | null, requestedBy: string, reason?: string | null): Promise<ModelStatus>;
}
