#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ConfigError,
  createTransport,
  MetricsServer,
  closeLogger,
  createLogger,
  createRegistry,
  datasetContract,
  dataTopicSpec,
  predictionTopicSpec,
  DEFAULT_DATA_PARTITIONS,
  transportSettings,
  keyId,
  privateKeyFromPem,
  signModel,
  loadDataset,
  modelTopicSpec,
  readConfig,
  runMain,
  selectBackend,
  type ConfigOf,
  type Logger,
  type Service,
} from '@hotswap/shared';
import { SUMMARY, TRAIN_SUMMARY, modelgeneratorSpec, trainCommandSpec } from './config';
import { ContinualLoop } from './loop/continual';
import { DEFAULT_PROMOTION } from './loop/judge';
import { DEFAULT_PAGE_HINKLEY } from './loop/page-hinkley';
import { ModelGenerator } from './generator';
import { createGeneratorMetrics } from './metrics';
import { ModelPublisher, PublishedVersions } from './publisher';
import { NO_SCHEDULE, describePlan, parseSchedule, type TrainingPlan } from './schedule';
import { TrainingApi } from './training-api';
import { datasetTrainingData, readTrainingCsv } from './training-data';

type CommonConfig = ConfigOf<typeof trainCommandSpec>;

runMain('modelgenerator', async (onFatal) =>
  process.argv[2] === 'train' ? trainCommand() : service(readConfig('modelgenerator', SUMMARY, modelgeneratorSpec), onFatal),
);

/** The service: trains its schedule, serves the training API, and stays up while the API is on. */
async function service(cfg: ConfigOf<typeof modelgeneratorSpec>, onFatal: (e: Error) => void): Promise<Service> {
  const apiOn = cfg.trainPort >= 0;
  const continualOn = cfg.continual === 'on';
  if (cfg.schedule.trim() === NO_SCHEDULE && !apiOn && !continualOn) {
    throw new ConfigError(
      'MODEL_SCHEDULE',
      cfg.schedule,
      'a schedule to train (with TRAIN_PORT=-1 and CONTINUAL=off there is nothing else to do)',
    );
  }
  if (cfg.promotionBudget < cfg.promotionMinPairs) {
    throw new ConfigError('PROMOTION_BUDGET', String(cfg.promotionBudget), `at least PROMOTION_MIN_PAIRS (${cfg.promotionMinPairs})`);
  }
  // Read the user's file before anything slow, so a bad row is reported at once.
  const userData = cfg.trainData === '' ? undefined : readTrainingCsv(resolve(cfg.trainData), datasetContract(cfg.dataset), cfg.seed);
  const logger = createLogger({ service: 'modelgenerator', level: cfg.logLevel });
  const parts = await startParts(cfg, logger);
  const { generator, backend } = parts;
  const datasetData = datasetTrainingData(parts.loadDataset(), cfg.seed);
  const scheduleData = userData ?? datasetData;

  const api = apiOn
    ? new TrainingApi(
        {
          generator,
          datasetData,
          contract: datasetData.dataset,
          context: { dataset: cfg.dataset, featureShape: datasetData.dataset.featureShape, backend },
          seed: cfg.seed,
          logger,
        },
        { port: cfg.trainPort, host: cfg.trainHost, maxBodyBytes: cfg.trainMaxBodyBytes },
      )
    : undefined;
  if (api !== undefined) logger.info(`training API on :${await api.start()} (${cfg.trainHost}; POST /v1/train, GET /v1/jobs/{id})`);
  const loop = continualOn ? await startContinualLoop(cfg, parts, logger) : undefined;

  const plans = parseSchedule(cfg.schedule, backend);
  logger.info(
    plans.length === 0
      ? 'no schedule: training on request only'
      : `schedule: ${plans.map(describePlan).join(', ')} on ${scheduleData.description}`,
  );
  const schedule = generator
    .runSchedule(plans, scheduleData, { seed: cfg.seed, intervalMs: cfg.intervalMs, publishAll: false, origin: 'schedule' })
    .then((jobs) => {
      const failed = jobs.find((j) => j.state === 'failed');
      if (failed !== undefined)
        throw new Error(`schedule job ${failed.id} (${failed.request.architecture}) failed: ${failed.view().error}`);
      if (plans.length > 0) logger.info(apiOn ? 'schedule complete; the training API stays up' : 'schedule complete');
      return 0;
    });
  // With the API or the loop on the service runs until stopped; a failed schedule ends it either way.
  const stays = apiOn || continualOn;
  if (stays) schedule.catch(onFatal);
  return {
    ...(stays ? {} : { finished: schedule }),
    stop: async () => {
      await loop?.stop();
      await api?.stop();
      await parts.stop();
    },
  };
}

