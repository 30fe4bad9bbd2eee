import {
  DecodeError,
  requestCodec,
  type DataContract,
  type PredictionRecord,
  type ReplyItem,
  type SampleRecord,
} from '@hotswap/shared/contracts';
import type { InboundRecord } from '@hotswap/shared/kafka';
import { FeatureRows } from '../stream/batch';
import { deadLetter, type BatchOutput } from '../stream/output';
import type { Turn } from '../stream/turns';
import { isUnanswerable, replyAddressOf, replyRecord, requestError, unpredictedItem, type ReplyAddress } from './answerable';

/** What answering a batch's requests needs from the predictor. */
export interface RequestContext {
  /** The pipeline's own topics, which no reply may go to. */
  ownTopics: readonly string[];
  topicExists(topic: string): Promise<boolean>;
  data: DataContract;
  batchSize: number;
  /** The version that predicts every sample of these requests. */
  model: { name: string; version: number };
  predictRows(features: Float32Array, rows: number): Promise<{ predicted: Int32Array; confidence: Float32Array }>;
  /** Scores one prediction in the running figures and adds it to the batch's output. */
  score(sample: SampleRecord, source: InboundRecord, predicted: number, confidence: number, now: number): PredictionRecord;
  replica: string;
}

/** A request record read far enough to know where its reply goes. */
interface AddressedRequest extends ReplyAddress {
  source: InboundRecord;
  requestId: string | null;
  requestCreatedAt: number | null;
  /** Samples in request order, each with its row in the batch's features or why it has none. */
  items: { sample: SampleRecord | null; row: number | null; error: string | null }[];
  /** Set when the request as a whole could not be read. */
  error: string | null;
}

/**
 * Answers a fetched run of request records: one reply each, to the topic its headers name, with
 * every sample predicted by one version, scored in the batch's turn. A record with no usable reply
 * address is dead-lettered; one that cannot be read is answered with the reason and dead-lettered.
 */
export async function answerRequests(
  records: readonly InboundRecord[],
  context: RequestContext,
  output: BatchOutput,
  scoring: Turn,
): Promise<void> {
  const requests = await addressed(records, context, output);
  if (requests.length === 0) return;
  const rows = new FeatureRows(
    context.data,
    requests.reduce((n, r) => n + r.items.length, 0),
  );
  for (const item of requests.flatMap((r) => r.items)) {
    const problem = rows.add(item.sample as SampleRecord);
    if (problem === null) item.row = rows.count - 1;
    else item.error = `${problem.reason}: ${problem.detail}`;
  }
  const length = rows.features.length / Math.max(1, rows.count);
  const predicted = new Int32Array(rows.count);
  const confidence = new Float32Array(rows.count);
  const calls: Promise<void>[] = [];
  for (let start = 0; start < rows.count; start += context.batchSize) {
    const n = Math.min(context.batchSize, rows.count - start);
    // A copy per call: its buffer is handed over to the thread.
    const features = rows.features.slice(start * length, (start + n) * length);
    calls.push(
      context.predictRows(features, n).then((result) => {
        predicted.set(result.predicted, start);
        confidence.set(result.confidence, start);
      }),
    );
  }
  await Promise.all(calls);
  await scoring.ready;
  const now = Date.now();
  for (const request of requests) {
    const items: ReplyItem[] = request.items.map(({ sample, row, error }) => {
      if (row === null || sample === null) return unpredictedItem(sample, error);
      const p = context.score(sample, request.source, predicted[row] as number, confidence[row] as number, now);
      return {
        sampleId: p.sampleId,
        predicted: p.predicted,
        predictedClass: p.predictedClass,
        confidence: p.confidence,
        label: p.label,
        correct: p.correct,
      };
    });
    const predictedAny = items.some((i) => !('error' in i));
    const record = replyRecord(request, {
      requestId: request.requestId,
      model: predictedAny ? context.model : null,
      predictions: items,
      error: request.error,
      requestCreatedAt: request.requestCreatedAt,
      repliedAt: now,
      predictor: context.replica,
    });
    const replies = output.replies.get(request.replyTopic) ?? [];
    replies.push(record);
    output.replies.set(request.replyTopic, replies);
  }
}

/** The records that have a usable reply address, read; the others dead-lettered. */
async function addressed(records: readonly InboundRecord[], context: RequestContext, output: BatchOutput): Promise<AddressedRequest[]> {
  const requests: AddressedRequest[] = [];
  // Looked up once per batch: a miss waits for the next listing, which per record added up to seconds.
  const replyTopics = new Map<string, boolean>();
  for (const source of records) {
    const address = replyAddressOf(source.headers, context.ownTopics);
    if (isUnanswerable(address)) {
      output.deadLetters.push(deadLetter(source, address.reason, address.detail));
      output.rejected.push(address.reason);
      continue;
    }
    let exists = replyTopics.get(address.replyTopic);
    if (exists === undefined) {
      exists = await context.topicExists(address.replyTopic);
      replyTopics.set(address.replyTopic, exists);
    }
    if (!exists) {
      output.deadLetters.push(deadLetter(source, 'bad-reply-topic', `reply topic ${address.replyTopic} does not exist`));
      output.rejected.push('bad-reply-topic');
      continue;
    }
    const request: AddressedRequest = { source, ...address, requestId: null, requestCreatedAt: null, items: [], error: null };
    requests.push(request);
    try {
      const decoded = requestCodec.decode(source.value ?? Buffer.alloc(0), source.headers);
      request.requestId = decoded.requestId;
      request.requestCreatedAt = decoded.createdAt;
      request.error = requestError(decoded.samples);
      if (request.error === null) request.items = decoded.samples.map((sample) => ({ sample, row: null, error: null }));
    } catch (e) {
      request.error = `request not readable: ${(e as Error).message}`;
      // Kept for whoever debugs the client, like any record we cannot read.
      const reason = e instanceof DecodeError ? e.reason : 'invalid-record';
      output.deadLetters.push(deadLetter(source, reason, (e as Error).message));
      output.rejected.push(reason);
    }
  }
  return requests;
}
