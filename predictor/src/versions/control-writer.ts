import { controlHeaders, encodeControl, type ModelControl } from '@hotswap/shared/contracts';
import { controlRecordKey } from '@hotswap/shared/kafka';
import type { RecordSender, Transport } from '@hotswap/shared/transport';

/** How long a management call waits for this replica to read and apply its own control record. */
const CONTROL_APPLY_TIMEOUT_MS = 30_000;

/**
 * Writes control records (pin, unpin, rollback) to the model topic, so every replica follows them,
 * and resolves once this replica has read its own back and applied it (`applied`, called by
 * whoever reads the model topic).
 */
export class ControlWriter {
  private producer: Promise<RecordSender> | undefined;
  /** Management calls waiting for their control record to come back through the model topic. */
  private readonly waiters = new Map<string, () => void>();

  constructor(
    private readonly transport: Transport,
    private readonly modelTopic: string,
  ) {}

  async write(control: ModelControl): Promise<void> {
    let applied: () => void = () => undefined;
    const readBack = new Promise<void>((resolve) => (applied = resolve));
    // Registered before the write: the model feed may read the record back before send() returns.
    this.waiters.set(control.id, applied);
    let timer: NodeJS.Timeout | undefined;
    try {
      const producer = await this.connected();
      await producer.send(this.modelTopic, [
        { key: controlRecordKey(control.model), ordering: control.model, value: encodeControl(control), headers: controlHeaders() },
      ]);
      await Promise.race([
        readBack,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`control record ${control.action} written, but not read back within ${CONTROL_APPLY_TIMEOUT_MS / 1000} s`)),
            CONTROL_APPLY_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.waiters.delete(control.id);
    }
  }

  /** A control record was read back from the model topic and applied. */
  applied(control: ModelControl): void {
    this.waiters.get(control.id)?.();
  }

  async stop(): Promise<void> {
    await (await this.producer?.catch(() => undefined))?.disconnect();
  }

  /** The producer, connected on first use; a failed connection is retried on the next call. */
  private connected(): Promise<RecordSender> {
    if (this.producer === undefined) {
      const producer = this.transport.producer();
      const connected = producer.connect().then(() => producer);
      connected.catch(() => {
        if (this.producer === connected) this.producer = undefined;
      });
      this.producer = connected;
    }
    return this.producer;
  }
}
