import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { InboundRecord } from '@hotswap/shared';
import {
  ServiceProcess,
  isolatedNames,
  predictionsOf,
  produceRaw,
  readAll,
  readTopic,
  tempDir,
  type PredictionLike,
} from './support/services';

/** Where the drift starts, and the two classes that swap: Trouser and Bag, which the champion gets nearly always right. */
const DRIFT_FROM = 3000;
const SWAP = '1,8';
const RATE = 400;
/** Stated bounds the demonstration must meet. */
const DETECT_WITHIN = 1500;
const RECOVERY_MARGIN = 0.05;

function accuracy(predictions: PredictionLike[]): number {
  const labelled = predictions.filter((p) => p.correct !== null);
  return labelled.filter((p) => p.correct === true).length / Math.max(1, labelled.length);
}

/** The time at the start of a service's log line. */
function stampOf(line: string): number {
  const t = Date.parse(line.slice(0, line.indexOf(' ')));
  assert.ok(Number.isFinite(t), `no timestamp on: ${line}`);
  return t;
}

type Created = PredictionLike & { sampleCreatedAt: number };

/** A readTopic condition that parses each record once (a condition re-reading every record is quadratic): `target` records matching. */
function atLeast(target: number, matches: (p: Created) => boolean): (records: InboundRecord[]) => boolean {
  let read = 0;
  let count = 0;
  return (records) => {
    for (; read < records.length; read++) {
      const value = records[read]?.value;
      if (value !== null && value !== undefined && matches(JSON.parse(value.toString()) as Created)) count++;
    }
    return count >= target;
  };
}

