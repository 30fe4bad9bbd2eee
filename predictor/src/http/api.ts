import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyServer, HttpRefusal, declaredLength, readBody, sendJson, type Logger } from '@hotswap/shared';
import type { HttpApiMetrics } from './metrics';
import { parseRoute, parseVersion, type ModelRoute } from './routes';
import { InstancesRefused, parsePredictBody, type ParsedInstances } from './instances';
import {
  ControlRefused,
  type InstancePrediction,
  type ModelStatus,
  type ServingApi,
  type VersionState,
  type VersionStatus,
} from './serving';

export interface HttpApiSettings {
  /** 0 picks a free port. */
  port: number;
  host: string;
  maxBodyBytes: number;
  maxInstances: number;
}

/** TensorFlow Serving's version states for ours: only the serving version answers predictions. */
const TF_SERVING_STATE: Record<VersionState, 'AVAILABLE' | 'LOADING' | 'END'> = {
  serving: 'AVAILABLE',
  staged: 'LOADING',
  loading: 'LOADING',
  available: 'END',
  rejected: 'END',
  // Loaded, but answers no prediction request: only the serving version does.
  challenger: 'END',
};

const MANAGEMENT_FIELDS = ['version', 'requested_by', 'reason'];

/**
 * The predictor's HTTP API, shaped like TensorFlow Serving's REST API: predict with the serving
 * version, the model's status, and pin / unpin / rollback. Every answer is JSON; errors are
 * `{"error": "..."}` with a status that says what kind of error it is.
 */
export class HttpApi {
  private readonly http = new BodyServer(
    (req, res) => this.serve(req, res),
    (req) => this.declaredTooLarge(req) === null,
  );

  constructor(
    private readonly serving: ServingApi,
    private readonly settings: HttpApiSettings,
    private readonly metrics: HttpApiMetrics,
    private readonly logger: Logger,
  ) {}

  /** Listens; resolves with the port. */
  start(): Promise<number> {
    return this.http.start(this.settings.port, this.settings.host);
  }

