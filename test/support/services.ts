import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaClient, createLogger, type InboundRecord, type OutboundRecord } from '@hotswap/shared';

export const REPO = join(__dirname, '..', '..', '..');

export function brokers(): string {
  const b = process.env['HOTSWAP_TEST_BROKERS'];
  if (b === undefined)
    throw new Error(process.env['HOTSWAP_TEST_BROKERS_FAILURE'] ?? 'HOTSWAP_TEST_BROKERS is not set: the global setup did not run');
  return b;
}

/** Topic and group names no other test uses, so tests share one broker without interfering. */
export function isolatedNames(label: string) {
  const id = `${label}-${randomBytes(3).toString('hex')}`;
  const topics = {
    dataTopic: `t.${id}.data`,
    modelTopic: `t.${id}.model`,
    predictionTopic: `t.${id}.prediction`,
    deadLetterTopic: `t.${id}.deadletter`,
    requestTopic: `t.${id}.request`,
    replyTopic: `t.${id}.reply`,
  };
  return {
    id,
    ...topics,
    group: `g.${id}`,
    /** The services' settings naming these topics. */
    env: {
      DATA_TOPIC: topics.dataTopic,
      MODEL_TOPIC: topics.modelTopic,
      PREDICTION_TOPIC: topics.predictionTopic,
      DEAD_LETTER_TOPIC: topics.deadLetterTopic,
      REQUEST_TOPIC: topics.requestTopic,
      REPLY_TOPIC: topics.replyTopic,
    },
  };
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `hotswap-${label}-`));
}

