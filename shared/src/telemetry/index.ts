// The telemetry layer: the winston logger, Prometheus metrics and the small HTTP server they use.
export * from './logger';
export * from './metrics';
export * from '../http';
