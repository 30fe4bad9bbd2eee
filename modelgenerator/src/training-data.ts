import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, heldOutSplit, parseLabelledCsv, type Dataset, type DatasetContract, type Split } from '@hotswap/shared';

/** Samples to train on and to measure on: a dataset, its train/held-out split, and a description for people. */
export interface TrainingData {
  dataset: Dataset;
  split: Split;
  /** e.g. `fashion-mnist train split` or `my.csv (300 rows)`. */
  description: string;
}

/** The share of a user's own rows held out to measure the model: the accuracy a published model reports. */
export const USER_HELD_OUT_FRACTION = 0.2;

/** The service dataset, split as every service splits it (the predictor is measured on the same held-out samples). */
export function datasetTrainingData(dataset: Dataset, seed: number): TrainingData {
  return { dataset, split: heldOutSplit(dataset.size, seed), description: `${dataset.name} train split` };
}

/** A user's own rows, shuffled with the seed: a fifth held out (at least one row), the rest to train on. */
export function userTrainingData(dataset: Dataset, seed: number, source: string): TrainingData {
  if (dataset.size < 2) throw new Error(`${source} has ${dataset.size} row, need at least 2: one to train on and one to hold out`);
  const heldOut = Math.min(dataset.size - 1, Math.max(1, Math.round(dataset.size * USER_HELD_OUT_FRACTION)));
  return { dataset, split: heldOutSplit(dataset.size, seed, heldOut), description: `${source} (${dataset.size} rows)` };
}

/** Reads a CSV of the user's own labelled samples; a file that cannot be read or parsed is bad configuration, with the row that is wrong. */
export function readTrainingCsv(path: string, contract: DatasetContract, seed: number): TrainingData {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ConfigError('TRAIN_DATA', path, `a readable CSV file (${(e as Error).message})`);
  }
  try {
    return userTrainingData(parseLabelledCsv(bytes, contract), seed, basename(path));
  } catch (e) {
    throw new ConfigError('TRAIN_DATA', path, `a CSV file of label,feature... lines for ${contract.name} (${(e as Error).message})`);
  }
}
