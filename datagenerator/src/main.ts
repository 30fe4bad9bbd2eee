#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Counter } from 'prom-client';
import {
  KafkaClient,
  MetricsServer,
  closeLogger,
  createRegistry,
  createLogger,
  dataTopicSpec,
  heldOutSplit,
  kafkaConnectionSettings,
  loadDataset,
  readConfig,
  runMain,
} from '@hotswap/shared';
import { SUMMARY, datageneratorSpec } from './config';
import { DataGenerator } from './generator';
import { SplitSource, SyntheticSource, type SampleSource } from './stream';

runMain('datagenerator', async (onFatal) => {
  const cfg = readConfig('datagenerator', SUMMARY, datageneratorSpec);
  const logger = createLogger({ service: 'datagenerator', level: cfg.logLevel });
  const runId = cfg.runId === '' ? randomBytes(3).toString('hex') : cfg.runId;
  const sourceOptions = { runId, unlabelledRatio: cfg.unlabelledRatio, seed: cfg.seed };
  let source: SampleSource;
  if (cfg.dataset === 'synthetic') {
    source = new SyntheticSource(cfg.seed, cfg.drift, sourceOptions);
  } else {
    const ds = loadDataset(
      cfg.dataset,
      { seed: cfg.seed, drift: cfg.drift, cacheDir: resolve(cfg.cacheDir), ...(cfg.datasetDir === '' ? {} : { idxDir: cfg.datasetDir }) },
      (line) => logger.info(line),
    );
    const split = heldOutSplit(ds.size, cfg.seed);
    source = new SplitSource(ds, cfg.split === 'test' ? split.test : split.train, cfg.split, sourceOptions);
  }

  const kafka = new KafkaClient(kafkaConnectionSettings(cfg), logger);
  const created = await kafka.waitForTopics([dataTopicSpec(cfg.dataTopic, cfg.dataPartitions)]);
  if (created.length > 0) logger.info(`created topics: ${created.join(', ')}`);
  const producer = kafka.producer();
  await producer.connect();
  const registry = createRegistry('datagenerator');
  const produced = new Counter({
    name: 'hotswap_samples_produced_total',
    help: 'Samples written to the data topic',
    labelNames: ['dataset'],
    registers: [registry],
  });
  const server = cfg.metricsPort >= 0 ? new MetricsServer(registry, cfg.metricsPort) : undefined;
  if (server !== undefined) logger.info(`metrics on :${await server.start()}/metrics`);
  const generator = new DataGenerator({
    source,
    producer,
    topic: cfg.dataTopic,
    rate: cfg.rate,
    count: cfg.count,
    logger,
    onSent: (n) => produced.inc({ dataset: cfg.dataset }, n),
  });
  logger.info(
    `streaming ${cfg.dataset} (${cfg.split} split, run ${runId}) to ${cfg.dataTopic} at ${cfg.rate === 0 ? 'full speed' : `${cfg.rate}/s`}${cfg.count === 0 ? ', endless' : `, ${cfg.count} samples`}`,
  );
  generator.run().then(
    () => process.kill(process.pid, 'SIGTERM'),
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
