// The model-topic thread: reads the topic from its start, decodes model records and hands them to
// the main thread with their weights moved, not copied, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
// By layer, not the package index: the index loads TensorFlow.js, which this thread never uses.
import { isControlRecord, modelCodec, modelRole } from '@hotswap/shared/contracts';
import { createTransport, type InboundRecord, type TopicReader } from '@hotswap/shared/transport';
import { createLogger } from '@hotswap/shared/telemetry';
import type { ModelFeedCommand, ModelFeedItem, ModelFeedMessage, ModelFeedSettings } from './feed';

const settings = workerData as ModelFeedSettings;
const port = parentPort;
if (port === null) throw new Error('model-feed-host runs as a worker thread only');

const logger = createLogger({ service: 'predictor', level: settings.logLevel });
const transport = createTransport(settings.transport, logger);
const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let nextId = 1;
let stopping = false;

function send(message: ModelFeedMessage, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

/** The bytes in an ArrayBuffer of their own, to hand over: a view into a larger one would post all of it. */
function own(bytes: Buffer): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

function itemOf(record: InboundRecord): ModelFeedItem | null {
  const place = { topic: record.topic, partition: record.partition, offset: record.offset };
  if (record.value === null) return null; // a tombstone: nothing to load
  if (isControlRecord(record.headers)) return { kind: 'control', place, value: own(record.value) as Buffer };
  try {
    const model = modelCodec.decode(record.value, record.headers);
    const signature = model.signature === null ? null : (own(model.signature) as Buffer);
    return { kind: 'model', place, model: { ...model, weights: own(model.weights) as Buffer, signature }, role: modelRole(record.headers) };
  } catch (e) {
    return { kind: 'undecodable', place, message: (e as Error).message };
  }
}

/** Hands a record over and resolves once the main thread has handled it. */
function handOver(record: InboundRecord): Promise<void> {
  const item = itemOf(record);
  if (item === null) return Promise.resolve();
  const id = nextId++;
  const handled = new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject }));
  // Handed over, not copied: the weights are megabytes.
  const bytes = item.kind === 'control' ? [item.value] : item.kind === 'model' ? [item.model.weights, item.model.signature] : [];
  send(
    { op: 'item', id, item },
    bytes.flatMap((b) => (b === null ? [] : [b.buffer as ArrayBuffer])),
  );
  return handled;
}

port.on('message', (command: ModelFeedCommand) => {
  if (command.op === 'handled') {
    const waiter = waiting.get(command.id);
    waiting.delete(command.id);
    // A failure goes back to the consumer, which reads the record again after a backoff; not when
    // stopping, when the thread leaves and the read again would only be an error in the log.
    if (command.error === null || stopping) waiter?.resolve();
    else waiter?.reject(new Error(`handling the model record failed: ${command.error}`));
  } else {
    stopping = true;
    void stop();
  }
});

async function stop(): Promise<void> {
  try {
    // Also when asked before reading began: the consumer it starts is disconnected at once.
    await (await reading.catch(() => undefined))?.disconnect();
  } catch (e) {
    // The thread ends all the same; the broker drops the private group's member after its session.
    logger.warn(`model-topic thread: leaving ${settings.topic} failed: ${(e as Error).message}`);
  } finally {
    port?.close();
    logger.end();
  }
}

const reading: Promise<TopicReader> = transport.readFromStart(settings.topic, settings.groupPrefix, handOver, () =>
  send({ op: 'caught-up' }),
);
reading.then(
  () => send({ op: 'reading' }),
  (e: Error) => {
    send({ op: 'failed', message: e.message });
    port.close();
  },
);
