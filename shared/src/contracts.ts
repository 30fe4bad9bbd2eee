// The contracts layer: records, their Avro codecs, model checks and signatures, control records.
// Pure data and checks: importing it loads no Kafka, logging, metrics or TensorFlow code.
export * from './bytes';
export * from './schemas/codec';
export * from './schemas/records';
export * from './model/checks';
export * from './model/control';
export * from './model/signing';
export { featureLength } from './datasets/dataset';
