import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ServiceProcess, assertOneSwitch, isolatedNames, predictionsOf, readTopic, tempDir } from './support/services';

describe('hot swap under load', function () {
  this.timeout(240_000);
  const names = isolatedNames('swap');
  const common = names.env;
  const SAMPLES = 2400;

  it('switches from v1 to v2 at one point while data flows, never back, losing nothing', async () => {
    const predictor = new ServiceProcess('predictor', {
      ...common,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('swap'), 'p.log'),
      BATCH_SIZE: '32',
    });
    try {
      await predictor.waitFor(/reading models/);
      // v1 at once; v2 a few seconds later, while the data stream (~12 s at 200/s) is flowing.
      const models = new ServiceProcess('modelgenerator', {
        ...common,
        MODEL_SCHEDULE: 'mlp:8@500x1,mlp:64@6000x2',
        MODEL_INTERVAL_MS: '3000',
      });
      await models.waitFor(/published fashion-mnist v1/, 120_000);
      const data = new ServiceProcess('datagenerator', { ...common, RATE: '200', COUNT: String(SAMPLES), RUN_ID: names.id });
      assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
      assert.equal(await data.exitCode(120_000), 0);
      const predictions = predictionsOf(await readTopic(names.predictionTopic, (r) => r.length >= SAMPLES, 120_000));

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
      assert.equal(await predictor.stop(), 0);
    }
  });
});
