import { AvroCodec, loadSchema } from './codec';

export type FeatureType = 'UINT8' | 'FLOAT32';

/** A sample on the data topic (schemas/sample.avsc). */
export interface SampleRecord {
  sampleId: string;
  dataset: string;
  createdAt: number;
  shape: number[];
  dtype: FeatureType;
  features: Buffer;
  label: number | null;
}

export interface HeldOutMetrics {
  accuracy: number;
  loss: number;
  testSamples: number;
  trainSamples: number;
  epochs: number;
  trainSeconds: number;
}

/** A model version on the model topic (schemas/model.avsc). */
export interface ModelRecord {
  name: string;
  version: number;
  createdAt: number;
  dataset: string;
  architecture: string;
  inputShape: number[];
  classNames: string[];
  topology: string;
  weightSpecs: string;
  weights: Buffer;
  weightsSha256: string;
  backend: string;
  metrics: HeldOutMetrics;
  signingKeyId: string | null;
  signature: Buffer | null;
}

/** A prediction on the prediction topic: JSON, one object per message. */
export interface PredictionRecord {
  sampleId: string;
  dataset: string;
  model: { name: string; version: number };
  predicted: number;
  predictedClass: string;
  confidence: number;
  label: number | null;
  correct: boolean | null;
  /** Running accuracy over the labelled samples this predictor has seen, null before the first. */
  accuracy: number | null;
  /** Labelled samples behind `accuracy`. */
  count: number;
  /** All predictions this predictor has made, this one included. */
  predictions: number;
  /** Accuracy of this model version so far, on this predictor. */
  modelAccuracy: number | null;
  sampleCreatedAt: number;
  predictedAt: number;
  source: { topic: string; partition: number; offset: string };
  predictor: string;
  /** What the challenger (a candidate scored in shadow) predicted for this sample, when one is scored; absent otherwise. */
  challenger?: ChallengerOutcome;
}

/** A challenger's prediction of a sample the serving version predicted: recorded beside it, never served. */
export interface ChallengerOutcome {
  version: number;
  predicted: number;
  correct: boolean | null;
}

/** A request/reply request (schemas/request.avsc): samples an app wants predicted together. */
export interface PredictRequest {
  requestId: string;
  createdAt: number;
  samples: SampleRecord[];
}

/** Request headers: where the reply goes, and the id that ties the reply to its request. */
export const HEADER_CORRELATION_ID = 'correlation-id';
export const HEADER_REPLY_TOPIC = 'reply-topic';

/** One sample's answer in a reply: a prediction, or why there is none. */
export type ReplyItem =
  | {
      sampleId: string;
      predicted: number;
      predictedClass: string;
      confidence: number;
      label: number | null;
      correct: boolean | null;
    }
  | { sampleId: string | null; error: string };

/** The reply to a request: JSON, keyed and headed by the correlation id. */
export interface PredictionReply {
  correlationId: string;
  requestId: string | null;
  /** The version that predicted every sample of the request; null when none could be predicted. */
  model: { name: string; version: number } | null;
  predictions: ReplyItem[];
  /** Set when the request as a whole could not be read. */
  error: string | null;
  requestCreatedAt: number | null;
  repliedAt: number;
  predictor: string;
}

const schemas: Record<string, import('avsc').Type> = {};
const sampleType = loadSchema('sample.avsc', schemas);
export const sampleCodec = new AvroCodec<SampleRecord>(sampleType, 'application/vnd.hotswap.sample+avro');
export const requestCodec = new AvroCodec<PredictRequest>(loadSchema('request.avsc', schemas), 'application/vnd.hotswap.request+avro');
export const modelCodec = new AvroCodec<ModelRecord>(loadSchema('model.avsc'), 'application/vnd.hotswap.model+avro');
export const PREDICTION_CONTENT_TYPE = 'application/json';
