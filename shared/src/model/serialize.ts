import { tf } from '../tf';
import type { ModelRecord } from '../schemas/records';
import { sha256Hex } from './checks';

export type ModelMetadata = Omit<ModelRecord, 'topology' | 'weightSpecs' | 'weights' | 'weightsSha256' | 'signingKeyId' | 'signature'>;

/** What a record was published with, without its graph, weights and their proofs. */
export function modelMetadata(record: ModelRecord): ModelMetadata {
  const { topology: _t, weightSpecs: _s, weights: _w, weightsSha256: _h, signingKeyId: _k, signature: _g, ...metadata } = record;
  return metadata;
}

function joinWeightData(data: ArrayBuffer | ArrayBuffer[]): Buffer {
  return Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : Buffer.from(data);
}

/** Serializes a trained layers model (topology + weights) into a model record. */
export async function modelToRecord(model: tf.LayersModel, metadata: ModelMetadata): Promise<ModelRecord> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured === undefined || captured.weightData === undefined || captured.weightSpecs === undefined) {
    throw new Error(`model ${metadata.name} v${metadata.version}: save produced no weights`);
  }
  const weights = joinWeightData(captured.weightData as ArrayBuffer | ArrayBuffer[]);
  return {
    ...metadata,
    topology: JSON.stringify(captured.modelTopology),
    weightSpecs: JSON.stringify(captured.weightSpecs),
    weights,
    weightsSha256: sha256Hex(weights),
    signingKeyId: null,
    signature: null,
  };
}

/** Builds a layers model from a record; call verifyModelRecord first. */
export async function recordToModel(record: ModelRecord): Promise<tf.LayersModel> {
  // Copy out an exactly-sized ArrayBuffer: the record's Buffer may be a view into a larger one.
  const weightData = record.weights.buffer.slice(record.weights.byteOffset, record.weights.byteOffset + record.weights.length);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: JSON.parse(record.topology) as object,
      weightSpecs: JSON.parse(record.weightSpecs) as tf.io.WeightsManifestEntry[],
      weightData: weightData as ArrayBuffer,
    }),
  );
}
