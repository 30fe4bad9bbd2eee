import { DEFAULT_TOPICS, parsers, setting, sharedSettings, transportSpec, type ModelRole } from '@hotswap/shared';
import { DEFAULT_PROMOTION } from './loop/judge';
import { DEFAULT_PAGE_HINKLEY } from './loop/page-hinkley';
import { NO_SCHEDULE, SCHEDULE_PRESETS, parseSchedule } from './schedule';

export const SUMMARY =
  'trains a sequence of TensorFlow.js models on the train split and publishes each version to the model topic, ' +
  'and trains more on request through its HTTP training API (`modelgenerator train --help`: train on your own data once, from the command line)';

export const TRAIN_SUMMARY =
  'trains the schedule once, on your own labelled samples (TRAIN_DATA) or the dataset, publishes every version and exits ' +
  '(0 when every version was published, 1 on a failure, 2 on bad configuration or data)';

export const modelgeneratorSpec = {
  ...transportSpec,
  modelTopic: setting('MODEL_TOPIC', 'topic the models are published to', 'a topic name', parsers.topic, DEFAULT_TOPICS.model),
  dataset: sharedSettings.dataset('dataset to train on'),
  datasetDir: sharedSettings.datasetDir,
  cacheDir: sharedSettings.cacheDir,
  seed: sharedSettings.seed,
  drift: sharedSettings.drift,
  modelName: setting(
    'MODEL_NAME',
    'name of the published model (the model topic key); default: the dataset name',
    'a string',
    parsers.string,
    '',
  ),
  schedule: setting(
    'MODEL_SCHEDULE',
    `versions to train: a preset (${Object.keys(SCHEDULE_PRESETS).join(', ')}; default = full on native TensorFlow, else mlp), ${NO_SCHEDULE}, or plans arch:widths@samples x epochs, comma-separated`,
    `default, ${Object.keys(SCHEDULE_PRESETS).join(', ')}, ${NO_SCHEDULE}, or plans like mlp:32@2000x1,mlp:256-128@allx5`,
    (raw: string) => {
      parseSchedule(raw);
      return raw;
    },
    'default',
  ),
  modelRole: setting(
    'MODEL_ROLE',
    'release: each version serves once a predictor has loaded it; candidate: each is scored beside the serving version on live data and serves only once promoted',
    'release | candidate',
    parsers.oneOf<ModelRole>('release', 'candidate'),
    'release' as ModelRole,
  ),
  trainData: setting(
    'TRAIN_DATA',
    'your own labelled samples to train on instead of the dataset: a CSV file of label,pixel1,...,pixel784 lines (header optional), a fifth held out',
    'a file path',
    parsers.string,
    '',
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
  backend: sharedSettings.backend,
  metricsPort: sharedSettings.metricsPort(9465),
  trainPort: setting(
    'TRAIN_PORT',
    'port of the HTTP training API, POST /v1/train (0 = any free port, -1 = off: exit once the schedule is done)',
    'an integer',
    parsers.integer(-1, 65535),
    8502,
  ),
  trainHost: setting(
    'TRAIN_HOST',
    'address the training API listens on; it has no authentication, so only 0.0.0.0 opens it to the network',
    'an IP address or host name',
    parsers.string,
    '127.0.0.1',
  ),
  trainMaxBodyBytes: setting(
    'TRAIN_MAX_BODY_BYTES',
    'largest training request body (a CSV upload) accepted; a larger one is answered 413',
    'bytes >= 1024',
    parsers.integer(1024),
    64 * 1024 * 1024,
  ),
  logLevel: sharedSettings.logLevel,
  continual: setting(
    'CONTINUAL',
    "on: watch the serving version's live errors for drift, train a challenger on the samples that follow one, and judge every candidate on live data, writing each decision to the model topic (run one per model)",
    'on | off',
    parsers.oneOf('on', 'off'),
    'off',
  ),
  dataTopic: setting('DATA_TOPIC', 'continual mode: topic of the labelled samples', 'a topic name', parsers.topic, DEFAULT_TOPICS.data),
  predictionTopic: setting(
    'PREDICTION_TOPIC',
    "continual mode: topic of the predictions (with the challengers' outcomes)",
    'a topic name',
    parsers.topic,
    DEFAULT_TOPICS.prediction,
  ),
  continualSamples: setting(
    'CONTINUAL_SAMPLES',
    'continual mode: labelled samples read after a drift that the challenger is trained on (a fifth held out to measure it)',
    'an integer >= 10',
    parsers.integer(10),
    2000,
  ),
  continualEpochs: setting(
    'CONTINUAL_EPOCHS',
    'continual mode: epochs of fine-tuning the serving version on them',
    'an integer 1..100',
    parsers.integer(1, 100),
    3,
  ),
  driftTolerance: setting(
    'DRIFT_TOLERANCE',
    'continual mode: rise in the error rate per prediction ignored as noise (Page-Hinkley delta)',
    'a number 0..1',
    parsers.number(0, 1),
    DEFAULT_PAGE_HINKLEY.tolerance,
  ),
  driftThreshold: setting(
    'DRIFT_THRESHOLD',
    'continual mode: accumulated rise that signals a drift (Page-Hinkley lambda); higher waits longer and errs less',
    'a number > 0',
    parsers.number(0.001),
    DEFAULT_PAGE_HINKLEY.threshold,
  ),
  promotionSignificance: setting(
    'PROMOTION_SIGNIFICANCE',
    'continual mode: chance, over all looks at one candidate, of a decision the evidence does not bear out',
    'a number in (0, 1)',
    parsers.number(1e-9, 0.5),
    DEFAULT_PROMOTION.significance,
  ),
  promotionMinPairs: setting(
    'PROMOTION_MIN_PAIRS',
    'continual mode: labelled samples both versions predicted before the first look',
    'an integer >= 10',
    parsers.integer(10),
    DEFAULT_PROMOTION.minPairs,
  ),
  promotionBudget: setting(
    'PROMOTION_BUDGET',
    'continual mode: paired samples after which a candidate not shown better is rejected',
    'an integer >= PROMOTION_MIN_PAIRS',
    parsers.integer(10),
    DEFAULT_PROMOTION.budget,
  ),
};

const {
  trainPort: _port,
  trainHost: _host,
  trainMaxBodyBytes: _maxBody,
  continual: _continual,
  dataTopic: _data,
  predictionTopic: _predictions,
  continualSamples: _samples,
  continualEpochs: _epochs,
  driftTolerance: _tolerance,
  driftThreshold: _threshold,
  promotionSignificance: _significance,
  promotionMinPairs: _minPairs,
  promotionBudget: _budget,
  ...commandSettings
} = modelgeneratorSpec;

/** The `train` command's settings: the service's, without the API, with no pause between versions and no /metrics. */
export const trainCommandSpec = {
  ...commandSettings,
  intervalMs: setting('MODEL_INTERVAL_MS', 'pause after each published version', 'milliseconds >= 0', parsers.integer(0), 0),
  metricsPort: sharedSettings.metricsPort(-1),
};
