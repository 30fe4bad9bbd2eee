import { setTimeout as sleep } from 'node:timers/promises';
import { retryForever, sampleCodec, type Logger, type OutboundRecord, type RecordSender } from '@hotswap/shared';
import type { LabelSwap } from './drift';
import { samplesDue, type SampleSource } from './stream';

export interface DataGeneratorParts {
  source: SampleSource;
  producer: RecordSender;
  topic: string;
  rate: number;
  /** 0 for endless. */
  count: number;
  logger: Logger;
  onSent?: (n: number) => void;
  /** Sudden drift: two classes trade labels from one position on; undefined when off. */
  labelSwap?: LabelSwap | undefined;
  /** Called after each send with how many of its samples carried a swapped label. */
  onDrifted?: (n: number) => void;
}

const MAX_BATCH = 500;

/** Sends samples at the configured rate until `count` are sent or it is stopped. */
export class DataGenerator {
  private stopping = false;
  private readonly abort = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private driftAnnounced = false;
  sent = 0;

  constructor(private readonly parts: DataGeneratorParts) {}

  run(): Promise<void> {
    this.running = this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    const { producer, topic, rate, count, logger } = this.parts;
    const started = Date.now();
    let lastReport = started;
    const total = count === 0 ? Number.POSITIVE_INFINITY : count;
    while (!this.stopping && this.sent < total) {
      const due = Math.min(samplesDue(rate, Date.now() - started, this.sent, MAX_BATCH), total - this.sent);
      if (due === 0) {
        try {
          await sleep(Math.max(1, Math.min(100, 1000 / rate)), undefined, { signal: this.abort.signal });
        } catch {
          break;
        }
        continue;
      }
      const { records, drifted } = this.batch(due, Date.now());
      try {
        // A broker restart must not end the stream: wait it out, then send the same records.
        await retryForever(() => producer.send(topic, records), {
          what: `sending ${due} samples`,
          warn: (l) => logger.warn(l),
          signal: this.abort.signal,
        });
      } catch (e) {
        if (this.stopping) break;
        throw e;
      }
      this.sent += due;
      this.parts.onSent?.(due);
      if (drifted > 0) this.parts.onDrifted?.(drifted);
      const swap = this.parts.labelSwap;
      if (swap !== undefined && !this.driftAnnounced && this.sent > swap.fromSample) {
        this.driftAnnounced = true;
        logger.info(swap.firstDriftLine);
      }
      if (Date.now() - lastReport >= 5000) {
        lastReport = Date.now();
        const seconds = (lastReport - started) / 1000;
        const of = count === 0 ? '' : ` of ${count} (${((100 * this.sent) / count).toFixed(0)}%)`;
        logger.info(`sent ${this.sent}${of} samples, ${(this.sent / seconds).toFixed(0)}/s`);
      }
    }
    logger.info(`sent ${this.sent} samples in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** The records of the next `due` positions, and how many of them carry a swapped label. */
  private batch(due: number, now: number): { records: OutboundRecord[]; drifted: number } {
    const { source, labelSwap } = this.parts;
    const records: OutboundRecord[] = [];
    let drifted = 0;
    for (let i = 0; i < due; i++) {
      const position = this.sent + i;
      const sample = source.sampleAt(position, now);
      const label = labelSwap === undefined ? sample.label : labelSwap.labelAt(sample.label, position);
      if (label !== sample.label) drifted++;
      // Only the label changes: the features stay those of the original class.
      const record = label === sample.label ? sample : { ...sample, label };
      records.push({ key: record.sampleId, value: sampleCodec.encode(record), headers: sampleCodec.headers(), timestamp: now });
    }
    return { records, drifted };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    // Let an in-flight send finish, so the producer is idle when it disconnects.
    await this.running.catch(() => undefined);
  }
}
