import type { Suite, Test } from 'mocha';

/**
 * A suite's shared set-up whose failure fails each of the suite's tests with the set-up's error.
 * Mocha, when a `before` hook fails, reports one hook failure and runs none of the suite's tests,
 * so a broken set-up would hide them from the count; here every test is run and reported failed.
 * A set-up that outlasts the suite's timeout is a failure of the same kind.
 */
export function setUpSuite(setUp: () => Promise<void> | void): void {
  before(async function () {
    const limitMs = this.timeout();
    this.timeout(0); // the race below enforces the limit, so a timeout fails the tests too
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      if (limitMs > 0) timer = setTimeout(() => reject(new Error(`set-up did not finish within ${limitMs} ms`)), limitMs);
    });
    try {
      await Promise.race([Promise.resolve().then(setUp), timedOut]);
    } catch (err) {
      const cause = err instanceof Error ? err : new Error(String(err));
      for (const test of testsOf(this.test?.parent)) {
        test.fn = () => {
          throw new Error(`the suite's set-up failed: ${cause.message}`, { cause });
        };
      }
    } finally {
      clearTimeout(timer);
    }
  });
}

function testsOf(suite: Suite | undefined): Test[] {
  if (suite === undefined) return [];
  return [...suite.tests, ...suite.suites.flatMap((s) => testsOf(s))];
}
