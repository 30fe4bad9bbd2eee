#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Counter } from 'prom-client';
import {
  createTransport,
  MetricsServer,
  replyTopicSpec,
  requestTopicSpec,
  type DatasetName,
  type Logger,
  closeLogger,
  createRegistry,
  createLogger,
  dataTopicSpec,
  heldOutSplit,
  transportSettings,
  loadDataset,
  readConfig,
  runMain,
} from '@hotswap/shared';
import { SUMMARY, datageneratorSpec, labelSwapFor } from './config';
import { DataGenerator } from './generator';
import { RequestClient } from './request-client';
import { REQUEST_SUMMARY, requestSpec } from './request-config';
import { SplitSource, SyntheticSource, type SampleSource } from './stream';

interface SourceSettings {
  dataset: DatasetName;
  datasetDir: string;
  cacheDir: string;
  split: 'test' | 'train';
  seed: number;
  drift: number;
  unlabelledRatio: number;
}

function sampleSource(cfg: SourceSettings, runId: string, logger: Logger): SampleSource {
  const sourceOptions = { runId, unlabelledRatio: cfg.unlabelledRatio, seed: cfg.seed };
  if (cfg.dataset === 'synthetic') return new SyntheticSource(cfg.seed, cfg.drift, sourceOptions);
  const ds = loadDataset(
    cfg.dataset,
    { seed: cfg.seed, drift: cfg.drift, cacheDir: resolve(cfg.cacheDir), ...(cfg.datasetDir === '' ? {} : { idxDir: cfg.datasetDir }) },
    (line) => logger.info(line),
  );
  const split = heldOutSplit(ds.size, cfg.seed);
  return new SplitSource(ds, cfg.split === 'test' ? split.test : split.train, cfg.split, sourceOptions);
}

if (process.argv[2] === 'request') {
  runMain('datagenerator request', async () => {
    const cfg = readConfig('datagenerator request', REQUEST_SUMMARY, requestSpec, process.argv.slice(3));
    // Replies go to stdout, one JSON line each; the log goes to stderr, so the two never mix.
    const logger = createLogger({ service: 'request', level: cfg.logLevel });
    const clientId = cfg.runId === '' ? `client-${randomBytes(4).toString('hex')}` : cfg.runId;
    // Settings read from a file are checked before the dataset loads, so a bad one fails at once.
    const connection = transportSettings(cfg);
    const source = sampleSource(cfg, clientId, logger);
    const kafka = createTransport(connection, logger);
    await kafka.waitForTopics([requestTopicSpec(cfg.requestTopic, cfg.dataPartitions), replyTopicSpec(cfg.replyTopic, cfg.dataPartitions)]);
    const producer = kafka.producer();
    await producer.connect();
    const client = new RequestClient({
      source,
      producer,
      requestTopic: cfg.requestTopic,
      replyTopic: cfg.replyTopic,
      clientId,
      requestSize: cfg.requestSize,
      requests: cfg.requests,
      rate: cfg.requestRate,
      timeoutMs: cfg.replyTimeoutMs,
      logger,
      print: (line) => process.stdout.write(`${line}\n`),
    });
    const replies = await kafka.readFromNow(cfg.replyTopic, 'hotswap-request-replies', (record) => client.onReply(record));
    logger.info(
      `client ${clientId}: ${cfg.requests === 0 ? 'endless' : cfg.requests} request(s) of ${cfg.requestSize} sample(s) to ${cfg.requestTopic}, replies on ${cfg.replyTopic}`,
    );
    const finished = client.run().then((s) => {
      const times = s.p50 === null ? '' : `; round trip p50 ${s.p50} ms, p99 ${s.p99} ms`;
      logger.info(`${s.sent} sent, ${s.answered} answered, ${s.failed} failed (${s.timedOut} without a reply)${times}`);
      return s.failed > 0 || s.answered < s.sent ? 1 : 0;
    });
    return {
      finished,
      stop: async () => {
        client.stop();
        await finished.catch(() => undefined);
        await replies.disconnect();
        await producer.disconnect();
        await closeLogger(logger);
      },
    };
  });
} else {
  runMain('datagenerator', async (onFatal) => {
    const cfg = readConfig('datagenerator', SUMMARY, datageneratorSpec);
    const logger = createLogger({ service: 'datagenerator', level: cfg.logLevel });
    const runId = cfg.runId === '' ? randomBytes(3).toString('hex') : cfg.runId;
    // Settings read from a file are checked before the dataset loads, so a bad one fails at once.
    const connection = transportSettings(cfg);
    const labelSwap = labelSwapFor(cfg);
    const source = sampleSource(cfg, runId, logger);

    const kafka = createTransport(connection, logger);
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
    const drifted = new Counter({
      name: 'hotswap_datagenerator_drifted_samples_total',
      help: 'Samples written to the data topic with their label swapped by DRIFT_SWAP_LABELS',
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
      labelSwap,
      onDrifted: (n) => drifted.inc({ dataset: cfg.dataset }, n),
    });
    logger.info(
      `streaming ${cfg.dataset} (${cfg.split} split, run ${runId}) to ${cfg.dataTopic} at ${cfg.rate === 0 ? 'full speed' : `${cfg.rate}/s`}${cfg.count === 0 ? ', endless' : `, ${cfg.count} samples`}`,
    );
    if (labelSwap !== undefined) {
      logger.info(labelSwap.startLine);
      const unreached = labelSwap.unreachedWarning(cfg.count);
      if (unreached !== undefined) logger.warn(unreached);
    }
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
}
