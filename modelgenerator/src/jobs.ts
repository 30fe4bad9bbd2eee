/**
 * Training jobs as a state machine, apart from the training and HTTP that drive it:
 *
 *   queued ──▶ running ──▶ published | trained | failed | cancelled
 *      └───────────────────────────────────────────────▶ cancelled
 *
 * `published`: trained and on the model topic; `trained`: trained but not published (the
 * request said not to, or a schedule version did not beat the one before).
 */
export type JobState = 'queued' | 'running' | 'published' | 'trained' | 'failed' | 'cancelled';
export const FINAL_STATES = ['published', 'trained', 'failed', 'cancelled'] as const;
export type FinalState = (typeof FINAL_STATES)[number];

/** Where a job came from. */
export type JobOrigin = 'api' | 'schedule' | 'command line' | 'continual';

/** What was asked, as GET /v1/jobs/{id} echoes it. */
export interface JobRequest {
  origin: JobOrigin;
  /** e.g. `mlp:256-128`. */
  architecture: string;
  epochs: number;
  /** Train samples asked for; null = all of the training data. */
  samples: number | null;
  dataset: string;
  /** What it trains on, e.g. `fashion-mnist train split` or `text/csv upload (300 rows)`. */
  data: string;
  /** `if-better`: only if its held-out accuracy beats the schedule's previous version. */
  publish: 'always' | 'never' | 'if-better';
}

/** Held-out figures of a trained model, as the model record carries them. */
export interface HeldOutFigures {
  accuracy: number;
  loss: number;
  testSamples: number;
  trainSamples: number;
  trainSeconds: number;
}

export interface JobView {
  id: string;
  state: JobState;
  request: JobRequest;
  /** `fraction` is over the whole job (all epochs), 0..1. */
  progress: { epoch: number; epochs: number; fraction: number };
  metrics: {
    /** Training loss and accuracy at the end of the last finished epoch. */
    trainLoss: number | null;
    trainAccuracy: number | null;
  } & { [K in keyof HeldOutFigures]: number | null };
  version: number | null;
  /** What became of the job, in a sentence (why it was not published, who cancelled it). */
  outcome: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One training job: its state and what it has reported so far. Every transition checks it is allowed. */
export class TrainingJob {
  private current: JobState = 'queued';
  private epoch = 0;
  private fraction = 0;
  private trainLoss: number | null = null;
  private trainAccuracy: number | null = null;
  private heldOut: HeldOutFigures | null = null;
  private version: number | null = null;
  private outcome: string | null = null;
  private error: string | null = null;
  private startedAt: number | null = null;
  private finishedAt: number | null = null;
  /** Why a cancel was asked for while the job ran; null while none was. */
  private cancelReason: string | null = null;

  constructor(
    readonly id: string,
    readonly request: JobRequest,
    readonly createdAt: number,
  ) {}

  get state(): JobState {
    return this.current;
  }

  get isFinal(): boolean {
    return (FINAL_STATES as readonly string[]).includes(this.current);
  }

  /** True once a cancel was asked for a running job: training should stop at the next batch. */
  get cancelRequested(): boolean {
    return this.cancelReason !== null;
  }

  start(now: number): void {
    this.move('queued', 'running');
    this.startedAt = now;
  }

  /** Training progress: `epoch` counts from 1; `epochFraction` is how much of that epoch is done. */
  progress(epoch: number, epochFraction: number, stats?: { loss: number; accuracy: number }): void {
    this.expect('running', 'report progress');
    const epochs = this.request.epochs;
    const fraction = Math.min(1, Math.max(0, (epoch - 1 + Math.min(1, Math.max(0, epochFraction))) / epochs));
    // Progress only moves forward, whatever order the reports come in.
    if (fraction >= this.fraction) {
      this.fraction = fraction;
      this.epoch = Math.min(epoch, epochs);
    }
    if (stats !== undefined) {
      this.trainLoss = stats.loss;
      this.trainAccuracy = stats.accuracy;
    }
  }

  /** Training done: `published` with a version, `trained` without one (and why not). */
  finish(now: number, heldOut: HeldOutFigures, result: { version: number } | { notPublished: string }): void {
    this.expect('running', 'finish');
    this.heldOut = { ...heldOut };
    this.fraction = 1;
    this.epoch = this.request.epochs;
    if ('version' in result) {
      this.current = 'published';
      this.version = result.version;
      this.outcome = `published as version ${result.version}`;
    } else {
      this.current = 'trained';
      this.outcome = `not published: ${result.notPublished}`;
    }
    this.finishedAt = now;
  }

