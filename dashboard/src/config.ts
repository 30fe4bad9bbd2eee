import { DEFAULT_TOPICS, parsers, setting, sharedSettings, transportSpec } from '@hotswap/shared';

export const SUMMARY =
  'serves a live page of the predictions: accuracy over time with every swap, each version and replica, the confusion matrix and the latest mistakes';

export const dashboardSpec = {
  ...transportSpec,
  predictionTopic: setting(
    'PREDICTION_TOPIC',
    'topic the predictions are read from',
    'a topic name',
    parsers.topic,
    DEFAULT_TOPICS.prediction,
  ),
  modelTopic: setting(
    'MODEL_TOPIC',
    'topic the models and control records are read from',
    'a topic name',
    parsers.topic,
    DEFAULT_TOPICS.model,
  ),
  dataTopic: setting(
    'DATA_TOPIC',
    'topic the samples are read from, for the pictures of mistakes',
    'a topic name',
    parsers.topic,
    DEFAULT_TOPICS.data,
  ),
  dataPartitions: sharedSettings.dataPartitions('partitions of the data and prediction topics when this service creates them'),
  port: setting('DASHBOARD_PORT', 'port of the page (0 = any free port)', 'an integer 0..65535', parsers.integer(0, 65535), 8080),
  host: setting(
    'DASHBOARD_HOST',
    'address the page listens on (read-only, no authentication: 127.0.0.1 keeps it on this machine)',
    'an IP address or host name',
    parsers.string,
    '0.0.0.0',
  ),
  window: setting('DASHBOARD_WINDOW', 'labelled predictions behind the window accuracy', 'an integer >= 1', parsers.integer(1), 500),
  mistakes: setting('DASHBOARD_MISTAKES', 'latest mistakes shown', 'an integer 1..100', parsers.integer(1, 100), 12),
  recentSamples: setting(
    'DASHBOARD_SAMPLES',
    'samples kept in memory to join with their predictions (about 1 KB each)',
    'an integer >= 100',
    parsers.integer(100),
    20_000,
  ),
  pushMs: setting(
    'DASHBOARD_PUSH_MS',
    'least time between two updates pushed to a page',
    'milliseconds 50..10000',
    parsers.integer(50, 10_000),
    250,
  ),
  metricsPort: sharedSettings.metricsPort(9467),
  logLevel: sharedSettings.logLevel,
};
