export * from './client';
export * from './connection';
export * from './consumer';
export * from './partitioning';
export * from './producers';
export * from './records';
export * from './requests';
export * from './topics';
