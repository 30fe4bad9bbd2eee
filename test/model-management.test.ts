import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { controlHeaders, controlRecordKey, encodeControl, modelCodec, modelRecordKey } from '@hotswap/shared';
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

/** The versions a replica served, in the order it served them, each run of one version once. */
function servedInOrder(predictions: PredictionLike[], replica: string): number[] {
  const runs: number[] = [];
  // In the order they were made (a batch fenced during a rebalance leaves a gap in its replica's running counts).
  const made = predictions.filter((q) => q.predictor === replica).sort((a, b) => a.predictedAt - b.predictedAt);
  for (const p of made) {
    if (runs[runs.length - 1] !== p.model.version) runs.push(p.model.version);
  }
  return runs;
}

async function post(port: number, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function httpPort(p: ServiceProcess): Promise<number> {
  const line = await p.waitFor(/HTTP API on :\d+/);
  return Number(/HTTP API on :(\d+)/.exec(line)?.[1]);
}

describe('model management: pin, rollback and unpin, followed by every replica', function () {
  this.timeout(240_000);

  it('moves every replica v3 -> pinned v1 -> rolled back v2 -> unpinned v3, and a replica that starts later finds the pin', async () => {
    const names = isolatedNames('pin');
    const models = new ServiceProcess('modelgenerator', {
      ...names.env,
      MODEL_SCHEDULE: 'mlp:8@500x1,mlp:16@2000x1,mlp:32@4000x1',
      MODEL_INTERVAL_MS: '0',
    });
    assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
    assert.match(models.lines.join('\n'), /published fashion-mnist v3/);
    const replica = (n: string) =>
      new ServiceProcess('predictor', {
        ...names.env,
        PREDICTOR_GROUP: names.group,
        LOG_FILE: join(tempDir(`pin-${n}`), 'p.log'),
        HTTP_PORT: '0',
        BATCH_SIZE: '16',
        // As in the other multi-replica tests: a replica that leaves is noticed within seconds.
        SESSION_TIMEOUT_MS: '6000',
      });
    const a = replica('a');
    const b = replica('b');
    let c: ServiceProcess | undefined;
    const data = new ServiceProcess('datagenerator', { ...names.env, RATE: '150', COUNT: '0', RUN_ID: names.id });
    try {
      const [portA, portB] = [await httpPort(a), await httpPort(b)];
      await Promise.all([a, b].map((r) => r.waitFor(/first prediction by v3/)));

      // Pin through the HTTP API of one replica: both follow.
      const pinned = await post(portA, '/v1/models/fashion-mnist:pin', { version: 1 });
      assert.equal(pinned.status, 200, JSON.stringify(pinned.json));
      assert.equal(pinned.json['pinned_version'], 1);
      await Promise.all([a, b].map((r) => r.waitFor(/swapped v3 -> fashion-mnist v1/, 30_000)));

      // Roll back through a control record written straight to the model topic, as an operator tool would.
      await produceRaw(names.modelTopic, [
        {
          key: controlRecordKey('fashion-mnist'),
          value: encodeControl({
            id: randomUUID(),
            model: 'fashion-mnist',
            action: 'rollback',
            version: 2,
            requestedAt: Date.now(),
            requestedBy: 'test',
            reason: 'v1 is too weak',
          }),
          headers: controlHeaders(),
        },
      ]);
      await Promise.all([a, b].map((r) => r.waitFor(/swapped v1 -> fashion-mnist v2/, 30_000)));

      // A replica that joins now reads the control records in order and serves v2 from the start.
      c = replica('c');
      await c.waitFor(/model topic read: 3 version\(s\) of fashion-mnist found, pinned to v2/);
      await c.waitFor(/swapped in fashion-mnist v2/);
      // Unpinned only once c has partitions and has predicted under the pin.
      await readTopic(
        names.predictionTopic,
        (r) => predictionsOf(r).some((p) => p.predictor.endsWith(`-${c!.pid}`) && p.model.version === 2),
        60_000,
      );

      const refused = await post(portB, '/v1/models/fashion-mnist:pin', { version: 9 });
      assert.equal(refused.status, 404);
      assert.match(String(refused.json['error']), /no version 9 \(known: 3, 2, 1\)/);

      const unpinAt = Date.now();
      const unpinned = await post(portB, '/v1/models/fashion-mnist:unpin', {});
      assert.equal(unpinned.status, 200, JSON.stringify(unpinned.json));
      assert.equal(unpinned.json['pinned_version'], null);
      await Promise.all([a, b, c].map((r) => r.waitFor(/swapped v2 -> fashion-mnist v3/, 30_000)));
      // A swap shows at a batch start; wait until each replica's v3 predictions are committed too
      // (a batch cut short by a rebalance is predicted again by the partition's next owner).
      const replicaIds = [a, b, c].map((r) => `-${r.pid}`);
      await readTopic(
        names.predictionTopic,
        (r) => {
          const committed = predictionsOf(r);
          return replicaIds.every((id) =>
            committed.some((p) => p.predictor.endsWith(id) && p.model.version === 3 && p.predictedAt > unpinAt),
          );
        },
        60_000,
      );

      const status = (await (await fetch(`http://127.0.0.1:${portA}/v1/models/fashion-mnist`)).json()) as {
        versions: { version: number; live: { labelled: number } }[];
      };
      for (const v of [1, 2, 3]) {
        assert.ok((status.versions.find((e) => e.version === v)?.live.labelled ?? 0) > 0, `replica a measured v${v} live`);
      }
      await data.stop();
      const predictions = predictionsOf(await readAll(names.predictionTopic));
      const replicas = [...new Set(predictions.map((p) => p.predictor))];
      assert.equal(replicas.length, 3, 'all three replicas predicted');
      const sequences = new Map(replicas.map((r) => [r, servedInOrder(predictions, r)]));
      const late = [...sequences.entries()].filter(([, s]) => s[0] === 2);
      assert.equal(late.length, 1, `one replica started under the pin: ${JSON.stringify([...sequences])}`);
      for (const [r, s] of sequences) {
        assert.deepEqual(s, s[0] === 2 ? [2, 3] : [3, 1, 2, 3], `replica ${r} served ${s.join(' -> ')}`);
      }
    } finally {
      await data.stop();
      // All at once: stopped one by one, each would leave while the others rejoin the group, and a
      // leave during a rebalance waits for it.
      const codes = await Promise.all([a, b, c].map((r) => r?.stop(30_000)));
      assert.deepEqual(
        codes.filter((code) => code !== undefined),
        c === undefined ? [0, 0] : [0, 0, 0],
      );
    }
  });
});

describe('model management refuses what cannot serve', function () {
  this.timeout(120_000);

  it('answers 409 to a rollback onto a version that does not load, writes nothing, and keeps serving', async () => {
    const names = isolatedNames('pin-bad');
    const models = new ServiceProcess('modelgenerator', {
      ...names.env,
      MODEL_SCHEDULE: 'mlp:8@500x1,mlp:16@2000x1',
      MODEL_INTERVAL_MS: '0',
    });
    assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
    // v1 published again with a checksum that does not match its weights: compaction would keep this one.
    const original = (await readAll(names.modelTopic)).find((r) => r.key?.toString() === modelRecordKey('fashion-mnist', 1));
    assert.ok(original?.value, 'v1 is on the model topic');
    const v1 = modelCodec.decode(original.value, original.headers);
    await produceRaw(names.modelTopic, [
      {
        key: modelRecordKey('fashion-mnist', 1),
        value: modelCodec.encode({ ...v1, weightsSha256: '0'.repeat(64) }),
        headers: modelCodec.headers(),
      },
    ]);
    const predictor = new ServiceProcess('predictor', {
      ...names.env,
      PREDICTOR_GROUP: names.group,
      LOG_FILE: join(tempDir('pin-bad'), 'p.log'),
      HTTP_PORT: '0',
    });
    try {
      const port = await httpPort(predictor);
      await predictor.waitFor(/swapped in fashion-mnist v2/);
      const refused = await post(port, '/v1/models/fashion-mnist:rollback', {});
      assert.equal(refused.status, 409, JSON.stringify(refused.json));
      assert.match(String(refused.json['error']), /v1 cannot serve: .*checksum/i);
      const status = (await (await fetch(`http://127.0.0.1:${port}/v1/models/fashion-mnist`)).json()) as {
        serving_version: number;
        pinned_version: number | null;
        versions: { version: number; state: string }[];
      };
      assert.equal(status.serving_version, 2);
      assert.equal(status.pinned_version, null, 'no control record was written');
      assert.equal(status.versions.find((v) => v.version === 1)?.state, 'rejected');
      const controls = (await readAll(names.modelTopic)).filter((r) => r.key?.toString() === controlRecordKey('fashion-mnist'));
      assert.equal(controls.length, 0);
    } finally {
      assert.equal(await predictor.stop(), 0);
    }
  });
});
