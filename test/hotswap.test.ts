import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  ServiceProcess,
  assertOneSwitch,
  groupCaughtUp,
  isolatedNames,
  predictionsOf,
  readAll,
  readTopic,
  tempDir,
} from './support/services';

describe('hot swap under load', function () {
  this.timeout(240_000);
  const names = isolatedNames('swap');
  const common = names.env;

  it('switches from v1 to v2 at one point while data flows, never back, losing nothing', async () => {
    const predictor = new ServiceProcess('predictor', {
      ...common,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('swap'), 'p.log'),
      BATCH_SIZE: '32',
    });
    let data: ServiceProcess | undefined;
    try {
      await predictor.waitFor(/reading models/);
      // v1 at once; v2 a few seconds later, while the data stream (200/s) is flowing.
      const models = new ServiceProcess('modelgenerator', {
        ...common,
        MODEL_SCHEDULE: 'mlp:8@500x1,mlp:64@6000x2',
        MODEL_INTERVAL_MS: '3000',
      });
      await models.waitFor(/published fashion-mnist v1/, 120_000);
      // Without end, stopped once v2 has served a while: a set count could run out before v2 is trained on a slow machine.
      data = new ServiceProcess('datagenerator', { ...common, RATE: '200', COUNT: '0', RUN_ID: names.id });
      assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
      await predictor.waitFor(/swapped v1 -> fashion-mnist v2/, 60_000);
      await readTopic(names.predictionTopic, (r) => predictionsOf(r).filter((p) => p.model.version === 2).length >= 200, 60_000);
      assert.equal(await data.stop(), 0);
      const SAMPLES = Number(/sent (\d+) samples in /.exec(data.lines.join('\n'))?.[1]);
      assert.ok(SAMPLES > 200, `the datagenerator said how many it sent: ${data.lines.slice(-3).join(' | ')}`);
      // Every sample sent is in the predictor's hands once its group has committed them all.
      await groupCaughtUp(names.group, names.dataTopic);
      const predictions = predictionsOf(await readAll(names.predictionTopic));

      assert.equal(predictions.length, SAMPLES);
      assert.equal(new Set(predictions.map((p) => p.sampleId)).size, SAMPLES, 'no sample predicted twice');
      assert.equal(new Set(predictions.map((p) => p.predictor)).size, 1, 'one predictor process made them all');
      assert.ok(predictor.running, 'the predictor never restarted');
      const versions = predictions.map((p) => p.model.version);
      const switchAt = assertOneSwitch(versions, 1, 2);
      assert.ok(switchAt < SAMPLES - 100, `v2 took over while data still flowed (at ${switchAt} of ${SAMPLES})`);
      await predictor.waitFor(/swapped v1 -> fashion-mnist v2/);
      await predictor.waitFor(/first prediction by v2 \d+ ms after its record arrived/);

      const lines = [predictor, models, data].flatMap((s) => s.lines);
      // An error line means a person must act: a healthy run through a swap prints none.
      assert.deepEqual(
        lines.filter((l) => /^\S+ \S+ error: /.test(l)),
        [],
        'no line at error level',
      );
      // Nor TensorFlow's own C++ start-up lines, which bypass our log format.
      assert.deepEqual(
        lines.filter((l) => /tensorflow\/core\/|cpu_feature_guard|oneDNN/.test(l)),
        [],
        'no TensorFlow C++ start-up line',
      );
    } finally {
      await data?.stop();
      assert.equal(await predictor.stop(), 0);
    }
  });
});
