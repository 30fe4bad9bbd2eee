import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  REPO,
  ServiceProcess,
  brokers,
  groupCaughtUp,
  isolatedNames,
  predictionsOf,
  readAll,
  readTopic,
  stopStarted,
  tempDir,
} from './support/services';
import { setUpSuite } from './support/set-up';

const run = promisify(execFile);

describe('pipeline on a real broker', function () {
  this.timeout(180_000);
  const names = isolatedNames('e2e');
  const logFile = join(tempDir('e2e'), 'predictor.log');
  const common = names.env;
  const SAMPLES = 300;
  let predictor: ServiceProcess;
  let predictions: ReturnType<typeof predictionsOf>;

  setUpSuite(async () => {
    predictor = new ServiceProcess('predictor', { ...common, PREDICTOR_GROUP: names.group, LOG_FILE: logFile, DATA_PARTITIONS: '3' });
    await predictor.waitFor(/reading models of fashion-mnist/);
    // Data first, model later: the predictor must hold the data, not drop it, until a model serves.
    const data = new ServiceProcess('datagenerator', {
      ...common,
      RATE: '0',
      COUNT: String(SAMPLES),
      RUN_ID: names.id,
      UNLABELLED_RATIO: '0.1',
    });
    assert.equal(await data.exitCode(), 0);
    const models = new ServiceProcess('modelgenerator', { ...common, MODEL_SCHEDULE: 'mlp:64@6000x2', MODEL_INTERVAL_MS: '0' });
    assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
    const records = await readTopic(names.predictionTopic, (r) => r.length >= SAMPLES);
    predictions = predictionsOf(records);
  });

  after(async () => {
    await stopStarted(predictor);
  });

  it('writes exactly one prediction per sample sent', async () => {
    const ids = predictions.map((p) => p.sampleId);
    assert.equal(ids.length, SAMPLES);
    assert.equal(new Set(ids).size, SAMPLES);
    assert.ok(
      ids.every((id) => id.startsWith(`${names.id}:test:`)),
      'every prediction is for a sample of this run',
    );
    // No late duplicate either: once the predictor has committed every sample, count again.
    await groupCaughtUp(names.group, names.dataTopic);
    const again = await readAll(names.predictionTopic);
    assert.equal(again.length, SAMPLES);
  });

  it('carries a running accuracy that the records themselves reproduce', () => {
    let labelled = 0;
    let correct = 0;
    predictions.forEach((p, i) => {
      assert.equal(p.predictions, i + 1);
      if (p.label === null) {
        assert.equal(p.correct, null);
      } else {
        assert.equal(p.correct, p.predicted === p.label);
        labelled++;
        if (p.correct) correct++;
      }
      assert.equal(p.count, labelled);
      assert.equal(p.accuracy, labelled === 0 ? null : correct / labelled);
    });
    assert.ok(labelled < SAMPLES && labelled > SAMPLES * 0.8, `${labelled} labelled of ${SAMPLES}`);
    // A trained model beats chance (10%) by far.
    assert.ok(correct / labelled > 0.5, `accuracy ${correct / labelled}`);
  });

  it('writes one accuracy line per 10 predictions to the log file, matching the records', async () => {
    await predictor.stop();
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    assert.equal(lines.length, SAMPLES / 10);
    lines.forEach((line, i) => {
      const m = /accuracy=(\S+) count=(\d+) predictions=(\d+) model=(\S+) v(\d+)$/.exec(line);
      assert.ok(m, `line ${i}: ${line}`);
      const record = predictions[(i + 1) * 10 - 1]!;
      assert.equal(Number(m[3]), record.predictions);
      assert.equal(Number(m[2]), record.count);
      assert.equal(m[1], record.accuracy === null ? 'n/a' : record.accuracy.toFixed(4));
      assert.equal(`${m[4]} v${m[5]}`, `${record.model.name} v${record.model.version}`);
    });
  });

  it("is readable with Kafka's own console consumer, one JSON object per line", async () => {
    const { stdout } = await run(
      'bash',
      [
        join(REPO, 'scripts', 'kafka', 'kafka.sh'),
        'console',
        '--bootstrap-server',
        brokers(),
        '--topic',
        names.predictionTopic,
        '--from-beginning',
        '--max-messages',
        String(SAMPLES),
        '--timeout-ms',
        '30000',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, SAMPLES);
    for (const line of lines) {
      const p = JSON.parse(line) as { sampleId: string; model: { name: string; version: number }; accuracy: unknown; count: number };
      assert.equal(typeof p.sampleId, 'string');
      assert.equal(p.model.name, 'fashion-mnist');
      assert.equal(typeof p.count, 'number');
    }
  });

  it('the predictor exits 0 on SIGTERM', async () => {
    assert.equal(await predictor.stop(), 0);
  });
});
