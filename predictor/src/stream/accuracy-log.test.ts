import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PredictionRecord } from '@hotswap/shared';
import { RunningAccuracy } from './accuracy';
import { AccuracyLog } from './accuracy-log';

/** A delivered prediction as the log reads it: its outcome, the version, and the number its record carries. */
function delivered(predictions: number, correct: boolean | null): PredictionRecord {
  return { predictions, correct, model: { name: 'fashion-mnist', version: 2 } } as PredictionRecord;
}

/** The lines written for these batches, each counted on from the delivered figures before it, as the data path does. */
async function linesOf(batches: PredictionRecord[][]): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'hotswap-acclog-')), 'predictor.log');
  const log = new AccuracyLog(file, 10);
  const committed = new RunningAccuracy();
  for (const batch of batches) {
    log.write(batch, committed);
    for (const r of batch) committed.record(r.correct);
  }
  await log.close();
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.slice(l.indexOf(' ') + 1));
}

describe('AccuracyLog', () => {
  it('writes a line per 10 delivered predictions with the figures over those delivered, unlabelled ones counted but not scored', async () => {
    // 1 in 3 right; every fifth unlabelled.
    const records = Array.from({ length: 30 }, (_, i) => delivered(i + 1, i % 5 === 4 ? null : i % 3 === 0));
    const lines = await linesOf([records.slice(0, 7), records.slice(7)]);
    const expected = [10, 20, 30].map((n) => {
      const upTo = records.slice(0, n).filter((r) => r.correct !== null);
      const right = upTo.filter((r) => r.correct).length;
      return `accuracy=${(right / upTo.length).toFixed(4)} count=${upTo.length} predictions=${n} model=fashion-mnist v2`;
    });
    assert.deepEqual(lines, expected);
  });

  it('skips no line when the records skip numbers (a batch that was not delivered after a later one was scored)', async () => {
    // Numbered 1..15, then 26..40: the batch numbered 16..25 failed after 26.. was scored.
    const records = [...Array.from({ length: 15 }, (_, i) => i + 1), ...Array.from({ length: 15 }, (_, i) => i + 26)].map((n) =>
      delivered(n, true),
    );
    const lines = await linesOf([records]);
    assert.deepEqual(
      lines.map((l) => /predictions=(\d+)/.exec(l)?.[1]),
      ['10', '20', '30'],
    );
  });
});
