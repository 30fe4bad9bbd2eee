#!/usr/bin/env node
import { availableParallelism, hostname } from 'node:os';
import {
  ConfigError,
  KafkaClient,
  createTransport,
  describeTransport,
  transportSettings,
  REJECTION_REASONS,
  MetricsServer,
  closeLogger,
  createLogger,
  createRegistry,
  dataContractFor,
  dataTopicSpec,
  modelTopicSpec,
  predictionTopicSpec,
  requestTopicSpec,
  readConfig,
  runMain,
  type TransportKind,
} from '@hotswap/shared';
import { AccuracyLog } from './stream/accuracy-log';
import { SAMPLE_REJECTIONS } from './stream/batch';
import { readTrustedKeys } from './versions/trusted-keys';
import { AtLeastOnceDelivery, ExactlyOnceDelivery, type DeliveryMode } from './stream/delivery';
import { SUMMARY, predictorSpec } from './config';
import { HttpApi } from './http/api';
import { HttpApiMetrics } from './http/metrics';
import { InferencePair } from './inference/threads';
import { PredictorMetrics } from './metrics';
import { ModelFeedThread } from './versions/feed';
import { Predictor, REPLICA } from './predictor';

runMain('predictor', async (onFatal) => {
  const cfg = readConfig('predictor', SUMMARY, predictorSpec);
  const logger = createLogger({ service: 'predictor', level: cfg.logLevel });
  // Read by native TensorFlow when it starts: set before any thread loads it.
  const tfThreads = cfg.tfThreads === 0 ? Math.max(1, availableParallelism() - 1) : cfg.tfThreads;
  process.env['TF_NUM_INTRAOP_THREADS'] = String(tfThreads);
  // Every setting read from a file is checked before TensorFlow loads, so a bad one fails at once.
  const trustedKeys = readTrustedKeys(cfg.trustedKeys);
  const transportAt = transportSettings(cfg);
  const delivery = deliveryMode(cfg.delivery, transportAt.kind);
  const data = dataContractFor(cfg.dataset);
  // TensorFlow lives in the inference threads only: the main thread never loads a backend.
  const inference = new InferencePair({ backend: cfg.backend, contract: data, maxModelBytes: cfg.maxModelBytes, trustedKeys }, onFatal);
  const choice = await inference.start();
  const threads = choice.backend === 'tensorflow' ? `, ${tfThreads} thread(s) per tensor call` : '';
  logger.info(`TensorFlow.js backend: ${choice.backend} (${choice.reason})${threads}`);
  logger.info(`inference threads: ${inference.threads.map((t) => t.name).join(', ')} (each new version loads on the one not serving)`);

  const transport = createTransport(transportAt, logger);
  const created = await transport.waitForTopics([
    dataTopicSpec(cfg.dataTopic, cfg.dataPartitions),
    modelTopicSpec(cfg.modelTopic),
    predictionTopicSpec(cfg.predictionTopic, cfg.dataPartitions),
    predictionTopicSpec(cfg.deadLetterTopic, 1),
    requestTopicSpec(cfg.requestTopic, cfg.dataPartitions),
  ]);
  if (created.length > 0) logger.info(`created topics: ${created.join(', ')}`);

  if (trustedKeys.size === 0) {
    logger.warn('model signatures are NOT checked: set TRUSTED_KEYS to the public keys of your modelgenerators');
  } else {
    logger.info(`accepting only models signed by key(s) ${[...trustedKeys.keys()].join(', ')}`);
  }
  const registry = createRegistry('predictor');
  // {hostname} lets replicas that share a mounted folder each keep a file of their own.
  const logFile = cfg.logFile.replace('{hostname}', hostname());
  const accuracyLog = new AccuracyLog(logFile, cfg.logEvery, { maxBytes: cfg.logMaxBytes, maxFiles: cfg.logMaxFiles });
  const predictor = new Predictor(
    {
      dataTopic: cfg.dataTopic,
      modelTopic: cfg.modelTopic,
      predictionTopic: cfg.predictionTopic,
      deadLetterTopic: cfg.deadLetterTopic,
      requestTopic: cfg.requestTopic,
      groupId: cfg.groupId,
      sessionTimeoutMs: cfg.sessionTimeoutMs,
      modelName: cfg.modelName === '' ? cfg.dataset : cfg.modelName,
      batchSize: cfg.batchSize,
      modelHistory: cfg.modelHistory,
      pixelFeatures: cfg.dataset !== 'synthetic',
      data,
    },
    {
      transport,
      logger,
      accuracyLog,
      metrics: new PredictorMetrics(registry, cfg.accuracyWindow, { rejections: REJECTION_REASONS, deadLetters: SAMPLE_REJECTIONS }),
      delivery:
        delivery === 'exactly-once' && transport instanceof KafkaClient
          ? new ExactlyOnceDelivery(transport, cfg.groupId)
          : new AtLeastOnceDelivery(transport),
      inference,
      models: new ModelFeedThread(
        { transport: transportAt, topic: cfg.modelTopic, groupPrefix: `hotswap-predictor-models-${REPLICA}`, logLevel: cfg.logLevel },
        onFatal,
      ),
      onFatal,
    },
  );
  const server = cfg.metricsPort >= 0 ? new MetricsServer(registry, cfg.metricsPort, '0.0.0.0', () => predictor.ready) : undefined;
  if (server !== undefined) logger.info(`metrics on :${await server.start()}/metrics`);
  logger.info(`delivery: ${delivery} over ${describeTransport(transportAt)}`);
  await predictor.start();
  const httpApi =
    cfg.httpPort >= 0
      ? new HttpApi(
          predictor,
          { port: cfg.httpPort, host: '0.0.0.0', maxBodyBytes: cfg.httpMaxBodyBytes, maxInstances: cfg.httpMaxInstances },
          new HttpApiMetrics(registry),
          logger,
        )
      : undefined;
  if (httpApi !== undefined) logger.info(`HTTP API on :${await httpApi.start()}`);
  logger.info(`accuracy log: ${logFile} (every ${cfg.logEvery} predictions)`);
  return {
    stop: async () => {
      logger.info('stopping: finishing the current batch and committing');
      await httpApi?.stop();
      await predictor.stop();
      await inference.stop();
      await server?.stop();
      await accuracyLog.close();
      await closeLogger(logger);
    },
  };
});

/** The delivery mode a setting asks for, on this transport: Pub/Sub has no transaction to be exactly-once with. */
function deliveryMode(asked: DeliveryMode | 'auto', transport: TransportKind): DeliveryMode {
  if (asked === 'auto') return transport === 'kafka' ? 'exactly-once' : 'at-least-once';
  if (asked === 'exactly-once' && transport !== 'kafka') {
    throw new ConfigError(
      'DELIVERY',
      asked,
      `at-least-once or auto with TRANSPORT=${transport}: it has no transaction spanning a publish and an acknowledgement`,
    );
  }
  return asked;
}
