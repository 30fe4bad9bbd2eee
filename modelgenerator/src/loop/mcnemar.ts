/**
 * McNemar's exact test on paired outcomes: of the samples exactly one of two models got right,
 * how unlikely is a split this uneven if both were equally good? Under that hypothesis each such
 * sample is a fair coin, so the two-sided p-value is twice the binomial tail of the smaller side.
 */
export interface McNemarResult {
  /** Samples only the first model got right. */
  firstOnly: number;
  /** Samples only the second model got right. */
  secondOnly: number;
  /** Two-sided exact p-value, in (0, 1]. */
  pValue: number;
}

export function mcnemarExact(firstOnly: number, secondOnly: number): McNemarResult {
  for (const [name, value] of [
    ['firstOnly', firstOnly],
    ['secondOnly', secondOnly],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`mcnemarExact: ${name} ${value} is not a count`);
  }
  const n = firstOnly + secondOnly;
  if (n === 0) return { firstOnly, secondOnly, pValue: 1 };
  const k = Math.min(firstOnly, secondOnly);
  // Summed in log space: C(n, i) / 2^n underflows a double long before n reaches the thousands.
  let logTerm = n * Math.log(0.5);
  let logTail = logTerm;
  for (let i = 0; i < k; i++) {
    logTerm += Math.log((n - i) / (i + 1));
    logTail = logAddExp(logTail, logTerm);
  }
  return { firstOnly, secondOnly, pValue: Math.min(1, 2 * Math.exp(logTail)) };
}

function logAddExp(a: number, b: number): number {
  const high = Math.max(a, b);
  return high + Math.log(Math.exp(a - high) + Math.exp(b - high));
}
