import { DEFAULT_TOPICS, datasetContract, parsers, setting, sharedSettings, transportSpec, type DatasetName } from '@hotswap/shared';
import { labelSwapOf, type LabelSwap } from './drift';

export const SUMMARY = 'streams labelled samples as Avro records onto the data topic';

export const datageneratorSpec = {
  ...transportSpec,
  dataTopic: setting('DATA_TOPIC', 'topic the samples are written to', 'a topic name', parsers.topic, DEFAULT_TOPICS.data),
  dataPartitions: sharedSettings.dataPartitions('partitions of the data topic when this service creates it'),
  dataset: sharedSettings.dataset('dataset to stream'),
  datasetDir: sharedSettings.datasetDir,
  cacheDir: sharedSettings.cacheDir,
  split: setting(
    'SPLIT',
    'which split to stream: the held-out test split keeps the reported accuracy honest',
    'test | train',
    parsers.oneOf('test', 'train'),
    'test' as const,
  ),
  seed: sharedSettings.seed,
  drift: sharedSettings.drift,
  driftSwapLabels: setting(
    'DRIFT_SWAP_LABELS',
    'sudden concept drift: two classes whose labels are swapped in the samples sent from DRIFT_FROM_SAMPLE on',
    'two class indices or names of DATASET, e.g. 3,5 or Dress,Sandal',
    (raw: string) => raw.trim(),
    '',
  ),
  driftFromSample: setting(
    'DRIFT_FROM_SAMPLE',
    'position (0-based, counted in the samples this process sends) from which DRIFT_SWAP_LABELS applies',
    'an integer >= 0',
    parsers.integer(0),
    0,
  ),
  rate: setting('RATE', 'samples per second (0 = as fast as the broker takes them)', 'a number >= 0', parsers.number(0), 50),
  count: setting('COUNT', 'samples to send (0 = endless, cycling through the split)', 'an integer >= 0', parsers.integer(0), 0),
  unlabelledRatio: setting('UNLABELLED_RATIO', 'fraction of samples sent without their label', 'a number 0..1', parsers.number(0, 1), 0),
  runId: setting('RUN_ID', 'prefix of every sample id of this run (default: random)', 'a string', parsers.string, ''),
  metricsPort: sharedSettings.metricsPort(9466),
  logLevel: sharedSettings.logLevel,
};

/** The label swap the drift settings ask for, checked against the dataset's classes before it loads; undefined when off. */
export function labelSwapFor(cfg: { dataset: DatasetName; driftSwapLabels: string; driftFromSample: number }): LabelSwap | undefined {
  // A start other than the default 0 without classes to swap is a setting that would do nothing.
  const settings = { swapLabels: cfg.driftSwapLabels, fromSample: cfg.driftFromSample, fromSampleGiven: cfg.driftFromSample !== 0 };
  return labelSwapOf(settings, cfg.dataset, datasetContract(cfg.dataset).classNames);
}
