import { modelCodec, modelRecordKey, isControlRecord, type KafkaClient, type ModelRecord, type RecordProducer } from '@hotswap/shared';

/** Finds the highest version of a model already on the model topic, so numbering continues across restarts. */
export async function latestPublishedVersion(kafka: KafkaClient, topic: string, name: string): Promise<number> {
  let latest = 0;
  let caughtUp: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (caughtUp = resolve));
  const consumer = await kafka.readFromStart(
    topic,
    'hotswap-modelgenerator-scan',
    async (record) => {
      if (record.value === null || isControlRecord(record.headers)) return;
      try {
        const model = modelCodec.decode(record.value, record.headers);
        if (model.name === name) latest = Math.max(latest, model.version);
      } catch {
        // A record we cannot read holds no version we must count past.
      }
    },
    () => caughtUp(),
  );
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return latest;
}

/** Publishes model records keyed by name and version, so compaction keeps every version. */
export class ModelPublisher {
  constructor(
    private readonly producer: RecordProducer,
    private readonly topic: string,
  ) {}

  async publish(record: ModelRecord): Promise<number> {
    const value = modelCodec.encode(record);
    await this.producer.send(this.topic, [{ key: modelRecordKey(record.name, record.version), value, headers: modelCodec.headers() }]);
    return value.length;
  }
}
