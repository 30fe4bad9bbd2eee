import assert from 'node:assert/strict';
import { ChallengerTrial, PromotionJudge, checkPromotionSettings, type PromotionSettings } from './judge';
import { mcnemarExact } from './mcnemar';
import { PageHinkley } from './page-hinkley';

/** A deterministic stream where a fraction of the values are 1, spread evenly. */
function errors(count: number, rate: number, offset = 0): number[] {
  return Array.from({ length: count }, (_, i) => (Math.floor((i + offset + 1) * rate) > Math.floor((i + offset) * rate) ? 1 : 0));
}

describe("McNemar's exact test", () => {
  it('gives p = 1 for an even split and for no discordant pairs', () => {
    assert.equal(mcnemarExact(10, 10).pValue, 1);
    assert.equal(mcnemarExact(0, 0).pValue, 1);
  });

  it('matches the binomial tail worked by hand: 1 against 9 is 2 * 11/1024', () => {
    assert.ok(Math.abs(mcnemarExact(1, 9).pValue - (2 * 11) / 1024) < 1e-12);
    assert.ok(Math.abs(mcnemarExact(9, 1).pValue - (2 * 11) / 1024) < 1e-12);
  });

  it('stays finite and tiny for thousands of pairs, where C(n, k) / 2^n underflows', () => {
    const p = mcnemarExact(3000, 1000).pValue;
    assert.ok(p > 0 && p < 1e-100, String(p));
  });

  it('refuses counts that are not counts', () => {
    assert.throws(() => mcnemarExact(-1, 3), /firstOnly -1 is not a count/);
    assert.throws(() => mcnemarExact(2, 1.5), /secondOnly 1.5 is not a count/);
  });
});

describe('Page-Hinkley drift detector', () => {
  it('stays quiet over 20,000 samples of a steady 15% error rate', () => {
    const detector = new PageHinkley();
    assert.equal(
      errors(20_000, 0.15).some((e) => detector.add(e)),
      false,
    );
  });

  it('signals within 400 samples when the error rate rises from 15% to 35%', () => {
    const detector = new PageHinkley();
    for (const e of errors(5000, 0.15)) assert.equal(detector.add(e), false);
    const after = errors(2000, 0.35, 7).findIndex((e) => detector.add(e));
    assert.ok(after >= 0 && after < 400, `signalled ${after} samples after the rise`);
  });

  it('does not signal a fall in the error rate', () => {
    const detector = new PageHinkley();
    for (const e of errors(3000, 0.35)) detector.add(e);
    assert.equal(
      errors(5000, 0.05).some((e) => detector.add(e)),
      false,
    );
  });

  it('starts afresh after a reset, and waits for minSamples before signalling', () => {
    const detector = new PageHinkley({ tolerance: 0.05, threshold: 5, minSamples: 50 });
    const ones = Array.from({ length: 49 }, () => detector.add(1));
    assert.ok(
      ones.every((s) => !s),
      'signalled before minSamples',
    );
    detector.reset();
    assert.equal(detector.samples, 0);
    assert.equal(detector.statistic, 0);
  });
});

const SETTINGS: PromotionSettings = { significance: 0.05, minPairs: 200, lookEvery: 100, budget: 1000 };

/** Pair i's outcomes [champion right, challenger right]: of each 100, 60 both right, then each side's share alone, the rest both wrong. */
function pair(i: number, shares: { challengerOnly: number; championOnly: number }): [boolean, boolean] {
  const slot = (i % 100) - 60;
  if (slot < 0) return [true, true];
  if (slot < shares.challengerOnly) return [false, true];
  if (slot < shares.challengerOnly + shares.championOnly) return [true, false];
  return [false, false];
}

/** Feeds a trial pairs in those shares until it decides or `count` are in: when, and the verdict. */
function feed(trial: ChallengerTrial, count: number, shares: { challengerOnly: number; championOnly: number }) {
  for (let i = 0; i < count; i++) {
    const verdict = trial.add(...pair(i, shares));
    if (verdict.decision !== 'undecided') return { at: i + 1, verdict };
  }
  return { at: null, verdict: null };
}

