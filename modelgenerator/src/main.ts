#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  KafkaClient,
  MetricsServer,
  closeLogger,
  createLogger,
  createRegistry,
  heldOutSplit,
  kafkaConnectionSettings,
  keyId,
  privateKeyFromPem,
  signModel,
  loadDataset,
  modelTopicSpec,
  readConfig,
  runMain,
  selectBackend,
} from '@hotswap/shared';
import { Counter, Gauge } from 'prom-client';
import { SUMMARY, modelgeneratorSpec } from './config';
import { ModelGenerator } from './generator';
import { ModelPublisher, latestPublishedVersion } from './publisher';
import { parseSchedule } from './schedule';

runMain('modelgenerator', async (onFatal) => {
  const cfg = readConfig('modelgenerator', SUMMARY, modelgeneratorSpec);
  const logger = createLogger({ service: 'modelgenerator', level: cfg.logLevel });
  const choice = await selectBackend(cfg.backend);
  logger.info(`TensorFlow.js backend: ${choice.backend} (${choice.reason})`);

  const dataset = loadDataset(
    cfg.dataset,
    { seed: cfg.seed, drift: cfg.drift, cacheDir: resolve(cfg.cacheDir), ...(cfg.datasetDir === '' ? {} : { idxDir: cfg.datasetDir }) },
    (line) => logger.info(line),
  );
  const split = heldOutSplit(dataset.size, cfg.seed);
  const modelName = cfg.modelName === '' ? cfg.dataset : cfg.modelName;

  const kafka = new KafkaClient(kafkaConnectionSettings(cfg), logger);
  const created = await kafka.waitForTopics([modelTopicSpec(cfg.modelTopic)]);
  if (created.length > 0) logger.info(`created topics: ${created.join(', ')}`);
  const firstVersion = (await latestPublishedVersion(kafka, cfg.modelTopic, modelName)) + 1;

  const registry = createRegistry('modelgenerator');
  const metrics = {
    published: new Counter({ name: 'hotswap_models_published_total', help: 'Model versions published', registers: [registry] }),
    trainAccuracy: new Gauge({
      name: 'hotswap_training_accuracy_ratio',
      help: 'Training accuracy at the last epoch end',
      registers: [registry],
    }),
    trainLoss: new Gauge({ name: 'hotswap_training_loss', help: 'Training loss at the last epoch end', registers: [registry] }),
    heldOutAccuracy: new Gauge({
      name: 'hotswap_model_heldout_accuracy_ratio',
      help: 'Held-out accuracy of each published version',
      labelNames: ['model', 'version'],
      registers: [registry],
    }),
  };
  const server = cfg.metricsPort >= 0 ? new MetricsServer(registry, cfg.metricsPort) : undefined;
  if (server !== undefined) logger.info(`metrics on :${await server.start()}/metrics`);

  const signingKey = cfg.signingKey === '' ? undefined : privateKeyFromPem(readFileSync(cfg.signingKey, 'utf8'), cfg.signingKey);
  logger.info(
    signingKey === undefined ? 'models are published unsigned (no MODEL_SIGNING_KEY)' : `models are signed with key ${keyId(signingKey)}`,
  );
  const producer = kafka.producer();
  await producer.connect();
  const generator = new ModelGenerator({
    dataset,
    split,
    seed: cfg.seed,
    modelName,
    plans: parseSchedule(cfg.schedule, choice.backend),
    firstVersion,
    intervalMs: cfg.intervalMs,
    backend: choice.backend,
    publisher: new ModelPublisher(producer, cfg.modelTopic),
    sign: (record) => (signingKey === undefined ? record : signModel(record, signingKey)),
    logger,
    metrics,
  });
  generator.start().then(
    () => {
      logger.info('schedule complete');
      process.kill(process.pid, 'SIGTERM');
    },
    (e: Error) => onFatal(e),
  );
  return {
    stop: async () => {
      await generator.stop();
      await producer.disconnect();
      await server?.stop();
      await closeLogger(logger);
    },
  };
});