  /** Stops accepting, lets requests in flight finish. */
  stop(): Promise<void> {
    return this.http.stop();
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((e: Error) => {
      this.logger.error(`HTTP ${req.method} ${req.url}: no answer could be written: ${e.stack ?? e.message}`);
      res.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let routeName = 'unknown';
    let status = 200;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      const outcome = parseRoute(req.method ?? '', req.url ?? '/');
      if (!outcome.ok) {
        throw new HttpRefusal(outcome.status, outcome.message, outcome.allow === undefined ? {} : { allow: outcome.allow });
      }
      const { route } = outcome;
      routeName = route.action === 'status' && route.version !== null ? 'version-status' : route.action;
      if (route.model !== this.serving.modelName) {
        throw new HttpRefusal(
          404,
          `model ${JSON.stringify(route.model)} is not served here; this predictor serves ${JSON.stringify(this.serving.modelName)}`,
        );
      }
      body = await this.answer(route, req);
    } catch (e) {
      if (e instanceof HttpRefusal) {
        status = e.status;
        headers = e.headers;
      } else if (e instanceof InstancesRefused || e instanceof ControlRefused) {
        status = e.status;
      } else {
        status = 500;
        this.logger.warn(`HTTP ${req.method} ${req.url} failed: ${(e as Error).stack ?? String(e)}`);
      }
      body = { error: (e as Error).message };
    }
    sendJson(res, status, body, headers);
    this.metrics.answered(routeName, status, (performance.now() - started) / 1000);
  }

  private async answer(route: ModelRoute, req: IncomingMessage): Promise<unknown> {
    switch (route.action) {
      case 'status':
        return encodeStatus(this.serving.status(), route.version);
      case 'predict':
        return await this.predict(route.version, await this.readJson(req));
      default: {
        const fields = managementFields(await this.readJson(req), route.action);
        const requestedBy = fields.requestedBy ?? `http ${req.socket.remoteAddress ?? 'unknown'}`;
        return encodeStatus(await this.control(route.action, fields.version, requestedBy, fields.reason), null);
      }
    }
  }

  private async predict(version: number | null, body: unknown): Promise<unknown> {
    const name = this.serving.modelName;
    if (version !== null) {
      // Checked before predicting, so a wrong version costs no tensor call; the result is checked too.
      const status = this.serving.status();
      if (!status.versions.some((v) => v.version === version)) throw unknownVersion(status, version);
      const next = versionTakingTraffic(status);
      if (next !== null && next !== version) throw notServing(name, version, next);
    }
    const instances = parsePredictBody(body, this.serving, this.settings.maxInstances);
    const result = await this.serving.predict(instances.features, instances.rows);
    if (result === null) throw new HttpRefusal(503, `no version of ${name} serves yet; GET /v1/models/${name} lists the versions known`);
    // A swap between the check above and the prediction: the caller asked for that version only.
    if (version !== null && result.model.version !== version) throw notServing(name, version, result.model.version);
    return encodePredictions(result.model, result.predictions, instances.format);
  }

  private async control(
    action: 'pin' | 'unpin' | 'rollback',
    version: number | null,
    requestedBy: string,
    reason: string | null,
  ): Promise<ModelStatus> {
    if (action === 'pin' && version === null) throw new HttpRefusal(400, 'pin needs a version: {"version": 3}');
    // A rollback without a version goes where the predictor's version policy says.
    try {
      return await this.serving.control(action, version, requestedBy, reason);
    } catch (e) {
      if (e instanceof ControlRefused) throw e;
      throw new Error(`${action}${version === null ? '' : ` to v${version}`} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The reason a declared Content-Length is refused, or null. */
  private declaredTooLarge(req: IncomingMessage): string | null {
    const declared = declaredLength(req);
    if (declared === null || declared <= this.settings.maxBodyBytes) return null;
    return `the body is ${declared} bytes, over the limit of ${this.settings.maxBodyBytes} (HTTP_MAX_BODY_BYTES)`;
  }

  /**
   * Reads the body up to the size limit and parses it as JSON (whatever the Content-Type says, as
   * TF Serving does: `curl -d` sends form encoding). Beyond the limit it stops reading and refuses
   * with 413; the connection is closed after the answer, so the rest is never read.
   */
  private async readJson(req: IncomingMessage): Promise<unknown> {
    const tooLarge = this.declaredTooLarge(req);
    if (tooLarge !== null) throw new HttpRefusal(413, tooLarge, { connection: 'close' });
    const bytes = await readBody(req, { maxBytes: this.settings.maxBodyBytes, setting: 'HTTP_MAX_BODY_BYTES', rest: 'close' });
    if (bytes.length === 0) return undefined;
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new HttpRefusal(400, `the body is not JSON: ${(e as Error).message}`);
    }
  }
}

function notServing(name: string, asked: number, serving: number): HttpRefusal {
  return new HttpRefusal(
    404,
    `version ${asked} of ${name} is not serving; v${serving} serves (POST /v1/models/${name}:predict, or pin v${asked} first)`,
  );
}

function unknownVersion(status: ModelStatus, version: number): HttpRefusal {
  const known = status.versions.map((v) => v.version).join(', ');
  return new HttpRefusal(404, `version ${version} of ${status.name} is unknown; known: ${known === '' ? 'none yet' : known}`);
}

/** The fields of a pin / unpin / rollback body: `{"version": 3, "requested_by": "...", "reason": "..."}`, all optional. */
function managementFields(
  body: unknown,
  action: 'pin' | 'unpin' | 'rollback',
): { version: number | null; requestedBy: string | null; reason: string | null } {
  if (body === undefined) return { version: null, requestedBy: null, reason: null };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpRefusal(400, `the body of :${action} is ${JSON.stringify(body)}, not an object like {"version": 3}`);
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !MANAGEMENT_FIELDS.includes(k));
  if (unknown !== undefined)
    throw new HttpRefusal(400, `unknown field ${JSON.stringify(unknown)}; :${action} takes "version", "requested_by" and "reason"`);
  let version: number | null = null;
  if (fields['version'] !== undefined && fields['version'] !== null) {
    if (action === 'unpin') throw new HttpRefusal(400, `unpin takes no version (got ${JSON.stringify(fields['version'])})`);
    version = parseVersion(fields['version']);
    if (version === null) throw new HttpRefusal(400, `version ${JSON.stringify(fields['version'])} is not a version number (1, 2, ...)`);
  }
  const requestedBy = fields['requested_by'];
  if (requestedBy !== undefined && (typeof requestedBy !== 'string' || requestedBy.trim() === '')) {
    throw new HttpRefusal(400, `requested_by ${JSON.stringify(requestedBy)} is not a name`);
  }
  const reason = fields['reason'];
  if (reason !== undefined && reason !== null && typeof reason !== 'string') {
    throw new HttpRefusal(400, `reason ${JSON.stringify(reason)} is not a string`);
  }
  return { version, requestedBy: requestedBy === undefined ? null : requestedBy, reason: typeof reason === 'string' ? reason : null };
}

/** The version the next prediction will use: a staged version takes over at the next acquire. */
function versionTakingTraffic(status: ModelStatus): number | null {
  return status.versions.find((v) => v.state === 'staged')?.version ?? status.servingVersion;
}

function encodePredictions(
  model: { name: string; version: number },
  predictions: readonly InstancePrediction[],
  format: ParsedInstances['format'],
): unknown {
  const version = String(model.version);
  const spec = { model_version: version, model_spec: { name: model.name, version } };
  if (format === 'columnar') {
    return {
      outputs: {
        class: predictions.map((p) => p.predicted),
        class_name: predictions.map((p) => p.predictedClass),
        confidence: predictions.map((p) => p.confidence),
        probabilities: predictions.map((p) => p.probabilities),
      },
      ...spec,
    };
  }
  return {
    predictions: predictions.map((p) => ({
      class: p.predicted,
      class_name: p.predictedClass,
      confidence: p.confidence,
      probabilities: p.probabilities,
    })),
    ...spec,
  };
}

/** TensorFlow Serving's model status, plus hotswap's: what serves, the pin, and every version's figures. */
function encodeStatus(status: ModelStatus, only: number | null): unknown {
  let versions = status.versions;
  if (only !== null) {
    versions = versions.filter((v) => v.version === only);
    if (versions.length === 0) throw unknownVersion(status, only);
  }
  return {
    model_version_status: versions.map((v) => ({
      version: String(v.version),
      state: TF_SERVING_STATE[v.state],
      status:
        v.rejection === null ? { error_code: 'OK', error_message: '' } : { error_code: 'FAILED_PRECONDITION', error_message: v.rejection },
    })),
    name: status.name,
    serving_version: status.servingVersion,
    pinned_version: status.pinnedVersion,
    versions: versions.map(encodeVersion),
  };
}

function encodeVersion(v: VersionStatus): unknown {
  return {
    version: v.version,
    state: v.state,
    role: v.role,
    architecture: v.architecture,
    created_at: new Date(v.createdAt).toISOString(),
    held_out: {
      accuracy: v.heldOut.accuracy,
      loss: v.heldOut.loss,
      test_samples: v.heldOut.testSamples,
      train_samples: v.heldOut.trainSamples,
      epochs: v.heldOut.epochs,
      train_seconds: v.heldOut.trainSeconds,
    },
    live: { accuracy: v.live.accuracy, labelled: v.live.labelled, predictions: v.live.predictions },
    rejection: v.rejection,
  };
}
