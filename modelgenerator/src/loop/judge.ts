import type { DecisionEvidence } from '@hotswap/shared/contracts';
import { mcnemarExact } from './mcnemar';

/** When a challenger's trial looks at its evidence, and how sure it must be. */
export interface PromotionSettings {
  /** Chance, over all the looks at one challenger, of a decision the evidence does not bear out. */
  significance: number;
  /** Paired samples before the first look. */
  minPairs: number;
  /** Paired samples between looks. */
  lookEvery: number;
  /** Paired samples after which a challenger not shown better is rejected. */
  budget: number;
}

export const DEFAULT_PROMOTION: PromotionSettings = { significance: 0.05, minPairs: 200, lookEvery: 100, budget: 5000 };

/** What the champion and the challenger did on the same labelled samples: the evidence a decision record carries. */
export type PairedEvidence = DecisionEvidence;

export type Verdict =
  | { decision: 'undecided' }
  | { decision: 'promote' | 'reject'; why: 'challenger-better' | 'champion-better' | 'budget-spent'; evidence: PairedEvidence };

/** Checks settings once, so a bad one fails at start with its value. */
export function checkPromotionSettings(s: PromotionSettings): PromotionSettings {
  if (!(s.significance > 0 && s.significance < 1)) throw new RangeError(`promotion significance ${s.significance} is not in (0, 1)`);
  for (const name of ['minPairs', 'lookEvery', 'budget'] as const) {
    if (!Number.isInteger(s[name]) || s[name] < 1) throw new RangeError(`promotion ${name} ${s[name]} is not a positive integer`);
  }
  if (s.budget < s.minPairs) throw new RangeError(`promotion budget ${s.budget} is below minPairs ${s.minPairs}`);
  return s;
}

/**
 * One challenger scored against one champion on the same samples. It looks at the evidence at
 * minPairs and every lookEvery pairs after, up to the budget; each look tests at significance / (the
 * looks the budget allows), so looking often does not make a lucky streak pass (Bonferroni).
 */
export class ChallengerTrial {
  private readonly evidence: PairedEvidence;
  private verdict: Verdict = { decision: 'undecided' };

  constructor(
    champion: number,
    challenger: number,
    private readonly settings: PromotionSettings,
  ) {
    const looks = 1 + Math.floor((settings.budget - settings.minPairs) / settings.lookEvery);
    this.evidence = {
      champion,
      challenger,
      pairs: 0,
      bothRight: 0,
      bothWrong: 0,
      challengerOnly: 0,
      championOnly: 0,
      pValue: null,
      threshold: settings.significance / looks,
    };
  }

  get champion(): number {
    return this.evidence.champion;
  }

  get decided(): boolean {
    return this.verdict.decision !== 'undecided';
  }

  /** A copy of the evidence so far. */
  get soFar(): PairedEvidence {
    return { ...this.evidence };
  }

  /** Adds one labelled sample both predicted; the verdict once there is one (and the same verdict after). */
  add(championRight: boolean, challengerRight: boolean): Verdict {
    if (this.decided) return this.verdict;
    const e = this.evidence;
    e.pairs++;
    if (championRight && challengerRight) e.bothRight++;
    else if (championRight) e.championOnly++;
    else if (challengerRight) e.challengerOnly++;
    else e.bothWrong++;
    const { minPairs, lookEvery, budget } = this.settings;
    if (e.pairs < minPairs || (e.pairs - minPairs) % lookEvery !== 0) return this.verdict;
    e.pValue = mcnemarExact(e.challengerOnly, e.championOnly).pValue;
    if (e.pValue < e.threshold) {
      const better = e.challengerOnly > e.championOnly;
      this.verdict = { decision: better ? 'promote' : 'reject', why: better ? 'challenger-better' : 'champion-better', evidence: { ...e } };
    } else if (e.pairs >= budget) {
      this.verdict = { decision: 'reject', why: 'budget-spent', evidence: { ...e } };
    }
    return this.verdict;
  }
}

/** What the judge says about one paired sample. */
export type JudgeEvent =
  | { kind: 'verdict'; verdict: Exclude<Verdict, { decision: 'undecided' }> }
  /** The challenger's champion changed: its evidence so far compared it with another model, and is dropped. */
  | { kind: 'restarted'; challenger: number; from: number; to: number; droppedPairs: number }
  | { kind: 'none' };

/**
 * Every challenger's trial, fed the paired outcomes read from the prediction topic (all replicas'
 * together). A challenger is judged against one champion: if the champion changes mid-trial the
 * trial starts over. A challenger once decided is not judged again. Pure.
 */
export class PromotionJudge {
  private readonly trials = new Map<number, ChallengerTrial>();
  private readonly decided = new Set<number>();

  constructor(private readonly settings: PromotionSettings = DEFAULT_PROMOTION) {
    checkPromotionSettings(settings);
  }

  /** Marks a challenger decided (a decision read back from the model topic, say, after a restart). */
  markDecided(challenger: number): void {
    this.decided.add(challenger);
    this.trials.delete(challenger);
  }

  isDecided(challenger: number): boolean {
    return this.decided.has(challenger);
  }

  evidence(challenger: number): PairedEvidence | null {
    return this.trials.get(challenger)?.soFar ?? null;
  }

  observe(champion: number, challenger: number, championRight: boolean, challengerRight: boolean): JudgeEvent {
    if (this.decided.has(challenger)) return { kind: 'none' };
    let trial = this.trials.get(challenger);
    let restarted: JudgeEvent = { kind: 'none' };
    if (trial !== undefined && trial.champion !== champion) {
      restarted = { kind: 'restarted', challenger, from: trial.champion, to: champion, droppedPairs: trial.soFar.pairs };
      trial = undefined;
    }
    if (trial === undefined) {
      trial = new ChallengerTrial(champion, challenger, this.settings);
      this.trials.set(challenger, trial);
    }
    const verdict = trial.add(championRight, challengerRight);
    if (verdict.decision === 'undecided') return restarted;
    this.markDecided(challenger);
    return { kind: 'verdict', verdict };
  }
}
