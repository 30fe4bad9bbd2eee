import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  ConfigError,
  ModelRejected,
  modelMetadata,
  type BackendChoice,
  type BackendPreference,
  type DataContract,
  type ModelMetadata,
  type ModelRecord,
  type RejectionReason,
} from '@hotswap/shared';
import type { DecodedChunk } from '../stream/batch';

/** What an inference thread is started with. */
export interface InferenceSettings {
  /** TF_BACKEND: each thread picks its backend as selectBackend does; the pair checks they agree. */
  backend: BackendPreference;
  contract: DataContract;
  maxModelBytes: number;
  /** Public keys by id; empty means signatures are not checked. */
  trustedKeys: ReadonlyMap<string, KeyObject>;
}

/** A model loaded in an inference thread, as the main thread knows it: where it lives and what it was published with. */
export interface HostedModel {
  thread: InferenceThread;
  handle: number;
  record: ModelMetadata;
  /** Milliseconds from the start of verification to the end of warm-up, in its thread. */
  loadMs: number;
}

/** A chunk of samples decoded and predicted: DecodedChunk's fields without the features, plus each row's class and its probability. */
export type ChunkPrediction = Omit<DecodedChunk, 'features'> & { predicted: Int32Array; confidence: Float32Array };

export type InferenceRequest =
  | { id: number; op: 'load'; record: ModelRecord }
  | { id: number; op: 'predictPacked'; handle: number; bytes: Uint8Array; ends: Uint32Array }
  | { id: number; op: 'predictRows'; handle: number; features: Float32Array; rows: number }
  | { id: number; op: 'probabilities'; handle: number; features: Float32Array; rows: number }
  | { id: number; op: 'dispose'; handle: number };

export type InferenceReply =
  | ({ id: number; op: 'ready' } & BackendChoice)
  | {
      id: number;
      op: 'failed';
      reason: RejectionReason | null;
      message: string;
      config?: { setting: string; value: string; expected: string };
    }
  | { id: number; op: 'loaded'; handle: number; loadMs: number }
  | ({ id: number; op: 'predictedPacked' } & ChunkPrediction)
  | { id: number; op: 'predictedRows'; predicted: Int32Array; confidence: Float32Array }
  | { id: number; op: 'probabilities'; probabilities: Float32Array; classes: number };

type Answer<Op extends InferenceReply['op']> = Extract<InferenceReply, { op: Op }>;

/**
 * One inference thread, seen from the main thread: it decodes samples, holds models and runs
 * their tensor calls, so the main thread keeps only Kafka and JSON and the two overlap. Calls are
 * answered in the order made. Arrays go over by transfer, not by copy.
 */
