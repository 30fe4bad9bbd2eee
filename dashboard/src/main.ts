#!/usr/bin/env node
import { Counter, Histogram } from 'prom-client';
import {
  MetricsServer,
  closeLogger,
  createLogger,
  createRegistry,
  createTransport,
  dataTopicSpec,
  describeTransport,
  modelTopicSpec,
  predictionTopicSpec,
  readConfig,
  runMain,
  transportSettings,
} from '@hotswap/shared';
import { DEFAULT_LIMITS, DashboardAggregate } from './aggregate';
import { SUMMARY, dashboardSpec } from './config';
import { EventStream } from './events';
import { TopicFeeds } from './feeds';
import { DashboardServer } from './server';

runMain('dashboard', async () => {
  const cfg = readConfig('dashboard', SUMMARY, dashboardSpec);
  const logger = createLogger({ service: 'dashboard', level: cfg.logLevel });
  const transportAt = transportSettings(cfg);
  const aggregate = new DashboardAggregate({
    ...DEFAULT_LIMITS,
    window: cfg.window,
    mistakes: cfg.mistakes,
    recentSamples: cfg.recentSamples,
  });
  // The page's files are read before anything connects, so a missing bundle fails at once.
  const events = new EventStream(aggregate, cfg.pushMs);
  const server = new DashboardServer(aggregate, events);

  const transport = createTransport(transportAt, logger);
  const created = await transport.waitForTopics([
    dataTopicSpec(cfg.dataTopic, cfg.dataPartitions),
    modelTopicSpec(cfg.modelTopic),
    predictionTopicSpec(cfg.predictionTopic, cfg.dataPartitions),
  ]);
  if (created.length > 0) logger.info(`created topics: ${created.join(', ')}`);

  const registry = createRegistry('dashboard');
  const records = new Counter({
    name: 'hotswap_dashboard_records_total',
    help: 'Records read, by topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'hotswap_dashboard_lag_seconds',
    help: "Time from a live prediction's predictedAt to its aggregation here",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const metrics = cfg.metricsPort >= 0 ? new MetricsServer(registry, cfg.metricsPort) : undefined;
  if (metrics !== undefined) logger.info(`metrics on :${await metrics.start()}/metrics`);

  const feeds = new TopicFeeds(cfg, transport, aggregate, logger, (topic, lagMs) => {
    records.inc({ topic });
    if (lagMs !== null) lag.observe(lagMs / 1000);
  });
  await feeds.start();
  events.start();
  const port = await server.start(cfg.port, cfg.host);
  logger.info(`reading ${cfg.predictionTopic}, ${cfg.modelTopic} and ${cfg.dataTopic} over ${describeTransport(transportAt)}`);
  logger.info(`dashboard on http://${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${port}/`);
  return {
    stop: async () => {
      logger.info('stopping: closing the pages and leaving the topics');
      await server.stop();
      await feeds.stop();
      await metrics?.stop();
      await closeLogger(logger);
    },
  };
});