describe('promotion judge', () => {
  it('promotes a challenger right on 20% more of the samples at the first look, with its evidence', () => {
    const { at, verdict } = feed(new ChallengerTrial(1, 2, SETTINGS), 1000, { challengerOnly: 22, championOnly: 2 });
    assert.equal(at, 200);
    assert.equal(verdict?.decision, 'promote');
    assert.equal(verdict?.why, 'challenger-better');
    assert.deepEqual(
      { pairs: verdict?.evidence.pairs, challengerOnly: verdict?.evidence.challengerOnly, championOnly: verdict?.evidence.championOnly },
      { pairs: 200, challengerOnly: 44, championOnly: 4 },
    );
    assert.ok((verdict?.evidence.pValue as number) < (verdict?.evidence.threshold as number));
  });

  it('rejects a challenger that is clearly worse', () => {
    const { verdict } = feed(new ChallengerTrial(1, 2, SETTINGS), 1000, { challengerOnly: 1, championOnly: 20 });
    assert.equal(verdict?.decision, 'reject');
    assert.equal(verdict?.why, 'champion-better');
  });

  it('waits while the evidence is not enough, then rejects when the budget is spent', () => {
    const trial = new ChallengerTrial(1, 2, SETTINGS);
    const early = feed(trial, 999, { challengerOnly: 6, championOnly: 5 });
    assert.equal(early.at, null, 'decided before the budget on a near tie');
    assert.equal(trial.decided, false);
    const last = trial.add(true, false);
    assert.equal(last.decision, 'reject');
    assert.equal(last.decision === 'reject' && last.why, 'budget-spent');
  });

  it('does not decide before minPairs, however lopsided', () => {
    const trial = new ChallengerTrial(1, 2, SETTINGS);
    for (let i = 0; i < 199; i++) assert.equal(trial.add(false, true).decision, 'undecided');
    assert.equal(trial.add(false, true).decision, 'promote');
  });

  it('shares the significance out over every look the budget allows', () => {
    // Looks at 200, 300, ..., 1000: 9 looks.
    assert.ok(Math.abs(new ChallengerTrial(1, 2, SETTINGS).soFar.threshold - 0.05 / 9) < 1e-15);
  });

  it('starts a trial over when the champion is replaced mid-trial, dropping the old pairs', () => {
    const judge = new PromotionJudge(SETTINGS);
    for (let i = 0; i < 150; i++) judge.observe(1, 3, false, true);
    const event = judge.observe(2, 3, true, true);
    assert.deepEqual(event, { kind: 'restarted', challenger: 3, from: 1, to: 2, droppedPairs: 150 });
    assert.equal(judge.evidence(3)?.pairs, 1);
    assert.equal(judge.evidence(3)?.champion, 2);
  });

  it('judges a challenger once: pairs after its decision, or after one read back, change nothing', () => {
    const judge = new PromotionJudge(SETTINGS);
    const events = Array.from({ length: 200 }, (_, i) => judge.observe(1, 4, ...pair(i, { challengerOnly: 22, championOnly: 2 })));
    assert.equal(events.filter((e) => e.kind === 'verdict').length, 1);
    assert.equal(events[199]?.kind === 'verdict' && events[199].verdict.decision, 'promote');
    assert.deepEqual(judge.observe(1, 4, false, true), { kind: 'none' });
    judge.markDecided(5);
    assert.deepEqual(judge.observe(1, 5, false, true), { kind: 'none' });
    assert.equal(judge.isDecided(5), true);
  });

  it('refuses settings that cannot work, naming the value', () => {
    assert.throws(() => checkPromotionSettings({ ...SETTINGS, significance: 1 }), /significance 1 is not in \(0, 1\)/);
    assert.throws(() => checkPromotionSettings({ ...SETTINGS, budget: 100 }), /budget 100 is below minPairs 200/);
    assert.throws(() => checkPromotionSettings({ ...SETTINGS, lookEvery: 0 }), /lookEvery 0 is not a positive integer/);
  });
});