  fail(now: number, message: string): void {
    this.expect('running', 'fail');
    this.current = 'failed';
    this.error = message;
    this.outcome = 'failed';
    this.finishedAt = now;
  }

  /**
   * Asks to cancel. A queued job is cancelled at once; a running one is marked, and its trainer
   * stops at the next batch and then calls `cancelled`. Says which happened.
   */
  requestCancel(now: number, reason: string): 'cancelled' | 'stopping' | 'already-final' {
    if (this.isFinal) return 'already-final';
    if (this.current === 'queued') {
      this.current = 'cancelled';
      this.outcome = reason;
      this.finishedAt = now;
      return 'cancelled';
    }
    this.cancelReason ??= reason;
    return 'stopping';
  }

  /** A running job stopped before it finished (why: the cancel's reason unless given); progress and training figures stay. */
  cancelled(now: number, reason?: string): void {
    this.expect('running', 'be cancelled');
    this.current = 'cancelled';
    this.outcome = reason ?? this.cancelReason ?? 'cancelled';
    this.finishedAt = now;
  }

  view(): JobView {
    const held = this.heldOut;
    return {
      id: this.id,
      state: this.current,
      request: { ...this.request },
      progress: { epoch: this.epoch, epochs: this.request.epochs, fraction: this.fraction },
      metrics: {
        trainLoss: this.trainLoss,
        trainAccuracy: this.trainAccuracy,
        accuracy: held?.accuracy ?? null,
        loss: held?.loss ?? null,
        testSamples: held?.testSamples ?? null,
        trainSamples: held?.trainSamples ?? null,
        trainSeconds: held?.trainSeconds ?? null,
      },
      version: this.version,
      outcome: this.outcome,
      error: this.error,
      createdAt: new Date(this.createdAt).toISOString(),
      startedAt: this.startedAt === null ? null : new Date(this.startedAt).toISOString(),
      finishedAt: this.finishedAt === null ? null : new Date(this.finishedAt).toISOString(),
    };
  }

  private expect(state: JobState, action: string): void {
    if (this.current !== state) throw new Error(`job ${this.id} cannot ${action}: it is ${this.current}, not ${state}`);
  }

  private move(from: JobState, to: JobState): void {
    if (this.current !== from) throw new Error(`job ${this.id} cannot go from ${this.current} to ${to}`);
    this.current = to;
  }
}

/** Refused because too many jobs are already waiting. */
export class QueueFull extends Error {
  constructor(readonly waiting: number) {
    super(`the training queue is full: ${waiting} jobs are waiting; try again when some have run`);
    this.name = 'QueueFull';
  }
}

/**
 * Every job the modelgenerator knows, in the order they were submitted. Keeps every job not yet
 * finished and the last `keepFinished` finished ones; refuses a job when `maxWaiting` already wait.
 */
export class JobBook {
  private readonly jobs = new Map<string, TrainingJob>();

  constructor(
    readonly keepFinished = 100,
    readonly maxWaiting = 20,
  ) {}

  /** Adds a queued job; `unlimited` lets it in even when the queue is full. */
  add(job: TrainingJob, unlimited = false): void {
    if (this.jobs.has(job.id)) throw new Error(`job ${job.id} is already in the book`);
    const waiting = this.waiting();
    if (!unlimited && waiting >= this.maxWaiting) throw new QueueFull(waiting);
    this.jobs.set(job.id, job);
    this.prune();
  }

  get(id: string): TrainingJob | undefined {
    return this.jobs.get(id);
  }

  /** Newest first. */
  list(): TrainingJob[] {
    return [...this.jobs.values()].reverse();
  }

  /** The job to run next: the oldest queued one. */
  nextQueued(): TrainingJob | undefined {
    for (const job of this.jobs.values()) if (job.state === 'queued') return job;
    return undefined;
  }

  waiting(): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.state === 'queued') n++;
    return n;
  }

  /** Forgets the oldest finished jobs beyond `keepFinished`; call when a job finishes. */
  prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.isFinal);
    for (const job of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.jobs.delete(job.id);
  }
}
