import { DELIVERY_MODES, type DeliveryMode } from './stream/delivery';
import { DEFAULT_TOPICS, parsers, setting, sharedSettings, transportSpec } from '@hotswap/shared';

export const SUMMARY =
  'predicts every sample on the data topic with the newest model from the model topic, swapping models without a restart';

export const predictorSpec = {
  ...transportSpec,
  dataTopic: setting('DATA_TOPIC', 'topic the samples are read from', 'a topic name', parsers.topic, DEFAULT_TOPICS.data),
  modelTopic: setting('MODEL_TOPIC', 'topic the models are read from', 'a topic name', parsers.topic, DEFAULT_TOPICS.model),
  predictionTopic: setting(
    'PREDICTION_TOPIC',
    'topic the predictions are written to',
    'a topic name',
    parsers.topic,
    DEFAULT_TOPICS.prediction,
  ),
  requestTopic: setting(
    'REQUEST_TOPIC',
    'topic of request/reply requests (each names its reply topic and correlation id in its headers)',
    'a topic name',
    parsers.topic,
    DEFAULT_TOPICS.request,
  ),
  modelHistory: setting(
    'MODEL_HISTORY',
    'model versions whose records are kept in memory for a pin or rollback (the pinned one always is)',
    'an integer >= 1',
    parsers.integer(1),
    10,
  ),
  deadLetterTopic: setting(
    'DEAD_LETTER_TOPIC',
    'topic for records that cannot be predicted',
    'a topic name',
    parsers.topic,
    'queueing.deadletter',
  ),
  dataPartitions: sharedSettings.dataPartitions('partitions of the data topic when this service creates it'),
  delivery: setting(
    'DELIVERY',
    'exactly-once: predictions and consumed offsets commit in one Kafka transaction; at-least-once: faster, may repeat after a crash; auto: exactly-once on Kafka, at-least-once on Pub/Sub (it has no transactions)',
    'auto | exactly-once | at-least-once',
    parsers.oneOf<DeliveryMode | 'auto'>('auto', ...DELIVERY_MODES),
    'auto' as DeliveryMode | 'auto',
  ),
  groupId: setting(
    'PREDICTOR_GROUP',
    'consumer group sharing the data topic among replicas',
    'a string',
    parsers.string,
    'hotswap-predictor',
  ),
  sessionTimeoutMs: setting(
    'SESSION_TIMEOUT_MS',
    'how long a silent replica keeps its partitions before the group hands them on (broker bounds: 6000..300000)',
    'milliseconds',
    parsers.integer(6000, 300_000),
    30_000,
  ),
  dataset: sharedSettings.dataset('dataset the samples come from (sets the shape models must fit)'),
  modelName: setting('MODEL_NAME', 'model to serve (the model topic key); default: the dataset name', 'a string', parsers.string, ''),
  batchSize: setting('BATCH_SIZE', 'most samples predicted with one tensor call', 'an integer 1..4096', parsers.integer(1, 4096), 512),
  trustedKeys: setting(
    'TRUSTED_KEYS',
    'Ed25519 public keys (PEM files, or folders of *.pub) whose signatures make a model acceptable; none = signatures not checked',
    'comma-separated paths',
    (raw: string) =>
      raw
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
    [] as string[],
  ),
  maxModelBytes: setting('MAX_MODEL_BYTES', 'largest model accepted', 'bytes', parsers.integer(1024), 256 * 1024 * 1024),
  logFile: setting(
    'LOG_FILE',
    'file the accuracy line goes to every LOG_EVERY predictions; {hostname} in it becomes the host name',
    'a file path',
    parsers.string,
    'logs/predictor.log',
  ),
  logMaxBytes: setting(
    'LOG_MAX_BYTES',
    'size at which the accuracy log is rotated',
    'bytes >= 1024',
    parsers.integer(1024),
    10 * 1024 * 1024,
  ),
  logMaxFiles: setting('LOG_MAX_FILES', 'accuracy log files kept, the current one included', 'an integer >= 1', parsers.integer(1), 5),
  accuracyWindow: setting(
    'ACCURACY_WINDOW',
    'labelled predictions behind hotswap_accuracy_window_ratio',
    'an integer >= 1',
    parsers.integer(1),
    500,
  ),
  logEvery: setting('LOG_EVERY', 'predictions between two accuracy lines', 'an integer >= 1', parsers.integer(1), 10),
  tfThreads: setting(
    'TF_NUM_INTRAOP_THREADS',
    "threads one native TensorFlow call may use (TensorFlow's own variable); 0 = one per core but one, which is left to Kafka and JSON",
    'an integer 0..256',
    parsers.integer(0, 256),
    0,
  ),
  backend: sharedSettings.backend,
  metricsPort: sharedSettings.metricsPort(9464, 'port of /metrics and /healthz'),
  httpPort: setting(
    'HTTP_PORT',
    'port of the HTTP API shaped like TensorFlow Serving REST (0 = any free port, -1 = off)',
    'an integer',
    parsers.integer(-1, 65535),
    8501,
  ),
  httpMaxBodyBytes: setting(
    'HTTP_MAX_BODY_BYTES',
    'largest HTTP request body accepted; a larger one is answered 413',
    'bytes >= 1024',
    parsers.integer(1024),
    16 * 1024 * 1024,
  ),
  httpMaxInstances: setting(
    'HTTP_MAX_INSTANCES',
    'most instances in one HTTP predict request; more are answered 413',
    'an integer >= 1',
    parsers.integer(1),
    4096,
  ),
  logLevel: sharedSettings.logLevel,
};