describe('continual loop: drift on the stream, a challenger trained on it, promoted on evidence', function () {
  this.timeout(420_000);

  it('recovers the accuracy a label swap took, with no human action and no restart, while a worse candidate is rejected and a predictor without the loop stays down', async () => {
    const names = isolatedNames('loop');
    const control = isolatedNames('loop-ctl');
    const train = new ServiceProcess('modelgenerator', {
      ...names.env,
      MODEL_SCHEDULE: 'mlp:128@20000x3',
      MODEL_INTERVAL_MS: '0',
      TRAIN_PORT: '-1',
    });
    assert.equal(await train.exitCode(180_000), 0, train.lines.join('\n'));
    const predictor = (n: typeof names) =>
      new ServiceProcess('predictor', {
        ...n.env,
        DATA_TOPIC: names.dataTopic,
        PREDICTOR_GROUP: n.group,
        LOG_FILE: join(tempDir(n.id), 'p.log'),
        HTTP_PORT: '-1',
        METRICS_PORT: '-1',
      });
    const served = predictor(names);
    const unlooped = predictor(control);
    const loop = new ServiceProcess('modelgenerator', {
      ...names.env,
      CONTINUAL: 'on',
      MODEL_SCHEDULE: 'none',
      TRAIN_PORT: '-1',
      METRICS_PORT: '-1',
      CONTINUAL_SAMPLES: '2000',
      CONTINUAL_EPOCHS: '3',
    });
    let data: ServiceProcess | undefined;
    try {
      await unlooped.waitFor(/reading models of fashion-mnist/, 120_000);
      // The control serves the same v1 from a model topic of its own, where no candidate or decision ever comes.
      const v1 = (await readAll(names.modelTopic)).filter((r) => r.value !== null);
      await produceRaw(
        control.modelTopic,
        v1.map((r) => ({ key: r.key, value: r.value as Buffer, headers: r.headers })),
      );

      await Promise.all([served, unlooped].map((p) => p.waitFor(/swapped in fashion-mnist v1/, 120_000)));
      await loop.waitFor(/continual: watching fashion-mnist's live errors/, 120_000);
      data = new ServiceProcess('datagenerator', {
        ...names.env,
        RATE: String(RATE),
        COUNT: '0',
        RUN_ID: names.id,
        DRIFT_SWAP_LABELS: SWAP,
        DRIFT_FROM_SAMPLE: String(DRIFT_FROM),
      });
      await served.waitFor(/first prediction by v1/, 60_000);

      // A deliberately worse candidate, published before the drift: judged and rejected, never served.
      const bad = new ServiceProcess('modelgenerator', {
        ...names.env,
        MODEL_SCHEDULE: 'mlp:4@300x1',
        MODEL_INTERVAL_MS: '0',
        MODEL_ROLE: 'candidate',
        TRAIN_PORT: '-1',
        METRICS_PORT: '-1',
      });
      assert.equal(await bad.exitCode(120_000), 0, bad.lines.join('\n'));
      assert.match(bad.lines.join('\n'), /published fashion-mnist v2 as a candidate/);
      await loop.waitFor(/continual: rejecting v2 \(champion-better\) against v1/, 120_000);

      const driftAt = stampOf(await data.waitFor(/drift: sample 3000 on carries swapped labels/, 120_000));
      const detectedAt = stampOf(await loop.waitFor(/continual: drift detected: v1's live error rate rose/, 120_000));
      const published = await loop.waitFor(/published fashion-mnist v3 as a candidate/, 180_000);
      const promotion = await loop.waitFor(/continual: promoting v3 \(challenger-better\) against v1/, 120_000);
      const swappedAt = stampOf(await served.waitFor(/swapped v1 -> fashion-mnist v3/, 60_000));

      // Enough predictions by v3 to measure the recovery on samples made well after the swap.
      const records = await readTopic(
        names.predictionTopic,
        atLeast(2000, (p) => p.model.version === 3 && p.sampleCreatedAt > swappedAt + 1000),
        120_000,
      );
      const withLoop = predictionsOf(records) as Created[];
      const controlRecords = await readTopic(
        control.predictionTopic,
        atLeast(1, (p) => p.sampleCreatedAt > swappedAt + 7000),
        60_000,
      );
      const withoutLoop = predictionsOf(controlRecords) as Created[];

      const before = withLoop.filter((p) => p.sampleCreatedAt < driftAt - 1000).slice(-1500);
      const bottom = withLoop.filter((p) => p.sampleCreatedAt > driftAt && p.model.version === 1);
      const after = withLoop.filter((p) => p.model.version === 3 && p.sampleCreatedAt > swappedAt + 1000).slice(0, 2000);
      const window = { from: Math.min(...after.map((p) => p.sampleCreatedAt)), to: Math.max(...after.map((p) => p.sampleCreatedAt)) };
      const controlAfter = withoutLoop.filter((p) => p.sampleCreatedAt >= window.from && p.sampleCreatedAt <= window.to);
      const toDetect = withLoop.filter((p) => p.sampleCreatedAt > driftAt && p.predictedAt <= detectedAt).length;
      const figures = {
        samplesToDetect: toDetect,
        secondsToTrainAndPublish: (stampOf(published) - detectedAt) / 1000,
        pairsToPromote: Number(/against v1: (\d+) pairs/.exec(promotion)?.[1]),
        secondsFromDriftToSwap: (swappedAt - driftAt) / 1000,
        accuracyBefore: accuracy(before),
        accuracyAtBottom: accuracy(bottom),
        accuracyAfter: accuracy(after),
        accuracyWithoutLoop: accuracy(controlAfter),
        samples: { before: before.length, bottom: bottom.length, after: after.length, withoutLoop: controlAfter.length },
      };
      process.stdout.write(`      continual loop figures: ${JSON.stringify(figures)}\n`);

      assert.ok(toDetect <= DETECT_WITHIN, `drift detected ${toDetect} samples after it began, more than ${DETECT_WITHIN}`);
      assert.ok(
        figures.accuracyAtBottom < figures.accuracyBefore - 0.1,
        `the swap took accuracy from ${figures.accuracyBefore} to ${figures.accuracyAtBottom}`,
      );
      assert.ok(
        figures.accuracyWithoutLoop < figures.accuracyBefore - 0.1,
        `without the loop accuracy stayed down: ${figures.accuracyWithoutLoop}`,
      );
      assert.ok(
        figures.accuracyAfter >= figures.accuracyBefore - RECOVERY_MARGIN,
        `recovered to ${figures.accuracyAfter}, within ${RECOVERY_MARGIN} of ${figures.accuracyBefore}`,
      );
      assert.ok(controlAfter.length > 1000, `the control predicted the same window (${controlAfter.length})`);
      assert.ok(
        withLoop.every((p) => p.model.version !== 2),
        'the worse candidate never served',
      );
      assert.ok(served.running && unlooped.running, 'no restart: both predictors ran throughout');
    } finally {
      await data?.stop();
      const codes = await Promise.all([served, unlooped, loop].map((p) => p.stop(30_000)));
      assert.deepEqual(codes, [0, 0, 0]);
    }
  });
});
