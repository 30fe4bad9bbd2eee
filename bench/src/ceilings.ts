import {
  DEFAULT_DATA_PARTITIONS,
  PREDICTION_CONTENT_TYPE,
  dataTopicSpec,
  featuresOf,
  modelCodec,
  predictionTopicSpec,
  recordToModel,
  tf,
  verifyModelRecord,
  type InboundRecord,
  type ModelRecord,
} from '@hotswap/shared';
import { percentile } from './measure';
import { BATCH, DATA_CONTRACT, FEATURES } from './options';
import { benchId, kafka, prefill, topicNames, type HeldOut } from './run';

/** Normalized features of `rows` held-out samples, as the predictor assembles a batch. */
function featureBatch(held: HeldOut, rows: number): Float32Array {
  const x = new Float32Array(rows * FEATURES);
  for (let r = 0; r < rows; r++) {
    const pixels = featuresOf(held.dataset, held.test[r] as number);
    for (let f = 0; f < FEATURES; f++) x[r * FEATURES + f] = (pixels[f] as number) / 255;
  }
  return x;
}

/** Samples/s of the model loaded from its record, batch BATCH (the predictor's default), as the predictor's predictBatch does it. */
export async function inferenceCeiling(record: ModelRecord, held: HeldOut, seconds: number): Promise<number> {
  const model = await recordToModel(record);
  const features = featureBatch(held, BATCH);
  const once = () =>
    tf.tidy(() => {
      const probs = model.predict(tf.tensor2d(features, [BATCH, FEATURES])) as tf.Tensor2D;
      probs.argMax(1).dataSync();
      probs.max(1).dataSync();
    });
  try {
    for (let i = 0; i < 3; i++) once(); // warm-up: kernels compile on first use
    let rows = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      once();
      rows += BATCH;
    }
    return rows / ((performance.now() - started) / 1000);
  } finally {
    model.dispose();
  }
}

/** Milliseconds to decode, verify, load and warm up a record in-process (median of 3): the swap's floor. */
export async function loadFloor(record: ModelRecord): Promise<number> {
  const bytes = modelCodec.encode(record);
  const headers = modelCodec.headers();
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const decoded = modelCodec.decode(bytes, headers);
    verifyModelRecord(decoded, DATA_CONTRACT, { maxModelBytes: 256 * 1024 * 1024 });
    const model = await recordToModel(decoded);
    tf.tidy(() => (model.predict(tf.zeros([1, FEATURES])) as tf.Tensor).dataSync());
    times.push(performance.now() - started);
    model.dispose();
  }
  return percentile(times, 0.5) as number;
}

/** The transport loop's figure: records/s after its first chunk, over the span of its stamps. */
export interface Transport {
  perSecond: number;
  records: number;
  spanMs: number;
}

/**
 * Records/s of a consume -> produce loop with no model: the predictor's loop (same consumer and
 * producer settings, chunks of 256, one small JSON record out per record in, offsets marked done
 * after the send) with the decoding and the model taken out.
 */
export async function transportCeiling(n: number, held: HeldOut): Promise<Transport> {
  const t = topicNames('transport');
  await kafka().waitForTopics([dataTopicSpec(t.data, DEFAULT_DATA_PARTITIONS), predictionTopicSpec(t.prediction, DEFAULT_DATA_PARTITIONS)]);
  await prefill(held, t.data, n, `${benchId}t`);
  const producer = kafka().producer();
  await producer.connect();
  const consumer = kafka().consumer({ groupId: t.group, fromBeginning: true });
  let done = 0;
  let first: number | undefined;
  let firstChunk = 0;
  let last = 0;
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((resolveDone, rejectDone) => {
    finished = () => resolveDone(undefined);
    // The consumer restarts itself on errors, so a loop that stalls is caught by time instead.
    setTimeout(() => rejectDone(new Error(`transport loop stalled: ${done} of ${n} records in 5 min`)), 300_000).unref();
  });
  try {
    await consumer.connect();
    await consumer.subscribe([t.data]);
    await consumer.run(async (batch) => {
      for (let i = 0; i < batch.records.length; i += BATCH) {
        if (!batch.isActive()) return;
        const chunk = batch.records.slice(i, i + BATCH);
        const now = Date.now();
        const out = chunk.map((r) => ({
          key: r.key,
          value: JSON.stringify({
            key: r.key?.toString() ?? null,
            bytes: r.value?.length ?? 0,
            forwardedAt: now,
            source: { topic: r.topic, partition: r.partition, offset: r.offset },
          }),
          headers: { 'content-type': PREDICTION_CONTENT_TYPE },
        }));
        await producer.send(t.prediction, out);
        batch.markDone((chunk[chunk.length - 1] as InboundRecord).offset);
        await batch.heartbeat();
        if (first === undefined) {
          first = now;
          firstChunk = chunk.length;
        }
        last = now;
        done += chunk.length;
        if (done >= n) finished();
      }
      await batch.commit();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      allDone,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`transport loop: ${done} of ${n} records after ${60 + n / 200} s`)),
          (60 + n / 200) * 1000,
        );
      }),
    ]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  const spanMs = last - (first as number);
  return { perSecond: ((done - firstChunk) * 1000) / Math.max(1, spanMs), records: done, spanMs };
}

/**
 * Tensors in this process before and after `n` swaps done as the predictor does them: a serving
 * model stays loaded while the next is loaded and warmed up, then the old one is disposed.
 */
export async function inProcessTensors(record: ModelRecord, n: number): Promise<{ before: number; after: number }> {
  const load = async () => {
    const model = await recordToModel(record);
    tf.tidy(() => (model.predict(tf.zeros([1, FEATURES])) as tf.Tensor).dataSync());
    return model;
  };
  let serving = await load();
  const before = tf.memory().numTensors;
  for (let i = 0; i < n; i++) {
    const next = await load();
    serving.dispose();
    serving = next;
  }
  const after = tf.memory().numTensors;
  serving.dispose();
  return { before, after };
}
