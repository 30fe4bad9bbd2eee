import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import winston from 'winston';
import type { PredictionRecord } from '@hotswap/shared';
import type { RunningAccuracy } from './accuracy';

/**
 * The accuracy log users take out of the container: one line per `every` predictions this replica
 * delivered, e.g. `2026-11-23T10:00:00.000Z accuracy=0.8421 count=120 predictions=120 model=fashion-mnist v2`.
 * It counts on from the ledger's delivered figures, not by the numbers the records carry: those
 * skip the numbers of a batch that failed to deliver after a later one was scored (see
 * AccuracyLedger), and a line would be skipped with them.
 */
export class AccuracyLog {
  private readonly logger: winston.Logger;
  private readonly file: winston.transports.FileTransportInstance;
  /** Lines not yet handed to the file. */
  private readonly pending: string[] = [];
  private writing = false;
  private readonly idle: (() => void)[] = [];

  constructor(
    file: string,
    private readonly every: number,
    rotation: { maxBytes: number; maxFiles: number } = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 },
  ) {
    mkdirSync(dirname(file), { recursive: true });
    // tailable: the newest lines are always in `file`; older ones move to file1, file2, ...
    this.file = new winston.transports.File({ filename: file, maxsize: rotation.maxBytes, maxFiles: rotation.maxFiles, tailable: true });
    this.logger = winston.createLogger({
      level: 'info',
      transports: [this.file],
      format: winston.format.combine(
        winston.format.timestamp(),
        winston.format.printf(({ timestamp, message }) => `${String(timestamp)} ${String(message)}`),
      ),
    });
  }

  /**
   * A batch's delivered predictions, in order, counted on from `before` (the delivered figures
   * before this batch, left as they are); a line at each multiple of `every`.
   */
  write(records: readonly PredictionRecord[], before: RunningAccuracy): void {
    const delivered = before.copy();
    for (const r of records) {
      delivered.record(r.correct);
      if (delivered.predictions % this.every !== 0) continue;
      const accuracy = delivered.value === null ? 'n/a' : delivered.value.toFixed(4);
      this.pending.push(
        `accuracy=${accuracy} count=${delivered.labelled} predictions=${delivered.predictions} model=${r.model.name} v${r.model.version}`,
      );
    }
    if (!this.writing) this.writeNext();
  }

  /**
   * One line at a time, the next once the file has taken the last: winston checks the file's size
   * only after a write is done, so a batch's lines written at once all landed in one file, far past
   * its size limit.
   */
  private writeNext(): void {
    const line = this.pending.shift();
    this.writing = line !== undefined;
    if (line === undefined) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    // A write that fails is never 'logged': go on after its error too, or the queue (and close) would wait for ever.
    const next = (): void => {
      this.file.off('logged', next);
      this.file.off('error', next);
      this.writeNext();
    };
    this.file.on('logged', next);
    this.file.on('error', next);
    this.logger.info(line);
  }

  async close(): Promise<void> {
    if (this.writing) await new Promise<void>((resolve) => this.idle.push(resolve));
    await new Promise<void>((resolve) => {
      this.logger.on('finish', () => resolve());
      this.logger.end();
    });
  }
}
