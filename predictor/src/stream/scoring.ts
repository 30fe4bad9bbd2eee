import { PREDICTION_CONTENT_TYPE, type PredictionRecord, type SampleRecord } from '@hotswap/shared/contracts';
import type { InboundRecord } from '@hotswap/shared/kafka';
import type { ChunkPrediction } from '../inference/threads';
import type { AccuracyLedger } from './accuracy';
import type { PackedChunk } from './batch';
import { deadLetter, type BatchOutput } from './output';

const PREDICTION_HEADERS = { 'content-type': PREDICTION_CONTENT_TYPE };

/** What a prediction record repeats of its sample. */
export type SampleFacts = Pick<SampleRecord, 'sampleId' | 'dataset' | 'createdAt' | 'label'>;

/** The version that predicted, as its records name it. */
export interface PredictedBy {
  name: string;
  version: number;
  /** `name:version`, the accuracy ledger's key: made once per batch, not once per prediction. */
  key: string;
  classNames: readonly string[];
  /** This replica, in every record it writes. */
  replica: string;
}

/** The challenger's prediction of the same sample, scored beside the serving version's. */
export interface ShadowPrediction {
  version: number;
  /** `name:version`, its key in the accuracy ledger. */
  key: string;
  predicted: number;
}

/** Scores one prediction into the batch's draft accuracy, adds its record to the output, and returns it. */
export function scorePrediction(
  accuracy: AccuracyLedger,
  by: PredictedBy,
  sample: SampleFacts,
  source: InboundRecord,
  predicted: number,
  confidence: number,
  now: number,
  output: BatchOutput,
  shadow: ShadowPrediction | null = null,
): PredictionRecord {
  const correct = sample.label === null ? null : sample.label === predicted;
  // The challenger first: its figures count for its version only, never in the running accuracy written.
  const challenger =
    shadow === null
      ? undefined
      : { version: shadow.version, predicted: shadow.predicted, correct: sample.label === null ? null : sample.label === shadow.predicted };
  if (challenger !== undefined) accuracy.record(output.tally, (shadow as ShadowPrediction).key, challenger.correct, false);
  const { overall, model: perModel } = accuracy.record(output.tally, by.key, correct);
  const prediction: PredictionRecord = {
    sampleId: sample.sampleId,
    dataset: sample.dataset,
    model: { name: by.name, version: by.version },
    predicted,
    predictedClass: by.classNames[predicted] ?? String(predicted),
    confidence,
    label: sample.label,
    correct,
    accuracy: overall.value,
    count: overall.labelled,
    predictions: overall.predictions,
    modelAccuracy: perModel.value,
    sampleCreatedAt: sample.createdAt,
    predictedAt: now,
    source: { topic: source.topic, partition: source.partition, offset: source.offset },
    predictor: by.replica,
    ...(challenger === undefined ? {} : { challenger }),
  };
  output.predictions.push(prediction);
  return prediction;
}

/** Appends one predicted chunk's prediction records and dead letters to the batch's output; returns the rows predicted. */
export function scoreChunk(
  accuracy: AccuracyLedger,
  by: PredictedBy,
  packed: PackedChunk<InboundRecord>,
  prediction: ChunkPrediction | null,
  now: number,
  output: BatchOutput,
  shadow: { version: number; prediction: ChunkPrediction | null } | null = null,
): number {
  // Refused on their headers here, or on their bytes in the inference thread: dead-lettered in offset order all the same.
  const refused = [
    ...packed.rejected,
    ...(prediction?.rejected ?? []).map((r) => ({ ...r, source: packed.packed[r.index] as InboundRecord })),
  ].sort((a, b) => Number(a.source.offset) - Number(b.source.offset));
  for (const { source, reason, detail } of refused) {
    output.deadLetters.push(deadLetter(source, reason, detail));
    output.rejected.push(reason);
  }
  if (prediction === null) return 0;
  // Both predicted the same packed bytes, so their rows match; a challenger that failed this chunk is left out of it.
  const shadowed = shadow?.prediction?.index.length === prediction.index.length ? shadow.prediction : null;
  const shadowKey = shadow === null ? '' : `${by.name}:${shadow.version}`;
  for (let row = 0; row < prediction.index.length; row++) {
    const label = prediction.labels[row] as number;
    const sample: SampleFacts = {
      sampleId: prediction.sampleIds[row] as string,
      dataset: prediction.datasets[row] as string,
      createdAt: prediction.createdAt[row] as number,
      label: label < 0 ? null : label,
    };
    const source = packed.packed[prediction.index[row] as number] as InboundRecord;
    const p = prediction.predicted[row] as number;
    const challenger =
      shadowed === null
        ? null
        : { version: (shadow as { version: number }).version, key: shadowKey, predicted: shadowed.predicted[row] as number };
    const scored = scorePrediction(accuracy, by, sample, source, p, prediction.confidence[row] as number, now, output, challenger);
    output.records.push({ key: sample.sampleId, value: JSON.stringify(scored), headers: PREDICTION_HEADERS });
  }
  return prediction.index.length;
}
