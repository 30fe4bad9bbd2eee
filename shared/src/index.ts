// Everything, for a service's main.ts. Code that needs one layer imports it by its own path
// (@hotswap/shared/contracts, /kafka, /tf, /model, /telemetry, /config, /datasets), so a thread
// that only decodes records loads no Kafka, logging or metrics code.
export * from './contracts';
export * from './config';
export * from './settings';
export * from './lifecycle';
export * from './retry';
export * from './tf';
export * from './kafka';
export { transportSpec, transportSettings, createTransport, describeTransport, type TransportSettings } from './transport';
export * from './transport/transport';
export * from './datasets';
export * from './model/serialize';
export * from './model/fixture';
export * from './telemetry';