/** `train`: trains the schedule once on the user's data (or the dataset), publishes every version, and exits. */
async function trainCommand(): Promise<Service> {
  const cfg = readConfig('modelgenerator train', TRAIN_SUMMARY, trainCommandSpec, process.argv.slice(3));
  if (cfg.schedule.trim() === NO_SCHEDULE) throw new ConfigError('MODEL_SCHEDULE', cfg.schedule, 'a schedule to train');
  // Read the user's file before anything slow, so a bad row is reported at once.
  const userData = cfg.trainData === '' ? undefined : readTrainingCsv(resolve(cfg.trainData), datasetContract(cfg.dataset), cfg.seed);
  const logger = createLogger({ service: 'modelgenerator', level: cfg.logLevel });
  const parts = await startParts(cfg, logger);
  const data = userData ?? datasetTrainingData(parts.loadDataset(), cfg.seed);
  const plans: TrainingPlan[] = parseSchedule(cfg.schedule, parts.backend);
  logger.info(`training ${plans.map(describePlan).join(', ')} on ${data.description}; every version is published`);
  const finished = parts.generator
    .runSchedule(plans, data, { seed: cfg.seed, intervalMs: cfg.intervalMs, publishAll: true, origin: 'command line' })
    .then((jobs) => {
      for (const job of jobs) {
        const v = job.view();
        const figures =
          v.metrics.accuracy === null
            ? ''
            : `: held-out accuracy ${v.metrics.accuracy.toFixed(4)} on ${v.metrics.testSamples} samples, trained on ${v.metrics.trainSamples}`;
        process.stdout.write(
          v.version === null
            ? `${v.request.architecture} ${v.state}${figures} (${v.error ?? v.outcome})\n`
            : `published ${parts.modelName} v${v.version} (${v.request.architecture})${figures}\n`,
        );
      }
      return jobs.length === plans.length && jobs.every((j) => j.state === 'published') ? 0 : 1;
    });
  return { finished, stop: () => parts.stop() };
}

/** Continual mode: the loop that watches for drift, trains challengers and judges candidates (loop/continual.ts). */
async function startContinualLoop(cfg: ConfigOf<typeof modelgeneratorSpec>, parts: Awaited<ReturnType<typeof startParts>>, logger: Logger) {
  const created = await parts.transport.waitForTopics([
    dataTopicSpec(cfg.dataTopic, DEFAULT_DATA_PARTITIONS),
    predictionTopicSpec(cfg.predictionTopic, DEFAULT_DATA_PARTITIONS),
  ]);
  if (created.length > 0) logger.info(`created topics: ${created.join(', ')}`);
  const loop = new ContinualLoop(
    {
      modelName: parts.modelName,
      modelTopic: cfg.modelTopic,
      dataTopic: cfg.dataTopic,
      predictionTopic: cfg.predictionTopic,
      contract: datasetContract(cfg.dataset),
      retrainSamples: cfg.continualSamples,
      epochs: cfg.continualEpochs,
      seed: cfg.seed,
      drift: { ...DEFAULT_PAGE_HINKLEY, tolerance: cfg.driftTolerance, threshold: cfg.driftThreshold },
      promotion: {
        ...DEFAULT_PROMOTION,
        significance: cfg.promotionSignificance,
        minPairs: cfg.promotionMinPairs,
        budget: cfg.promotionBudget,
      },
    },
    { transport: parts.transport, producer: parts.producer, generator: parts.generator, logger, metrics: parts.metrics },
  );
  await loop.start();
  return loop;
}

/** What both commands start: backend, Kafka, metrics, producer and the training queue; the dataset loads on demand. */
async function startParts(cfg: CommonConfig, logger: Logger) {
  // Every setting read from a file is checked before TensorFlow loads, so a bad one fails at once.
  const connection = transportSettings(cfg);
  const signingKey = cfg.signingKey === '' ? undefined : privateKeyFromPem(readFileSync(cfg.signingKey, 'utf8'), cfg.signingKey);
  const choice = await selectBackend(cfg.backend);
  logger.info(`TensorFlow.js backend: ${choice.backend} (${choice.reason})`);
  const load = () =>
    loadDataset(
      cfg.dataset,
      { seed: cfg.seed, drift: cfg.drift, cacheDir: resolve(cfg.cacheDir), ...(cfg.datasetDir === '' ? {} : { idxDir: cfg.datasetDir }) },
      (line) => logger.info(line),
    );
  const modelName = cfg.modelName === '' ? cfg.dataset : cfg.modelName;

  const kafka = createTransport(connection, logger);
  const created = await kafka.waitForTopics([modelTopicSpec(cfg.modelTopic)]);
  if (created.length > 0) logger.info(`created topics: ${created.join(', ')}`);
  const versions = new PublishedVersions(kafka, cfg.modelTopic, modelName);
  const latest = await versions.start();

  const registry = createRegistry('modelgenerator');
  const metrics = createGeneratorMetrics(registry);
  const server = cfg.metricsPort >= 0 ? new MetricsServer(registry, cfg.metricsPort) : undefined;
  if (server !== undefined) logger.info(`metrics on :${await server.start()}/metrics`);

  logger.info(
    signingKey === undefined ? 'models are published unsigned (no MODEL_SIGNING_KEY)' : `models are signed with key ${keyId(signingKey)}`,
  );
  const producer = kafka.producer();
  await producer.connect();
  const generator = new ModelGenerator({
    modelName,
    backend: choice.backend,
    firstVersion: latest + 1,
    latestOnTopic: () => versions.latest,
    publisher: new ModelPublisher(producer, cfg.modelTopic, cfg.modelRole),
    sign: (record) => (signingKey === undefined ? record : signModel(record, signingKey)),
    logger,
    metrics,
  });
  return {
    backend: choice.backend,
    loadDataset: load,
    modelName,
    generator,
    transport: kafka,
    producer,
    metrics,
    stop: async () => {
      await generator.stop();
      await versions.stop();
      await producer.disconnect();
      await server?.stop();
      await closeLogger(logger);
    },
  };
}
