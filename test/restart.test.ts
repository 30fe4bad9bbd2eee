import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ServiceProcess, groupCaughtUp, isolatedNames, readAll, readTopic, tempDir, type PredictionLike } from './support/services';

describe('predictor restart', function () {
  this.timeout(240_000);
  const names = isolatedNames('restart');
  const common = names.env;
  const predictorEnv = { ...common, PREDICTOR_GROUP: names.group, LOG_FILE: join(tempDir('restart'), 'p.log') };
  const parse = (v: Buffer | null) => JSON.parse((v as Buffer).toString()) as PredictionLike;

  it('serves the latest published model at once, and resumes from its committed offsets', async () => {
    // Models exist before any predictor does.
    const models = new ServiceProcess('modelgenerator', { ...common, MODEL_SCHEDULE: 'mlp:8@500x1,mlp:32@3000x1', MODEL_INTERVAL_MS: '0' });
    assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));

    const first = new ServiceProcess('predictor', predictorEnv);
    await first.waitFor(/loaded fashion-mnist v2/);
    const batch1 = new ServiceProcess('datagenerator', { ...common, RATE: '0', COUNT: '200', RUN_ID: `${names.id}a` });
    assert.equal(await batch1.exitCode(), 0);
    const firstRun = (await readTopic(names.predictionTopic, (r) => r.length >= 200)).map((r) => parse(r.value));
    await first.waitFor(/swapped in fashion-mnist v2/);
    assert.ok(!first.lines.some((l) => /loaded fashion-mnist v1/.test(l)), 'v1 was never loaded: the latest serves at once');
    assert.ok(
      firstRun.every((p) => p.model.version === 2),
      'every prediction came from v2',
    );
    assert.equal(await first.stop(), 0);

    // While no predictor runs, more data arrives.
    const batch2 = new ServiceProcess('datagenerator', { ...common, RATE: '0', COUNT: '200', RUN_ID: `${names.id}b` });
    assert.equal(await batch2.exitCode(), 0);

    const second = new ServiceProcess('predictor', predictorEnv);
    try {
      const records = await readTopic(names.predictionTopic, (r) => r.length >= 400);
      await groupCaughtUp(names.group, names.dataTopic);
      const all = (await readAll(names.predictionTopic)).map((r) => parse(r.value));
      assert.ok(records.length >= 400);
      assert.equal(all.length, 400, 'no sample predicted again after the restart');
      assert.equal(new Set(all.map((p) => p.sampleId)).size, 400);
      const afterRestart = all.filter((p) => p.predictor !== all[0]!.predictor);
      assert.equal(afterRestart.length, 200, 'the restarted predictor predicted exactly the new samples');
      assert.ok(afterRestart.every((p) => p.sampleId.startsWith(`${names.id}b:`) && p.model.version === 2));
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
