import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { bufferView, withBufferViews, type ModelRecord, type ModelRole, type TransportSettings } from '@hotswap/shared';

/** Where a record sits in its topic, for log lines. */
export interface RecordPlace {
  topic: string;
  partition: number;
  offset: string;
}

/** One record of the model topic as the reading thread hands it over (tombstones are skipped there). */
export type ModelFeedItem =
  | { kind: 'model'; place: RecordPlace; model: ModelRecord; role: ModelRole }
  | { kind: 'control'; place: RecordPlace; value: Buffer }
  | { kind: 'undecodable'; place: RecordPlace; message: string };

/** Buffers cross threads as plain Uint8Arrays: views of the same memory as Buffers again. */
function asBuffers(item: ModelFeedItem): ModelFeedItem {
  switch (item.kind) {
    case 'control':
      return { ...item, value: bufferView(item.value) };
    case 'model':
      return { ...item, model: withBufferViews(item.model) };
    case 'undecodable':
      return item;
  }
}

/** What the model-topic thread is started with. */
export interface ModelFeedSettings {
  transport: TransportSettings;
  topic: string;
  /** Prefix of the private consumer group the thread reads with. */
  groupPrefix: string;
  logLevel: string;
}

/** Thread -> main. */
export type ModelFeedMessage =
  { op: 'item'; id: number; item: ModelFeedItem } | { op: 'caught-up' } | { op: 'reading' } | { op: 'failed'; message: string };

/** Main -> thread. */
export type ModelFeedCommand = { op: 'handled'; id: number; error: string | null } | { op: 'stop' };

/**
 * The model topic, read from its start in a thread of its own. A new model record is megabytes:
 * fetching and decoding it on the main thread held up the predictions in flight (the swap's p99).
 * Here the thread fetches and decodes it, and hands the record over with its weights (moved, not
 * copied); the main thread copies them once more only to load them. Records are handed over one
 * at a time: the next waits until the main thread has handled this one, as a consumer reading
 * record by record would, and one whose handling failed is handed over again.
 */
export class ModelFeedThread {
  private worker: Worker | undefined;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly settings: ModelFeedSettings,
    private readonly onFatal: (e: Error) => void,
  ) {}

  /**
   * Starts reading. `onItem` is called for each record in topic order, never two at once; `onCaughtUp`
   * once the records that were in the topic at the start have all been handed over. Resolves once
   * the thread reads; throws if it could not start or was stopped first.
   */
  start(onItem: (item: ModelFeedItem) => Promise<void>, onCaughtUp: () => void): Promise<void> {
    const worker = new Worker(join(__dirname, 'feed-host.js'), { workerData: this.settings, name: 'model-feed' });
    this.worker = worker;
    let exited: () => void = () => undefined;
    this.stopped = new Promise((resolve) => (exited = resolve));
    return new Promise<void>((resolveStart, rejectStart) => {
      let reading = false;
      const fail = (e: Error): void => {
        if (!reading) rejectStart(e);
        else if (this.worker !== undefined) this.onFatal(e);
      };
      worker.on('message', (message: ModelFeedMessage) => {
        // Once stop() is called nothing more is handed on; the thread, told so, lets the record go.
        const stopped = this.worker !== worker;
        switch (message.op) {
          case 'reading':
            if (stopped) return;
            reading = true;
            resolveStart();
            return;
          case 'item':
            if (stopped) {
              worker.postMessage({ op: 'handled', id: message.id, error: 'stopping' } satisfies ModelFeedCommand);
              return;
            }
            // A record whose handling failed is read again, as a consumer retries a failed batch.
            onItem(asBuffers(message.item)).then(
              () => worker.postMessage({ op: 'handled', id: message.id, error: null } satisfies ModelFeedCommand),
              (e: Error) => worker.postMessage({ op: 'handled', id: message.id, error: e.message } satisfies ModelFeedCommand),
            );
            return;
          case 'caught-up':
            onCaughtUp();
            return;
          case 'failed':
            fail(new Error(`reading ${this.settings.topic}: ${message.message}`));
            return;
        }
      });
      worker.on('error', (e) => fail(new Error(`model-topic thread failed: ${e.message}`, { cause: e })));
      worker.on('exit', (code) => {
        exited();
        // Stopped while reading is an ordinary end; stopped before, the start still has to settle.
        if (this.worker !== undefined) fail(new Error(`model-topic thread exited with code ${code}`));
        else if (!reading) rejectStart(new Error(`model-topic thread stopped before it began reading ${this.settings.topic}`));
      });
    });
  }

  /** Stops reading (the record being handled is finished first) and ends the thread. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    worker.postMessage({ op: 'stop' } satisfies ModelFeedCommand);
    // The thread leaves its group and exits; a thread that hangs is ended after a grace period.
    const grace = setTimeout(() => void worker.terminate(), 10_000);
    await this.stopped;
    clearTimeout(grace);
  }
}
