// An inference thread: decodes samples, holds loaded models and runs every tensor call, so the main
// thread is left with Kafka and JSON and the two run at once. Requests are handled one at a time,
// in arrival order, so a model is never disposed under a prediction asked for before.
import { parentPort, workerData } from 'node:worker_threads';
// By layer, not the package index: this thread loads no Kafka, logging or metrics code.
import { ConfigError } from '@hotswap/shared/config';
import { ModelRejected, featureLength, withBufferViews } from '@hotswap/shared/contracts';
import { selectBackend } from '@hotswap/shared/tf';
import { decodePacked } from '../stream/batch';
import type { InferenceReply, InferenceRequest, InferenceSettings } from './threads';
import { loadServable, predictBatch, predictProbabilities, type ServableModel } from './loader';

const settings = workerData as InferenceSettings;
const port = parentPort;
if (port === null) throw new Error('inference-host runs as a worker thread only');

const models = new Map<number, ServableModel>();
let nextHandle = 1;
// One feature array for every chunk, grown to the largest: a chunk's rows are needed only until its
// tensor call returns, and a fresh 800 KB array per chunk kept the garbage collector busy.
let featureRows = new Float32Array(0);

function featureRowsFor(chunkRecords: number): Float32Array {
  const need = chunkRecords * featureLength(settings.contract.featureShape);
  if (featureRows.length < need) featureRows = new Float32Array(need);
  return featureRows;
}

function reply(message: InferenceReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function modelOf(handle: number): ServableModel {
  const model = models.get(handle);
  if (model === undefined) throw new Error(`no model with handle ${handle} on this thread (disposed?)`);
  return model;
}

async function handle(request: InferenceRequest): Promise<void> {
  switch (request.op) {
    case 'load': {
      const loaded = await loadServable(
        withBufferViews(request.record),
        settings.contract,
        { maxModelBytes: settings.maxModelBytes },
        settings.trustedKeys,
      );
      const id = nextHandle++;
      models.set(id, loaded.model);
      reply({ id: request.id, op: 'loaded', handle: id, loadMs: loaded.model.loadMs });
      return;
    }
    case 'predictPacked': {
      const { features, ...decoded } = decodePacked(request.bytes, request.ends, settings.contract, featureRowsFor(request.ends.length));
      const rows = decoded.index.length;
      const { predicted, confidence } =
        rows === 0
          ? { predicted: new Int32Array(0), confidence: new Float32Array(0) }
          : predictBatch(modelOf(request.handle), features, rows);
      const transfer = [decoded.index, decoded.createdAt, decoded.labels, predicted, confidence].map((a) => a.buffer as ArrayBuffer);
      reply({ id: request.id, op: 'predictedPacked', ...decoded, predicted, confidence }, transfer);
      return;
    }
    case 'predictRows': {
      const { predicted, confidence } = predictBatch(modelOf(request.handle), request.features, request.rows);
      reply({ id: request.id, op: 'predictedRows', predicted, confidence }, [
        predicted.buffer as ArrayBuffer,
        confidence.buffer as ArrayBuffer,
      ]);
      return;
    }
    case 'probabilities': {
      const { probabilities, classes } = predictProbabilities(modelOf(request.handle), request.features, request.rows);
      reply({ id: request.id, op: 'probabilities', probabilities, classes }, [probabilities.buffer as ArrayBuffer]);
      return;
    }
    case 'dispose': {
      models.get(request.handle)?.layers.dispose();
      models.delete(request.handle);
      return;
    }
  }
}

async function main(): Promise<void> {
  const choice = await selectBackend(settings.backend);
  let queue = Promise.resolve();
  port?.on('message', (request: InferenceRequest) => {
    queue = queue
      .then(() =>
        handle(request).catch((e: Error) =>
          reply({
            id: request.id,
            op: 'failed',
            reason: e instanceof ModelRejected ? e.reason : null,
            message: e instanceof ModelRejected ? e.detail : e.message,
          }),
        ),
      )
      // Not even the failure could be sent: its caller would wait for ever and every later request be
      // skipped. End the thread instead, which the main thread reports as fatal.
      .catch(() => process.exit(1));
  });
  reply({ id: 0, op: 'ready', ...choice });
}

main().catch((e: Error) => {
  const config = e instanceof ConfigError ? { setting: e.setting, value: e.value, expected: e.expected } : undefined;
  reply({
    id: 0,
    op: 'failed',
    reason: null,
    message: `TensorFlow backend ${settings.backend}: ${e.message}`,
    ...(config === undefined ? {} : { config }),
  });
});
