import {
  modelCodec,
  modelRecordKey,
  isControlRecord,
  HEADER_MODEL_ROLE,
  type ModelRecord,
  type ModelRole,
  type RecordSender,
  type TopicReader,
  type Transport,
} from '@hotswap/shared';

/**
 * Follows the model topic for the highest version of a model: read to the end at start, so
 * numbering continues across restarts, then kept up to date, so versions another modelgenerator
 * (e.g. a `train` command) publishes meanwhile are counted past too.
 */
export class PublishedVersions {
  private highest = 0;
  private consumer: TopicReader | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly topic: string,
    private readonly name: string,
  ) {}

  /** Reads the topic to its end and resolves with the highest version there (0 for none); following goes on until stop. */
  async start(): Promise<number> {
    let caughtUp: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    this.consumer = await this.transport.readFromStart(
      this.topic,
      'hotswap-modelgenerator-scan',
      async (record) => {
        if (record.value === null || isControlRecord(record.headers)) return;
        try {
          const model = modelCodec.decode(record.value, record.headers);
          if (model.name === this.name) this.highest = Math.max(this.highest, model.version);
        } catch {
          // A record we cannot read holds no version we must count past.
        }
      },
      () => caughtUp(),
    );
    await done;
    return this.highest;
  }

  get latest(): number {
    return this.highest;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}

/** Publishes model records keyed by name and version, so compaction keeps every version. */
export class ModelPublisher {
  constructor(
    private readonly producer: RecordSender,
    private readonly topic: string,
    readonly role: ModelRole = 'release',
  ) {}

  async publish(record: ModelRecord, role: ModelRole = this.role): Promise<number> {
    const value = modelCodec.encode(record);
    // A candidate says so in a header; a release carries none, as records always have.
    const headers = role === 'candidate' ? { ...modelCodec.headers(), [HEADER_MODEL_ROLE]: 'candidate' } : modelCodec.headers();
    // One ordering per model name: where there are no partitions (Pub/Sub), its versions still arrive in order.
    await this.producer.send(this.topic, [{ key: modelRecordKey(record.name, record.version), ordering: record.name, value, headers }]);
    return value.length;
  }
}
