import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BodyServer,
  HttpRefusal,
  declaredLength,
  parseLabelledCsv,
  readBody,
  sendJson,
  type DatasetContract,
  type Logger,
} from '@hotswap/shared';
import type { ModelGenerator } from './generator';
import { QueueFull } from './jobs';
import { trainOptionsFromJson, trainOptionsFromQuery, type TrainOptions, type TrainingContext } from './train-request';
import { userTrainingData, type TrainingData } from './training-data';

export interface TrainingApiSettings {
  /** 0 picks a free port. */
  port: number;
  host: string;
  maxBodyBytes: number;
}

export interface TrainingApiParts {
  generator: ModelGenerator;
  /** The service's dataset, which JSON requests train on. */
  datasetData: TrainingData;
  /** What uploaded rows must fit. */
  contract: DatasetContract;
  context: TrainingContext;
  /** Seed of the initial weights and of the split of uploaded rows. */
  seed: number;
  logger: Logger;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const ROUTES = 'POST /v1/train, GET /v1/jobs, GET or DELETE /v1/jobs/{id}';
/** How long DELETE waits for a running job to stop at its next batch before answering with where it is. */
const CANCEL_WAIT_MS = 10_000;

/**
 * The modelgenerator's HTTP training API: POST /v1/train queues a job (options as JSON, or the
 * user's own labelled samples as CSV with the options in the query), GET /v1/jobs/{id} follows
 * it, DELETE cancels it. Every answer is JSON; errors are `{"error": "..."}`.
 */
export class TrainingApi {
  private readonly http = new BodyServer(
    (req, res) => void this.handle(req, res),
    (req) => (declaredLength(req) ?? 0) <= this.settings.maxBodyBytes,
  );

  constructor(
    private readonly parts: TrainingApiParts,
    private readonly settings: TrainingApiSettings,
  ) {}

  /** Listens; resolves with the port. */
  start(): Promise<number> {
    return this.http.start(this.settings.port, this.settings.host);
  }

  /** Stops accepting, lets requests in flight finish. */
  stop(): Promise<void> {
    return this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.route(req);
    } catch (e) {
      if (e instanceof HttpRefusal) {
        answer = { status: e.status, body: { error: e.message }, headers: e.headers };
      } else {
        this.parts.logger.warn(`training API: ${req.method} ${req.url} failed: ${(e as Error).stack ?? String(e)}`);
        answer = { status: 500, body: { error: (e as Error).message } };
      }
    }
    sendJson(res, answer.status, answer.body, answer.headers);
    this.parts.logger.debug(`training API: ${req.method} ${req.url} -> ${answer.status}`);
  }

  private async route(req: IncomingMessage): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname === '/v1/train') {
      allow(method, ['POST'], url.pathname);
      return this.train(req, url);
    }
    if (url.pathname === '/v1/jobs') {
      allow(method, ['GET'], url.pathname);
      return { status: 200, body: { jobs: this.parts.generator.jobs.list().map((j) => j.view()) } };
    }
    const m = /^\/v1\/jobs\/([^/]+)$/.exec(url.pathname);
    if (m !== null) {
      allow(method, ['GET', 'DELETE'], url.pathname);
      const id = decodedId(m[1] as string);
      return method === 'GET' ? this.job(id) : this.cancel(id);
    }
    throw new HttpRefusal(404, `no route ${method} ${url.pathname}: try ${ROUTES}`);
  }

  private async train(req: IncomingMessage, url: URL): Promise<Answer> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const { generator, context, seed } = this.parts;
    let options: TrainOptions;
    let data: TrainingData;
    if (type === 'application/json') {
      if (url.search !== '') throw new HttpRefusal(400, 'a JSON request takes its options in the body, not the query');
      const body = await this.readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw new HttpRefusal(400, `the body is not JSON: ${(e as Error).message}`);
      }
      options = refuseBadRequest(() => trainOptionsFromJson(parsed, context));
      data = this.parts.datasetData;
    } else if (type === 'text/csv') {
      options = refuseBadRequest(() => trainOptionsFromQuery(url.searchParams, context));
      const body = await this.readBody(req);
      data = refuseBadRequest(() => userTrainingData(parseLabelledCsv(body, this.parts.contract), seed, 'text/csv upload'));
    } else {
      throw new HttpRefusal(
        415,
        `Content-Type ${JSON.stringify(type)} is neither application/json (the options as a JSON object) nor text/csv (your labelled samples, the options in the query)`,
      );
    }
    let id: string;
    try {
      id = generator.submit({ origin: 'api', plan: options.plan, data, seed, publish: options.publish ? 'always' : 'never' }).id;
    } catch (e) {
      if (e instanceof QueueFull) throw new HttpRefusal(503, e.message, { 'retry-after': '60' });
      throw new HttpRefusal(503, (e as Error).message);
    }
    const self = `/v1/jobs/${id}`;
    this.parts.logger.info(`job ${id} queued by ${req.socket.remoteAddress ?? 'unknown'}: ${JSON.stringify(jobSummary(options, data))}`);
    return { status: 202, body: { id, state: 'queued', links: { self } }, headers: { location: self } };
  }

  private job(id: string): Answer {
    const job = this.parts.generator.jobs.get(id);
    if (job === undefined) throw unknownJob(id);
    return { status: 200, body: job.view() };
  }

  private async cancel(id: string): Promise<Answer> {
    const { generator } = this.parts;
    const effect = generator.cancel(id, 'cancelled by DELETE /v1/jobs/' + id);
    if (effect === undefined) throw unknownJob(id);
    const job = generator.jobs.get(id);
    if (job === undefined) throw unknownJob(id);
    if (effect === 'already-final') {
      throw new HttpRefusal(409, `job ${id} is already ${job.state}; only a queued or running job can be cancelled`);
    }
    if (effect === 'stopping') {
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        generator.finished(id).then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CANCEL_WAIT_MS))),
      ]);
      clearTimeout(timer);
      if (!stopped) return { status: 202, body: job.view() };
    }
    return { status: 200, body: job.view() };
  }

  /** The whole body, refused with 413 as soon as it is known to exceed the limit (nothing beyond it is kept). */
  private readBody(req: IncomingMessage): Promise<Buffer> {
    const limit = this.settings.maxBodyBytes;
    // The rest of a refused body is read and dropped, never kept, so the client can finish sending and
    // read the answer; the server's request timeout bounds how long that can take.
    const declared = declaredLength(req) ?? 0;
    if (declared > limit) {
      req.resume();
      return Promise.reject(new HttpRefusal(413, `the body is ${declared} bytes, over the limit of ${limit} bytes (TRAIN_MAX_BODY_BYTES)`));
    }
    return readBody(req, { maxBytes: limit, setting: 'TRAIN_MAX_BODY_BYTES', rest: 'drain' });
  }
}

function allow(method: string, methods: string[], path: string): void {
  if (!methods.includes(method)) {
    throw new HttpRefusal(405, `${path} takes ${methods.join(' or ')}, not ${method}`, { allow: methods.join(', ') });
  }
}

function decodedId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw unknownJob(raw); // a malformed escape names no job either
  }
}

function unknownJob(id: string): HttpRefusal {
  return new HttpRefusal(404, `no job ${JSON.stringify(id)}: it never existed, or finished long enough ago to be forgotten`);
}

function refuseBadRequest<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw new HttpRefusal(400, (e as Error).message);
  }
}

function jobSummary(options: TrainOptions, data: TrainingData): Record<string, unknown> {
  return { ...options.plan, publish: options.publish, data: data.description };
}
