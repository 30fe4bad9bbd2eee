import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { heldOutSplit, loadDataset, modelCodec, modelRecordKey, type Dataset, type ModelRecord } from '@hotswap/shared';
import { REPO, ServiceProcess, isolatedNames, metricValues, readTopic, stopStarted, tempDir } from './support/services';
import { setUpSuite } from './support/set-up';

interface JobView {
  id: string;
  state: string;
  request: Record<string, unknown>;
  progress: { epoch: number; epochs: number; fraction: number };
  metrics: Record<'trainLoss' | 'trainAccuracy' | 'accuracy' | 'loss' | 'testSamples' | 'trainSamples' | 'trainSeconds', number | null>;
  version: number | null;
  outcome: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

const FINAL = ['published', 'trained', 'failed', 'cancelled'];
const MAX_BODY = 2 * 1024 * 1024;

let fashion: { ds: Dataset; order: Uint32Array } | undefined;

/** Kaggle's CSV form of `rows` Fashion-MNIST images, all classes mixed: a header, then label,pixel1..pixel784 per line. */
function fashionCsv(rows: number, firstIndex = 0): string {
  if (fashion === undefined) {
    const ds = loadDataset('fashion-mnist', { seed: 42, drift: 0, cacheDir: join(REPO, '.cache', 'datasets') });
    // The dataset is stored class by class; a shuffled order mixes them, as a user's file would.
    fashion = { ds, order: heldOutSplit(ds.size, 7).train };
  }
  const { ds, order } = fashion;
  const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`)].join(',');
  const lines = [header];
  for (const i of order.subarray(firstIndex, firstIndex + rows)) {
    lines.push([ds.labels[i], ...ds.features.subarray(i * 784, (i + 1) * 784)].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Every model record of the topic, decoded, once one with each of the versions is there. */
async function modelsOnTopic(topic: string, name: string, versions: number[]): Promise<Map<number, ModelRecord>> {
  const keys = versions.map((v) => modelRecordKey(name, v));
  const records = await readTopic(topic, (rs) => keys.every((k) => rs.some((r) => r.key?.toString() === k)), 60_000);
  return new Map(records.map((r) => modelCodec.decode(r.value as Buffer, r.headers)).map((m) => [m.version, m]));
}

describe('training API and train command: from a request to a published version', function () {
  // Each test starts services that load TensorFlow and train: room for a loaded machine.
  this.timeout(180_000);
  const names = isolatedNames('train');
  const dir = tempDir('train');
  let service: ServiceProcess;
  let base: string;
  let metricsUrl: string;
  const published: number[] = [];

  async function call(method: string, path: string, body?: string | Buffer, contentType?: string): Promise<Reply> {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined ? {} : { body }),
      headers: contentType === undefined ? {} : { 'content-type': contentType },
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  const postJson = (options: unknown) => call('POST', '/v1/train', JSON.stringify(options), 'application/json');

  /** Polls the job until it is final; returns every state seen, in order, and the final view. */
  async function follow(id: string): Promise<{ states: string[]; job: JobView }> {
    const states: string[] = [];
    const deadline = Date.now() + 120_000;
    for (;;) {
      const reply = await call('GET', `/v1/jobs/${id}`);
      assert.equal(reply.status, 200);
      const job = reply.body as unknown as JobView;
      if (states.at(-1) !== job.state) states.push(job.state);
      if (FINAL.includes(job.state)) return { states, job };
      assert.ok(Date.now() < deadline, `job ${id} still ${job.state} after 120 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  setUpSuite(async () => {
    service = new ServiceProcess('modelgenerator', {
      ...names.env,
      TRAIN_PORT: '0',
      METRICS_PORT: '0',
      MODEL_SCHEDULE: 'none',
      TRAIN_MAX_BODY_BYTES: String(MAX_BODY),
    });
    const line = await service.waitFor(/training API on :\d+/, 60_000);
    base = `http://127.0.0.1:${/training API on :(\d+)/.exec(line)?.[1]}`;
    metricsUrl = `http://127.0.0.1:${/metrics on :(\d+)/.exec(await service.waitFor(/metrics on :\d+/))?.[1]}/metrics`;
  });

  after(async () => {
    await stopStarted(service);
  });

  it('trains a JSON job queued → running → published, reporting progress and held-out metrics, onto the model topic', async () => {
    const reply = await postJson({ architecture: 'mlp:16', epochs: 1, samples: 1000, dataset: 'fashion-mnist' });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const id = reply.body['id'] as string;
    assert.deepEqual(reply.body, { id, state: 'queued', links: { self: `/v1/jobs/${id}` } });
    assert.equal(reply.headers.get('location'), `/v1/jobs/${id}`);

    const { states, job } = await follow(id);
    assert.equal(job.state, 'published', `${job.error}`);
    // Polling may miss the short running phase, but never sees states out of order or others.
    const seen = ['queued', ...states].filter((s, i, all) => all[i - 1] !== s);
    assert.deepEqual(
      seen,
      ['queued', 'running', 'published'].filter((s) => seen.includes(s)),
      `states in order: ${seen.join(' → ')}`,
    );
    // It ran: the service said so between queueing it and publishing it, and timed it.
    const trainingAt = service.lines.findIndex((l) =>
      l.includes(`job ${id}: training mlp(16) on 1000 samples of fashion-mnist train split`),
    );
    const publishedAt = service.lines.findIndex((l) => /published fashion-mnist v\d+ \(mlp\(16\)/.test(l) && l.includes(`(job ${id})`));
    assert.ok(trainingAt !== -1 && publishedAt > trainingAt, service.lines.join('\n'));
    assert.ok(job.startedAt !== null && job.finishedAt !== null && job.createdAt <= job.startedAt && job.startedAt <= job.finishedAt);

    assert.deepEqual(job.progress, { epoch: 1, epochs: 1, fraction: 1 });
    assert.equal(job.metrics.trainSamples, 1000);
    assert.equal(job.metrics.testSamples, 10_000);
    assert.ok((job.metrics.accuracy as number) > 0.15, `held-out accuracy ${job.metrics.accuracy} beats chance (0.1)`);
    assert.ok(Number.isFinite(job.metrics.loss) && Number.isFinite(job.metrics.trainLoss) && (job.metrics.trainSeconds as number) > 0);
    assert.equal(job.version, 1, 'the first version of a new topic');
    assert.equal(job.outcome, 'published as version 1');

    const model = (await modelsOnTopic(names.modelTopic, 'fashion-mnist', [1])).get(1) as ModelRecord;
    assert.equal(model.architecture, 'mlp(16)');
    assert.equal(model.metrics.accuracy, job.metrics.accuracy);
    assert.equal(model.metrics.trainSamples, 1000);
    published.push(1);
  });

  it("trains on the user's own CSV rows, holding out a fifth of them, and publishes the next version", async () => {
    const reply = await call('POST', '/v1/train?architecture=mlp:32&epochs=3', fashionCsv(300), 'text/csv');
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const { job } = await follow(reply.body['id'] as string);
    assert.equal(job.state, 'published', `${job.error}`);
    assert.equal(job.request['data'], 'text/csv upload (300 rows)');
    assert.equal(job.metrics.trainSamples, 240);
    assert.equal(job.metrics.testSamples, 60);
    assert.equal(job.version, 2);
    const model = (await modelsOnTopic(names.modelTopic, 'fashion-mnist', [2])).get(2) as ModelRecord;
    assert.equal(model.metrics.trainSamples, 240);
    assert.equal(model.metrics.testSamples, 60);
    assert.equal(model.dataset, 'fashion-mnist');
    published.push(2);
  });

  it('trains without publishing when the request says publish: false', async () => {
    const reply = await postJson({ architecture: 'mlp:8', epochs: 1, samples: 500, publish: false });
    const { job } = await follow(reply.body['id'] as string);
    assert.equal(job.state, 'trained');
    assert.equal(job.version, null);
    assert.equal(job.outcome, 'not published: the request said publish: false');
    assert.ok((job.metrics.accuracy as number) > 0);
  });

  it('cancels a queued job at once and a running one at its next batch', async () => {
    const long = await postJson({ architecture: 'mlp:256-128', epochs: 20 });
    const queued = await postJson({ architecture: 'mlp:8', epochs: 1 });
    const longId = long.body['id'] as string;
    const queuedId = queued.body['id'] as string;
    const list = await call('GET', '/v1/jobs');
    assert.deepEqual(
      (list.body['jobs'] as JobView[]).slice(0, 2).map((j) => j.id),
      [queuedId, longId],
      'newest first',
    );

    const cancelledQueued = await call('DELETE', `/v1/jobs/${queuedId}`);
    assert.equal(cancelledQueued.status, 200);
    assert.equal(cancelledQueued.body['state'], 'cancelled');
    assert.equal(cancelledQueued.body['startedAt'], null);

    for (;;) {
      const job = (await call('GET', `/v1/jobs/${longId}`)).body as unknown as JobView;
      if (job.state === 'running' && job.progress.fraction > 0) break;
      assert.equal(job.state === 'queued' || job.state === 'running', true, job.state);
      await new Promise((r) => setTimeout(r, 20));
    }
    const stopped = Date.now();
    const cancelledRunning = await call('DELETE', `/v1/jobs/${longId}`);
    assert.equal(cancelledRunning.status, 200);
    const job = cancelledRunning.body as unknown as JobView;
    assert.equal(job.state, 'cancelled');
    assert.ok(job.progress.fraction > 0 && job.progress.fraction < 0.5, `stopped at ${job.progress.fraction} of 20 epochs`);
    assert.equal(job.version, null);
    assert.equal(job.error, null);
    assert.equal(job.outcome, `cancelled by DELETE /v1/jobs/${longId}`);
    assert.ok(Date.now() - stopped < 5000, `stopped ${Date.now() - stopped} ms after DELETE`);

    const again = await call('DELETE', `/v1/jobs/${longId}`);
    assert.equal(again.status, 409);
    assert.equal(again.body['error'], `job ${longId} is already cancelled; only a queued or running job can be cancelled`);

    const metrics = await (await fetch(metricsUrl)).text();
    const jobs = metricValues(metrics, 'hotswap_training_jobs_total');
    assert.equal(jobs.get('{state="published"}'), 2);
    assert.equal(jobs.get('{state="trained"}'), 1);
    assert.equal(jobs.get('{state="cancelled"}'), 2);
    assert.equal(jobs.get('{state="failed"}'), 0);
  });

  it('refuses bad requests with the status and a message that says what is wrong', async () => {
    const refused = async (reply: Promise<Reply>, status: number, error: string | RegExp) => {
      const r = await reply;
      assert.equal(r.status, status, JSON.stringify(r.body));
      if (typeof error === 'string') assert.equal(r.body['error'], error);
      else assert.match(r.body['error'] as string, error);
      return r;
    };
    await refused(call('POST', '/v1/train', '{"architecture": ', 'application/json'), 400, /^the body is not JSON: /);
    await refused(
      postJson({ architecture: 'rnn:8', epochs: 1 }),
      400,
      'architecture "rnn:8" is not mlp:widths or cnn:widths, e.g. mlp:256-128 or cnn:32-64',
    );
    await refused(postJson({ architecture: 'mlp:8', epochs: 0 }), 400, 'epochs 0 is not an integer 1..1000');
    await refused(postJson({ architecture: 'mlp:8', epochs: 1.5 }), 400, 'epochs 1.5 is not an integer 1..1000');
    await refused(
      postJson({ architecture: 'mlp:8', epochs: 1, dataset: 'mnist' }),
      400,
      'dataset "mnist" is not the one this modelgenerator trains for: "fashion-mnist" (its data contract is fixed)',
    );
    const rows = fashionCsv(3).split('\n');
    rows[2] = `11${(rows[2] as string).slice((rows[2] as string).indexOf(','))}`;
    await refused(
      call('POST', '/v1/train?architecture=mlp:8&epochs=1', rows.join('\n'), 'text/csv'),
      400,
      'row 3: label 11 is not a class index below 10',
    );
    await refused(
      call('POST', '/v1/train?architecture=mlp:8&epochs=1', '0,1,2\n', 'text/csv'),
      400,
      'row 1: 3 columns, expected 785 (a label and 784 pixels)',
    );
    await refused(call('POST', '/v1/train?epochs=1', fashionCsv(3), 'text/csv'), 400, /architecture is required/);
    await refused(call('POST', '/v1/train', 'architecture=mlp:8', 'text/plain'), 415, /Content-Type "text\/plain" is neither/);

    await refused(call('GET', '/v1/jobs/no-such-job'), 404, /^no job "no-such-job"/);
    await refused(call('DELETE', '/v1/jobs/no-such-job'), 404, /^no job "no-such-job"/);
    await refused(call('GET', '/v2/train'), 404, /^no route GET \/v2\/train: try POST \/v1\/train/);
    const wrongMethod = await refused(call('GET', '/v1/train'), 405, '/v1/train takes POST, not GET');
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    const put = await refused(call('PUT', '/v1/jobs/x', '{}', 'application/json'), 405, '/v1/jobs/x takes GET or DELETE, not PUT');
    assert.equal(put.headers.get('allow'), 'GET, DELETE');

    const tooLarge = Buffer.alloc(MAX_BODY + 1, '0');
    await refused(
      call('POST', '/v1/train?architecture=mlp:8&epochs=1', tooLarge, 'text/csv'),
      413,
      `the body is ${MAX_BODY + 1} bytes, over the limit of ${MAX_BODY} bytes (TRAIN_MAX_BODY_BYTES)`,
    );
    // Without a declared length it is measured while it streams.
    const chunks = [Buffer.alloc(MAX_BODY, '0'), Buffer.alloc(1024, '0')];
    const streamed = await fetch(`${base}/v1/train?architecture=mlp:8&epochs=1`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: new ReadableStream({ pull: (c) => (chunks.length > 0 ? c.enqueue(chunks.shift() as Buffer) : c.close()) }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.deepEqual(await streamed.json(), { error: `the body is over the limit of ${MAX_BODY} bytes (TRAIN_MAX_BODY_BYTES)` });
  });

  it('train command: trains a CSV file, publishes every version after the ones on the topic, and exits 0', async () => {
    const file = join(dir, 'mine.csv');
    writeFileSync(file, fashionCsv(200, 1000));
    const command = new ServiceProcess('modelgenerator', { MODEL_TOPIC: names.modelTopic }, [
      'train',
      '--train-data',
      file,
      '--model-schedule',
      'mlp:16@allx2,mlp:32@allx2',
    ]);
    assert.equal(await command.exitCode(90_000), 0, command.lines.join('\n'));
    const outputs = command.lines.filter((l) => l.startsWith('published fashion-mnist'));
    assert.deepEqual(
      outputs.map((l) =>
        /^published fashion-mnist v(\d+) \((\S+)\): held-out accuracy [\d.]+ on 40 samples, trained on 160$/.exec(l)?.slice(1),
      ),
      [
        ['3', 'mlp:16'],
        ['4', 'mlp:32'],
      ],
      outputs.join('\n'),
    );
    const models = await modelsOnTopic(names.modelTopic, 'fashion-mnist', [3, 4]);
    assert.equal(models.get(4)?.metrics.trainSamples, 160);

    // The service saw the command's versions on the topic: its next one counts past them.
    const reply = await postJson({ architecture: 'mlp:8', epochs: 1, samples: 500 });
    const { job } = await follow(reply.body['id'] as string);
    assert.equal(job.version, 5);
  });

  it("the service's schedule trains on TRAIN_DATA too, and with the API off exits once it is done", async () => {
    const file = join(dir, 'schedule.csv');
    writeFileSync(file, fashionCsv(100, 2000));
    const topic = `${names.modelTopic}.schedule`;
    const scheduled = new ServiceProcess('modelgenerator', { MODEL_TOPIC: topic, TRAIN_DATA: file, MODEL_SCHEDULE: 'mlp:16@allx2' });
    assert.equal(await scheduled.exitCode(90_000), 0, scheduled.lines.join('\n'));
    const model = (await modelsOnTopic(topic, 'fashion-mnist', [1])).get(1) as ModelRecord;
    assert.deepEqual([model.metrics.trainSamples, model.metrics.testSamples], [80, 20]);

    const idle = new ServiceProcess('modelgenerator', { MODEL_TOPIC: topic, MODEL_SCHEDULE: 'none' });
    assert.equal(await idle.exitCode(60_000), 2, 'nothing to do: no schedule and no API');
    assert.match(
      idle.lines.join('\n'),
      /invalid MODEL_SCHEDULE="none": expected a schedule to train \(with TRAIN_PORT=-1 and CONTINUAL=off there is nothing else to do\)/,
    );
  });

  it('train command: names the row of a bad CSV and exits 2 without training', async () => {
    const file = join(dir, 'bad.csv');
    const rows = fashionCsv(5).split('\n');
    rows[4] = (rows[4] as string).replace(/,(\d+)$/, ',3.5');
    writeFileSync(file, rows.join('\n'));
    const command = new ServiceProcess('modelgenerator', { MODEL_TOPIC: names.modelTopic, TRAIN_DATA: file }, ['train']);
    assert.equal(await command.exitCode(60_000), 2);
    assert.deepEqual(command.lines, [
      `modelgenerator: invalid TRAIN_DATA="${file}": expected a CSV file of label,feature... lines for fashion-mnist (row 5: pixel 784 is "3.5", expected an integer 0..255)`,
    ]);
  });

  it('the service exits 0 on SIGTERM', async () => {
    assert.equal(await service.stop(), 0);
  });
});
