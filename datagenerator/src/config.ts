import { DEFAULT_TOPICS, parsers, setting, sharedSettings, transportSpec } from '@hotswap/shared';

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
  rate: setting('RATE', 'samples per second (0 = as fast as the broker takes them)', 'a number >= 0', parsers.number(0), 50),
  count: setting('COUNT', 'samples to send (0 = endless, cycling through the split)', 'an integer >= 0', parsers.integer(0), 0),
  unlabelledRatio: setting('UNLABELLED_RATIO', 'fraction of samples sent without their label', 'a number 0..1', parsers.number(0, 1), 0),
  runId: setting('RUN_ID', 'prefix of every sample id of this run (default: random)', 'a string', parsers.string, ''),
  metricsPort: sharedSettings.metricsPort(9466),
  logLevel: sharedSettings.logLevel,
};