/** A service running as its own process, as a user would run it: node <service>/dist/main.js. */
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private readonly waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly service: 'datagenerator' | 'modelgenerator' | 'predictor' | 'dashboard',
    env: Record<string, string>,
    args: string[] = [],
  ) {
    this.child = spawn(process.execPath, [join(REPO, service, 'dist', 'main.js'), ...args], {
      cwd: REPO,
      // No fixed ports by default: a test that wants an HTTP API asks for port 0 and reads the log line.
      env: { ...process.env, KAFKA_BROKERS: brokers(), METRICS_PORT: '-1', HTTP_PORT: '-1', TRAIN_PORT: '-1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (line === '') continue;
        this.lines.push(line);
        if (process.env['HOTSWAP_TEST_VERBOSE'] === '1') process.stderr.write(`[${service}] ${line}\n`);
        for (const w of [...this.waiters]) {
          if (w.pattern.test(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    // 'close', not 'exit': by then every line the process wrote has been read (stdio can outlast 'exit').
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first line (already seen from line `since` on, or future) matching the pattern. */
  waitFor(pattern: RegExp, timeoutMs = 60_000, since = 0): Promise<string> {
    const seen = this.lines.slice(since).find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `${this.service}: no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).join('\n')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`${this.service} exited (${code}) before a line matching ${pattern}; last lines:\n${this.lines.slice(-15).join('\n')}`),
        );
      });
    });
  }

  /** Resolves with the exit code, failing if the process outlives the timeout. */
  async exitCode(timeoutMs = 60_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.service} still running after ${timeoutMs} ms:\n${this.lines.slice(-15).join('\n')}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then the exit code; SIGKILL if it does not exit in time (and fail). */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill('SIGTERM');
    try {
      return await this.exitCode(timeoutMs);
    } catch (e) {
      this.child.kill('SIGKILL');
      throw e;
    }
  }
}

/** After-hook clean-up: stops the services a suite started; those its set-up never reached are undefined. */
export async function stopStarted(...services: (ServiceProcess | undefined)[]): Promise<void> {
  await Promise.all(services.map((s) => s?.stop()));
}

/** Reads a topic from its start until `done` says enough, or fails at the timeout with what it has. */
export function readTopic(topic: string, done: (records: InboundRecord[]) => boolean, timeoutMs = 60_000): Promise<InboundRecord[]> {
  return readTopicUntil(topic, done, timeoutMs, () => undefined);
}

async function readTopicUntil(
  topic: string,
  done: (records: InboundRecord[]) => boolean,
  timeoutMs: number,
  onCaughtUp: () => void,
): Promise<InboundRecord[]> {
  const logger = createLogger({ service: 'test-reader', level: 'error' });
  const kafka = new KafkaClient({ brokers: brokers().split(','), clientId: 'hotswap-test', ssl: false }, logger);
  const records: InboundRecord[] = [];
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  // Conditions parse every record read so far: checked once per burst, not once per record, which
  // is quadratic and starved this process's heartbeats under load (its group then had to rejoin).
  let checkScheduled = false;
  const consumer = await kafka.readFromStart(
    topic,
    'hotswap-test-reader',
    async (r) => {
      records.push(r);
      if (checkScheduled) return;
      checkScheduled = true;
      setImmediate(() => {
        checkScheduled = false;
        if (done(records)) finish();
      });
    },
    () => {
      onCaughtUp();
      if (done(records)) finish();
    },
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`topic ${topic}: condition not met within ${timeoutMs} ms (${records.length} records read)`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return records;
}

/**
 * Waits until a consumer group has committed every record now in a topic. A predictor commits its
 * input offsets in the transaction of its predictions, so once its group has caught up, any
 * prediction it would write twice would already be on the prediction topic: the condition that
 * makes "no duplicate" checkable without waiting an arbitrary time.
 */
export async function groupCaughtUp(group: string, topic: string, timeoutMs = 60_000): Promise<void> {
  const kafka = new KafkaClient(
    { brokers: brokers().split(','), clientId: 'hotswap-test', ssl: false },
    createLogger({ service: 'test-admin', level: 'error' }),
  );
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [ends, committed] = await Promise.all([kafka.endOffsets(topic), kafka.committedOffsets(group, topic)]);
    const behind = [...ends].filter(([partition, end]) => committed.get(partition) !== end);
    if (behind.length === 0) return;
    if (Date.now() > until) {
      const detail = behind.map(([p, end]) => `partition ${p}: committed ${committed.get(p) ?? 'none'} of ${end}`).join(', ');
      throw new Error(`group ${group} did not catch up on ${topic} within ${timeoutMs} ms (${detail})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Reads a value again until `settled` holds or `timeoutMs` passes, and returns the last one read:
 * the caller's assertions then say what was wrong. For figures (metrics) updated a moment after
 * the records they count became readable.
 */
export async function settledValue<T>(read: () => Promise<T>, settled: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (settled(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every record in the topic right now: reads from the start until it has caught up. */
export async function readAll(topic: string, timeoutMs = 60_000): Promise<InboundRecord[]> {
  let caughtUp = false;
  const records = await readTopicUntil(
    topic,
    () => caughtUp,
    timeoutMs,
    () => (caughtUp = true),
  );
  return records;
}

/** Parsed prediction records in the order this predictor made them. */
export function predictionsOf(records: InboundRecord[]): PredictionLike[] {
  return records.map((r) => JSON.parse((r.value as Buffer).toString()) as PredictionLike).sort((a, b) => a.predictions - b.predictions);
}

export interface PredictionLike {
  sampleId: string;
  model: { name: string; version: number };
  predicted: number;
  label: number | null;
  correct: boolean | null;
  accuracy: number | null;
  count: number;
  predictions: number;
  predictor: string;
  predictedAt: number;
  challenger?: { version: number; predicted: number; correct: boolean | null };
}

/** Writes records as they are (bad ones included) to a topic, for tests of what the services refuse. */
export async function produceRaw(topic: string, records: OutboundRecord[]): Promise<void> {
  const logger = createLogger({ service: 'test-producer', level: 'error' });
  const kafka = new KafkaClient({ brokers: brokers().split(','), clientId: 'hotswap-test', ssl: false }, logger);
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send(topic, records);
  } finally {
    await producer.disconnect();
  }
}

/** Reads one metric's samples from a Prometheus text page: label set (less `service`) -> value. */
export function metricValues(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
    const labels = (m[1] ?? '').replace(/,?service="[^"]*"/, '').replace('{,', '{');
    out.set(labels === '{}' ? '' : labels, Number(m[2]));
  }
  return out;
}

/**
 * Asserts that predictions in the order made switch once from version `from` to `to` and never
 * back, after at least `before` by `from`; returns where the switch is.
 */
export function assertOneSwitch(versions: number[], from: number, to: number, before = 1): number {
  const switchAt = versions.indexOf(to);
  if (switchAt < before) throw new Error(`v${from} served the first ${before} at least (v${to} from ${switchAt})`);
  const back = versions.findIndex((v, i) => (i < switchAt ? v !== from : v !== to));
  if (back !== -1)
    throw new Error(
      `only v${from} before the switch at ${switchAt} and only v${to} after it: prediction ${back} was by v${versions[back]}`,
    );
  return switchAt;
}
