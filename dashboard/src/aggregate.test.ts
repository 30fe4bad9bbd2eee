import assert from 'node:assert/strict';
import { DEFAULT_LIMITS, DashboardAggregate } from './aggregate';
import { applyMessage } from './merge';
import { sampleFeatures } from './mistakes';
import type { SeenPrediction } from './records';

const T0 = 1_700_000_000_000;

function prediction(over: Partial<SeenPrediction> & { version?: number } = {}): SeenPrediction {
  const { version = 1, ...rest } = over;
  return {
    sampleId: 's',
    model: { name: 'fashion-mnist', version },
    predicted: 1,
    predictedClass: 'Trouser',
    confidence: 0.8,
    label: 1,
    correct: true,
    predictedAt: T0,
    predictor: 'replica-a',
    ...rest,
  };
}

const model = (version: number, heldOut: number) => ({
  name: 'fashion-mnist',
  version,
  createdAt: T0 - 1000,
  dataset: 'fashion-mnist',
  architecture: `mlp(${version})`,
  classNames: ['T-shirt/top', 'Trouser', 'Pullover'],
  heldOut,
  testSamples: 10_000,
});

describe('DashboardAggregate', () => {
  it('adds the predictions of every replica into one running accuracy', () => {
    const a = new DashboardAggregate();
    a.addPrediction(prediction({ predictor: 'a', correct: true }), T0, false);
    a.addPrediction(prediction({ predictor: 'b', predicted: 0, correct: false }), T0, false);
    a.addPrediction(prediction({ predictor: 'b', label: null, correct: null }), T0, false);
    const s = a.snapshot(T0);
    assert.equal(s.totals.predictions, 3);
    assert.equal(s.totals.running, 0.5);
    assert.deepEqual(
      s.replicas.map((r) => [r.replica, r.predictions]),
      [
        ['a', 1],
        ['b', 2],
      ],
    );
  });

  it('marks a swap at the first prediction of the new version, once for all replicas', () => {
    const a = new DashboardAggregate();
    a.addPrediction(prediction({ predictor: 'a', version: 1, predictedAt: T0 }), T0, false);
    a.addPrediction(prediction({ predictor: 'b', version: 1, predictedAt: T0 }), T0, false);
    a.addPrediction(prediction({ predictor: 'a', version: 2, predictedAt: T0 + 5000 }), T0, false);
    a.addPrediction(prediction({ predictor: 'b', version: 2, predictedAt: T0 + 5200 }), T0, false);
    const swaps = a.snapshot(T0).markers.filter((m) => m.kind === 'swap');
    assert.equal(swaps.length, 1);
    assert.deepEqual(
      { t: swaps[0]?.t, version: swaps[0]?.version, from: swaps[0]?.from, replicas: swaps[0]?.replicas },
      { t: T0 + 5000, version: 2, from: 1, replicas: ['a', 'b'] },
    );
  });

  it('does not take a replica that starts on the serving version for a swap', () => {
    const a = new DashboardAggregate();
    a.addPrediction(prediction({ predictor: 'a', version: 3 }), T0, false);
    a.addPrediction(prediction({ predictor: 'b', version: 3, predictedAt: T0 + 120_000 }), T0, false);
    assert.deepEqual(
      a.snapshot(T0).markers.map((m) => m.kind),
      ['first'],
    );
  });

  it('shows control records as markers, an action it does not know by its name', () => {
    const a = new DashboardAggregate();
    const control = { model: 'fashion-mnist', requestedBy: 'ops', reason: null };
    a.addControl({ ...control, action: 'pin', version: 1, requestedAt: T0 + 10 }, 0);
    a.addControl({ ...control, action: 'reject', version: 4, requestedAt: null }, T0 + 20);
    const markers = a.snapshot(T0).markers;
    assert.deepEqual(
      markers.map((m) => [m.kind, m.version, m.t]),
      [
        ['pin', 1, T0 + 10],
        ['reject', 4, T0 + 20],
      ],
    );
  });

  it("puts each version's held-out accuracy beside its live accuracy", () => {
    const a = new DashboardAggregate();
    a.addModel(model(1, 0.8));
    a.addModel(model(2, 0.9));
    a.addPrediction(prediction({ version: 1, correct: true }), T0, false);
    a.addPrediction(prediction({ version: 1, predicted: 0, correct: false, predictedAt: T0 + 1 }), T0, false);
    const rows = a.snapshot(T0).versions;
    assert.deepEqual(
      rows.map((v) => [v.version, v.heldOut, v.live, v.predictions, v.servingOn]),
      [
        [2, 0.9, null, 0, 0],
        [1, 0.8, 0.5, 2, 1],
      ],
    );
  });

  it("keeps the serving version's confusion matrix, its total the version's labelled predictions", () => {
    const a = new DashboardAggregate();
    a.addModel(model(1, 0.8));
    a.addPrediction(prediction({ label: 0, predicted: 2, correct: false }), T0, false);
    a.addPrediction(prediction({ label: 0, predicted: 0, correct: true }), T0, false);
    a.addPrediction(prediction({ label: null, predicted: 1, correct: null }), T0, false);
    a.addPrediction(prediction({ label: 1, predicted: 1, correct: true }), T0, false);
    const m = a.snapshot(T0).confusion;
    assert.ok(m !== null);
    assert.deepEqual(m.classNames, ['T-shirt/top', 'Trouser', 'Pullover']);
    assert.deepEqual(m.counts, [
      [1, 0, 1],
      [0, 1, 0],
      [0, 0, 0],
    ]);
    assert.equal(m.total, 3);
    assert.equal(
      m.counts.flat().reduce((x, y) => x + y, 0),
      a.snapshot(T0).versions[0]?.labelled,
    );
  });

  it('sizes the confusion matrix over every class, also before the first classes have come up', () => {
    const a = new DashboardAggregate();
    // No model record read yet, and the first label is class 4: rows 0 to 3 are still empty.
    a.addPrediction(prediction({ label: 4, predicted: 2, correct: false }), T0, false);
    a.addPrediction(prediction({ label: 1, predicted: 1, correct: true }), T0, false);
    const m = a.snapshot(T0).confusion;
    assert.equal(m?.counts.length, 5);
    assert.ok(m?.counts.every((row) => row.length === 5));
    assert.equal(m?.counts[4]?.[2], 1);
    assert.equal(
      m?.counts.flat().reduce((x, y) => x + y, 0),
      m?.total,
    );
  });

  it('shows the latest mistakes with their pictures, joined with samples read before or after', () => {
    const a = new DashboardAggregate({ ...DEFAULT_LIMITS, mistakes: 2 });
    const pixels = Buffer.alloc(784, 7);
    a.addSample('early', 'fashion-mnist', sampleFeatures('UINT8', [28, 28], pixels));
    a.addPrediction(prediction({ sampleId: 'early', label: 0, predicted: 1, correct: false }), T0, false);
    a.addPrediction(prediction({ sampleId: 'late', label: 2, predicted: 1, correct: false }), T0, false);
    a.addPrediction(prediction({ sampleId: 'right', label: 1, predicted: 1, correct: true }), T0, false);
    let mistakes = a.snapshot(T0).mistakes;
    assert.deepEqual(
      mistakes.map((m) => [m.sampleId, m.pixels !== null]),
      [
        ['late', false],
        ['early', true],
      ],
    );
    assert.equal(mistakes[1]?.pixels, pixels.toString('base64'));
    a.addSample('late', 'fashion-mnist', sampleFeatures('UINT8', [28, 28], pixels));
    mistakes = a.snapshot(T0).mistakes;
    assert.equal(mistakes[0]?.pixels !== null, true);
    assert.equal(a.snapshot(T0).features, null, 'images, so no feature plot');
  });

  it('plots tabular samples by their first two features instead of pictures', () => {
    const a = new DashboardAggregate();
    const features = Buffer.alloc(32);
    features.writeFloatLE(1.5, 0);
    features.writeFloatLE(-2, 4);
    a.addSample('t1', 'synthetic', sampleFeatures('FLOAT32', [8], features));
    a.addPrediction(prediction({ sampleId: 't1', label: 1, predicted: 0, correct: false }), T0, false);
    assert.deepEqual(a.snapshot(T0).features, [{ x: 1.5, y: -2, label: 1, predicted: 0 }]);
  });

  it('measures the lag of live predictions only, not of the backlog', () => {
    const a = new DashboardAggregate();
    a.addPrediction(prediction({ predictedAt: T0 - 60_000 }), T0, false);
    assert.equal(a.snapshot(T0).lag.samples, 0);
    a.markCaughtUp();
    a.addPrediction(prediction({ predictedAt: T0 - 40 }), T0, true);
    a.addPrediction(prediction({ predictedAt: T0 - 20 }), T0, true);
    const lag = a.snapshot(T0).lag;
    assert.deepEqual([lag.samples, lag.maxMs, lag.lastMs], [2, 40, 20]);
  });

  it('gives a page that applies the deltas the same state as a snapshot, whenever it connected', () => {
    const a = new DashboardAggregate();
    let early = applyMessage(null, 'snapshot', a.snapshot(T0));
    let late: ReturnType<typeof applyMessage> = null;
    for (let i = 0; i < 50; i++) {
      a.addPrediction(prediction({ predictedAt: T0 + i * 300, correct: i % 3 !== 0 }), T0, false);
      // A page that connects between two deltas gets a snapshot, then the next delta as every page.
      if (i === 20) late = applyMessage(null, 'snapshot', a.snapshot(T0));
      if (i % 7 === 0) {
        const delta = a.delta(T0);
        early = applyMessage(early, 'delta', delta);
        if (late !== null) late = applyMessage(late, 'delta', delta);
      }
    }
    const delta = a.delta(T0);
    early = applyMessage(early, 'delta', delta);
    late = applyMessage(late, 'delta', delta);
    assert.deepEqual(early?.points, a.snapshot(T0).points);
    assert.deepEqual(late?.points, a.snapshot(T0).points);
    assert.ok(a.snapshot(T0).points.length > 10);
  });

  it('counts predictions per second per replica over the last whole seconds', () => {
    const a = new DashboardAggregate();
    for (let i = 0; i < 100; i++) a.addPrediction(prediction({ predictedAt: T0 + i * 50 }), T0, false);
    // 100 predictions over seconds T0..T0+4.95 s; at T0 + 5 s the five whole seconds before hold all 100.
    assert.equal(a.snapshot(T0 + 5000).replicas[0]?.perSecond, 20);
    assert.equal(a.snapshot(T0 + 60_000).replicas[0]?.perSecond, 0, 'a silent replica predicts nothing per second');
  });
});
