import { DEFAULT_TOPICS, parsers, setting, sharedSettings, transportSpec } from '@hotswap/shared';
import { datageneratorSpec } from './config';

export const REQUEST_SUMMARY =
  'request/reply client: sends packages of samples with a correlation id and a reply topic, prints each reply, exits 1 if any failed or timed out';

export const requestSpec = {
  ...transportSpec,
  requestTopic: setting('REQUEST_TOPIC', 'topic the requests are written to', 'a topic name', parsers.topic, DEFAULT_TOPICS.request),
  replyTopic: setting(
    'REPLY_TOPIC',
    'topic the predictor answers on (created when missing; clients may share it)',
    'a topic name',
    parsers.topic,
    DEFAULT_TOPICS.reply,
  ),
  dataPartitions: sharedSettings.dataPartitions('partitions of the request and reply topics when this command creates them'),
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
  // Where the samples come from: as for the stream.
  dataset: datageneratorSpec.dataset,
  datasetDir: datageneratorSpec.datasetDir,
  cacheDir: datageneratorSpec.cacheDir,
  split: datageneratorSpec.split,
  seed: datageneratorSpec.seed,
  drift: datageneratorSpec.drift,
  unlabelledRatio: datageneratorSpec.unlabelledRatio,
  runId: setting('RUN_ID', 'prefix of sample ids and correlation ids of this client (default: random)', 'a string', parsers.string, ''),
  logLevel: datageneratorSpec.logLevel,
};
