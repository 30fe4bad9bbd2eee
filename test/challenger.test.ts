import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { controlHeaders, decisionRecordKey, encodeControl, type ModelControl } from '@hotswap/shared';
import { ServiceProcess, groupCaughtUp, isolatedNames, predictionsOf, produceRaw, readAll, readTopic, tempDir } from './support/services';

/** A decision as the judge writes it; the evidence here is made up, the predictor only follows it. */
function decision(action: 'promote' | 'reject', version: number, champion: number): ModelControl {
  return {
    id: randomUUID(),
    model: 'fashion-mnist',
    action,
    version,
    requestedAt: Date.now(),
    requestedBy: 'test',
    reason: null,
    evidence: {
      champion,
      challenger: version,
      pairs: 300,
      bothRight: 200,
      bothWrong: 20,
      challengerOnly: 60,
      championOnly: 20,
      pValue: 1e-6,
      threshold: 0.001,
    },
  };
}

async function writeDecision(topic: string, control: ModelControl): Promise<void> {
  const key = decisionRecordKey(control.model, control.version as number);
  await produceRaw(topic, [{ key, value: encodeControl(control), headers: controlHeaders() }]);
}

describe('challenger: a candidate scored in shadow, served only once promoted', function () {
  this.timeout(300_000);

  it('scores candidate v2 beside v1 on every labelled sample without writing its predictions, serves it once promoted, and never a rejected v3', async () => {
    const names = isolatedNames('challenger');
    const publish = async (schedule: string, role: string) => {
      const models = new ServiceProcess('modelgenerator', {
        ...names.env,
        MODEL_SCHEDULE: schedule,
        MODEL_INTERVAL_MS: '0',
        MODEL_ROLE: role,
        TRAIN_PORT: '-1',
      });
      assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
      return models.lines.join('\n');
    };
    assert.match(await publish('mlp:16@2000x1', 'release'), /published fashion-mnist v1 \(/);
    const predictor = new ServiceProcess('predictor', {
      ...names.env,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('challenger'), 'p.log'),
      HTTP_PORT: '0',
      METRICS_PORT: '0',
    });
    const data = new ServiceProcess('datagenerator', { ...names.env, RATE: '200', COUNT: '0', RUN_ID: names.id });
    try {
      const port = Number(/HTTP API on :(\d+)/.exec(await predictor.waitFor(/HTTP API on :\d+/))?.[1]);
      await predictor.waitFor(/first prediction by v1/);
      assert.match(await publish('mlp:64@8000x2', 'candidate'), /published fashion-mnist v2 as a candidate/);
      await predictor.waitFor(/challenger fashion-mnist v2 \(mlp\(64\)\) scored beside the serving version/, 60_000);

      // Shadow: v1 still writes every prediction; v2's are recorded beside them, scored on the same label.
      const shadowed = await readTopic(
        names.predictionTopic,
        (r) => predictionsOf(r).filter((p) => p.challenger !== undefined).length >= 300,
        60_000,
      );
      const withChallenger = predictionsOf(shadowed).filter((p) => p.challenger !== undefined);
      for (const p of withChallenger) {
        assert.equal(p.model.version, 1, `sample ${p.sampleId} was served by v${p.model.version} while v2 was only a challenger`);
        assert.equal(p.challenger?.version, 2);
        assert.equal(
          p.challenger?.correct,
          p.label === null ? null : p.label === p.challenger?.predicted,
          `challenger scored on ${p.sampleId}`,
        );
      }
      const status = (await (await fetch(`http://127.0.0.1:${port}/v1/models/fashion-mnist`)).json()) as {
        serving_version: number;
        versions: { version: number; state: string; role: string; live: { labelled: number; accuracy: number | null } }[];
      };
      const v2 = status.versions.find((v) => v.version === 2);
      assert.equal(status.serving_version, 1);
      assert.deepEqual([v2?.state, v2?.role], ['challenger', 'candidate']);
      assert.ok((v2?.live.labelled ?? 0) > 0 && v2?.live.accuracy !== null, `v2's live accuracy is measured: ${JSON.stringify(v2?.live)}`);
      const metrics = await (
        await fetch(`http://127.0.0.1:${Number(/metrics on :(\d+)/.exec(await predictor.waitFor(/metrics on :\d+/))?.[1])}/metrics`)
      ).text();
      const challengerLines = metrics
        .split('\n')
        .filter((l) => l.includes('challenger'))
        .join('\n');
      assert.match(challengerLines, /hotswap_challenger_info\{version="2"[^}]*\} 1/);
      assert.match(challengerLines, /hotswap_challenger_pairs_total\{version="2",outcome="challenger-only"[^}]*\} \d+/);

      // Promoted by a decision record: v2 takes over at a batch start, as it was loaded.
      await writeDecision(names.modelTopic, decision('promote', 2, 1));
      await predictor.waitFor(/fashion-mnist v2 promoted by test against v1 on 300 paired samples/, 30_000);
      await predictor.waitFor(/swapped v1 -> fashion-mnist v2/, 30_000);

      // A worse candidate, rejected: scored, then dropped; it never serves.
      assert.match(await publish('mlp:4@300x1', 'candidate'), /published fashion-mnist v3 as a candidate/);
      await predictor.waitFor(/challenger fashion-mnist v3/, 60_000);
      await writeDecision(names.modelTopic, decision('reject', 3, 2));
      await predictor.waitFor(/challenger fashion-mnist v3 no longer scored: rejected on live evidence/, 30_000);
      const afterReject = Date.now();
      await readTopic(names.predictionTopic, (r) => predictionsOf(r).some((p) => p.predictedAt > afterReject + 1000), 60_000);
      await data.stop();
      // The last samples sent may still be in the predictor's hands: wait until its group has committed them.
      await groupCaughtUp(names.group, names.dataTopic);

      // Every sample once, served by v1 then v2 and never v3; predictions after the rejection carry no challenger.
      const predictions = predictionsOf(await readAll(names.predictionTopic));
      const ids = predictions.map((p) => p.sampleId);
      assert.equal(new Set(ids).size, ids.length, 'no sample predicted twice');
      assert.deepEqual([...new Set(predictions.map((p) => p.model.version))].sort(), [1, 2]);
      assert.ok(predictions.filter((p) => p.predictedAt > afterReject + 1000).every((p) => p.challenger === undefined));
      const sent = Number(/sent (\d+) samples in /.exec(data.lines.join('\n'))?.[1]);
      assert.equal(predictions.filter((p) => p.sampleId.startsWith(`${names.id}:`)).length, sent, 'every sample sent was predicted');
    } finally {
      await data.stop();
      assert.equal(await predictor.stop(30_000), 0);
    }
  });
});