export class InferenceThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: InferenceReply) => void; reject: (e: Error) => void }>();
  private stopping = false;

  constructor(
    readonly name: string,
    private readonly settings: InferenceSettings,
    private readonly onFatal: (e: Error) => void,
  ) {}

  /** Starts the thread and resolves with the backend it chose, once it is ready. Throws ConfigError for a TF_BACKEND it cannot run. */
  async start(): Promise<BackendChoice> {
    const worker = new Worker(join(__dirname, 'host.js'), { workerData: this.settings, name: this.name });
    this.worker = worker;
    const ready = this.expect(0);
    worker.on('message', (reply: InferenceReply) => {
      const waiter = this.pending.get(reply.id);
      if (waiter === undefined) return;
      this.pending.delete(reply.id);
      if (reply.op === 'failed' && reply.config !== undefined) {
        waiter.reject(new ConfigError(reply.config.setting, reply.config.value, reply.config.expected));
      } else if (reply.op === 'failed') {
        waiter.reject(reply.reason === null ? new Error(reply.message) : new InferenceRejection(reply.reason, reply.message));
      } else {
        waiter.resolve(reply);
      }
    });
    worker.on('error', (e) => this.died(new Error(`inference thread ${this.name} failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => {
      if (!this.stopping) this.died(new Error(`inference thread ${this.name} exited with code ${code}`));
    });
    const { backend, reason } = (await ready) as Answer<'ready'>;
    return { backend, reason };
  }

  /** Verifies, builds and warms up a record here. Throws ModelRejected with the reason when it cannot serve. */
  async load(record: ModelRecord): Promise<HostedModel> {
    // Weights and signature in buffers of their own, handed over: they may be views into a larger
    // buffer, which posting a view would copy entirely, and the catalog keeps the record's own.
    const weights = new Uint8Array(record.weights);
    const signature = record.signature === null ? null : new Uint8Array(record.signature);
    const transfer = [weights.buffer, ...(signature === null ? [] : [signature.buffer])];
    let reply: Answer<'loaded'>;
    try {
      const copy = { ...record, weights: weights as Buffer, signature: signature as Buffer | null };
      reply = (await this.call({ id: this.nextId++, op: 'load', record: copy }, transfer)) as Answer<'loaded'>;
    } catch (e) {
      if (e instanceof InferenceRejection) throw new ModelRejected(e.reason, record.name, record.version, e.message);
      throw e;
    }
    return { thread: this, handle: reply.handle, record: modelMetadata(record), loadMs: reply.loadMs };
  }

  /** Decodes packed sample values and predicts the usable ones with one tensor call. The arrays are handed over. */
  async predictPacked(model: HostedModel, bytes: Uint8Array, ends: Uint32Array): Promise<ChunkPrediction> {
    const request: InferenceRequest = { id: this.nextId++, op: 'predictPacked', handle: model.handle, bytes, ends };
    const {
      id: _i,
      op: _o,
      ...prediction
    } = (await this.call(request, [bytes.buffer as ArrayBuffer, ends.buffer as ArrayBuffer])) as Answer<'predictedPacked'>;
    return prediction;
  }

  /** The class and its probability of each of `rows` rows of normalized features. `features` is handed over. */
  async predictRows(
    model: HostedModel,
    features: Float32Array,
    rows: number,
  ): Promise<{ predicted: Int32Array; confidence: Float32Array }> {
    const reply = (await this.call({ id: this.nextId++, op: 'predictRows', handle: model.handle, features, rows }, [
      features.buffer as ArrayBuffer,
    ])) as Answer<'predictedRows'>;
    return { predicted: reply.predicted, confidence: reply.confidence };
  }

  /** Every class probability of each of `rows` rows, rows x classes. `features` is handed over. */
  async probabilities(model: HostedModel, features: Float32Array, rows: number): Promise<{ probabilities: Float32Array; classes: number }> {
    const reply = (await this.call({ id: this.nextId++, op: 'probabilities', handle: model.handle, features, rows }, [
      features.buffer as ArrayBuffer,
    ])) as Answer<'probabilities'>;
    return { probabilities: reply.probabilities, classes: reply.classes };
  }

  /** Frees a model; calls already made with it are answered first (the thread works in order). */
  dispose(model: HostedModel): void {
    if (this.worker === undefined || this.stopping) return;
    this.worker.postMessage({ id: this.nextId++, op: 'dispose', handle: model.handle } satisfies InferenceRequest);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker?.terminate();
    this.failAll(new Error(`inference thread ${this.name} stopped`));
  }

  private expect(id: number): Promise<InferenceReply> {
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  private call(request: InferenceRequest, transfer: ArrayBuffer[] = []): Promise<InferenceReply> {
    if (this.worker === undefined || this.stopping) return Promise.reject(new Error(`inference thread ${this.name} is not running`));
    const answered = this.expect(request.id);
    this.worker.postMessage(request, transfer);
    return answered;
  }

  /** The thread is gone: every call waiting fails, later calls fail at once, and the service is told. */
  private died(e: Error): void {
    this.worker = undefined;
    this.failAll(e);
    if (!this.stopping) this.onFatal(e);
  }

  private failAll(e: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(e);
  }
}

/** A model the thread refused, with the reason (the main thread turns it into ModelRejected with the version). */
class InferenceRejection extends Error {
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Two inference threads: the serving version's, and the other, where the next version loads, so a
 * load (tens of milliseconds for a large model) never holds up the predictions queued behind it.
 */
export class InferencePair {
  readonly threads: readonly [InferenceThread, InferenceThread];

  constructor(settings: InferenceSettings, onFatal: (e: Error) => void) {
    this.threads = [new InferenceThread('inference-a', settings, onFatal), new InferenceThread('inference-b', settings, onFatal)];
  }

  /** Starts both threads; resolves with the backend they run (the same, or it throws). */
  async start(): Promise<BackendChoice> {
    const [a, b] = await Promise.all(this.threads.map((t) => t.start()));
    if (a === undefined || b === undefined || a.backend !== b.backend) {
      throw new Error(`inference threads chose different TensorFlow backends: ${a?.backend} and ${b?.backend}`);
    }
    return a;
  }

  /** The thread a new version loads on: not the one `next` (the version that takes the next batch) lives on. */
  besides(next: InferenceThread | undefined): InferenceThread {
    return next === this.threads[0] ? this.threads[1] : this.threads[0];
  }

  async stop(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
  }
}
