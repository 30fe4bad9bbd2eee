import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { REPO, ServiceProcess, isolatedNames, settledValue, stopStarted, tempDir } from './support/services';
import { setUpSuite } from './support/set-up';

const ARTIFACTS = join(REPO, 'test', 'artifacts');

// The functions given to page.evaluate and waitForFunction run in the browser. The test project has
// no DOM library (it would change Node's own types), so they name the little of the DOM they use.
interface PageNode {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
}
interface Doc extends PageNode {
  getElementById(id: string): PageNode | null;
  documentElement: { scrollWidth: number; clientWidth: number };
}
interface Canvas {
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
type InPage = { document: Doc };

/** The number a page element shows, read from its data-count or its text. */
async function shownCount(page: Page, selector: string): Promise<number> {
  return Number(await page.locator(selector).getAttribute('data-count'));
}

describe('dashboard in a real browser, through a hot swap', function () {
  this.timeout(300_000);
  const names = isolatedNames('dash');
  const common = { ...names.env };
  let predictor: ServiceProcess | undefined;
  let data: ServiceProcess | undefined;
  let dashboard: ServiceProcess | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let port: number;
  const pageErrors: string[] = [];

  const startDashboard = async (at: number): Promise<number> => {
    dashboard = new ServiceProcess('dashboard', { ...common, DASHBOARD_PORT: String(at), DASHBOARD_HOST: '127.0.0.1' });
    const line = await dashboard.waitFor(/dashboard on http:\/\/127\.0\.0\.1:\d+\//);
    return Number(/:(\d+)\/$/.exec(line)?.[1]);
  };

  setUpSuite(async () => {
    // The browser first: without Debian's chromium every test fails with the way to install it.
    browser = await launchChromium();
    predictor = new ServiceProcess('predictor', { ...common, PREDICTOR_GROUP: names.group, LOG_FILE: join(tempDir('dash'), 'p.log') });
    await predictor.waitFor(/reading models/);
    port = await startDashboard(0);
    // v1 (barely trained) at once, v2 (better) a few seconds later, while samples flow at 200/s.
    const models = new ServiceProcess('modelgenerator', {
      ...common,
      MODEL_SCHEDULE: 'mlp:8@500x1,mlp:64@6000x2',
      MODEL_INTERVAL_MS: '8000',
    });
    await models.waitFor(/published fashion-mnist v1/, 120_000);
    data = new ServiceProcess('datagenerator', { ...common, RATE: '200', RUN_ID: names.id });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    assert.equal(await models.exitCode(120_000), 0, models.lines.join('\n'));
  });

  after(async () => {
    await browser?.close();
    await stopStarted(data, predictor, dashboard);
  });

  it('draws points of the accuracy lines as predictions arrive', async () => {
    await page.waitForFunction(
      () => Number((globalThis as unknown as InPage).document.getElementById('chart')?.dataset['points']) >= 3,
      null,
      { timeout: 60_000 },
    );
    assert.ok((await shownCount(page, '#predictions')) > 0);
    assert.match((await page.locator('#running').textContent()) ?? '', /^\d+\.\d\d%$/);
    assert.equal(await page.locator('#chart canvas').count(), 1, 'uPlot drew the chart');
  });

  it('marks the swap with the new version, beside its held-out and live accuracy', async () => {
    const swap = page.locator('#markers li[data-kind="swap"]', { hasText: 'swap to v2' });
    await swap.waitFor({ timeout: 120_000 });
    assert.match((await swap.textContent()) ?? '', /swap to v2 \(from v1\) on 1 replica/);
    const v2 = page.locator('#versions tr[data-version="2"]');
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelector('#versions tr[data-version="2"]')?.textContent?.includes('(serving)'),
      null,
      { timeout: 30_000 },
    );
    const cells = await v2.locator('td').allTextContents();
    assert.match(cells[1] ?? '', /^\d+\.\d%$/, `held-out accuracy of v2: ${cells.join(' | ')}`);
    assert.match(cells[2] ?? '', /^\d+\.\d%$/, `live accuracy of v2: ${cells.join(' | ')}`);
    const replica = await page.locator('#replicas tr').first().locator('td').allTextContents();
    assert.match(replica[0] ?? '', /v2$/, `the replica serves v2: ${replica.join(' | ')}`);
  });

  it("has a confusion matrix whose total is the serving version's predictions counted", async () => {
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.getElementById('confusion')?.dataset['version'] === '2',
      null,
      { timeout: 30_000 },
    );
    // Read in one go: the page redraws a few times a second.
    const shown = await page.evaluate(() => {
      const document = (globalThis as unknown as InPage).document;
      const number = (n: PageNode | null | undefined): number => Number((n?.textContent ?? '').replace(/,/g, ''));
      const table = document.getElementById('confusion') as PageNode;
      const cells = Array.from(table.querySelectorAll('td')).map((td) => Number(td.dataset['count']));
      const row = document.querySelector(`#versions tr[data-version="${table.dataset['version']}"]`);
      const rowCells = Array.from(row?.querySelectorAll('td') ?? []).map(number);
      return {
        cells: cells.length,
        sum: cells.reduce((a, b) => a + b, 0),
        total: number(document.querySelector('[data-testid="confusion-total"]')),
        predictions: rowCells[3],
        labelled: rowCells[4],
        classes: Array.from(table.querySelectorAll('tbody th')).map((th) => th.textContent),
        caption: document.getElementById('confusion-caption')?.textContent,
      };
    });
    assert.equal(shown.cells, 100, `ten classes by ten: ${JSON.stringify(shown)}`);
    assert.ok(shown.sum > 0);
    assert.equal(shown.sum, shown.total, 'the caption counts what the cells hold');
    assert.equal(shown.sum, shown.labelled, "the version's labelled predictions in the versions table");
    assert.equal(shown.sum, shown.predictions, 'every sample is labelled here, so that is every prediction by the version');
    assert.equal(shown.classes[0], '0 T-shirt/top', 'rows named by class');
  });

  it('shows the latest mistakes as pictures, with what was predicted and what was true', async () => {
    const drawn = page.locator('[data-testid="mistake"] canvas[data-drawn="true"]').first();
    await drawn.waitFor({ timeout: 60_000 });
    const inked = await drawn.evaluate((canvas) => {
      const pixels = Array.from((canvas as unknown as Canvas).getContext('2d')?.getImageData(0, 0, 28, 28).data ?? []);
      return pixels.filter((v, i) => i % 4 === 0 && v > 0).length;
    });
    assert.ok(inked > 20, `the picture has ink (${inked} non-black pixels)`);
    assert.match((await drawn.getAttribute('aria-label')) ?? '', /^Sample \S+: predicted .+, true .+$/);
  });

  it('is readable at 1280x800 and at 390 px wide, and saves both as screenshots', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      // The charts lay out again on the next frames: read the overflow until it is gone, or say by how much.
      const overflow = await settledValue(
        () =>
          page.evaluate(() => {
            const { documentElement } = (globalThis as unknown as InPage).document;
            return documentElement.scrollWidth - documentElement.clientWidth;
          }),
        (sideways) => sideways <= 0,
        10_000,
      );
      assert.ok(overflow <= 0, `at ${width} px the page scrolls sideways by ${overflow} px`);
      const path = join(ARTIFACTS, `dashboard-${width}.png`);
      await page.screenshot({ path, fullPage: true });
      process.stderr.write(`      screenshot at ${width}x${height}: ${path}\n`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('recovers by itself after the dashboard restarts: new data arrives again', async () => {
    const before = await shownCount(page, '#predictions');
    assert.equal(await dashboard?.stop(), 0, 'the dashboard exits 0 on SIGTERM');
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.getElementById('status')?.dataset['state'] === 'reconnecting',
      null,
      { timeout: 15_000 },
    );
    const updates = Number(await page.locator('body').getAttribute('data-updates'));
    const first = dashboard;
    await startDashboard(port);
    await page.waitForFunction(
      (n) => {
        const document = (globalThis as unknown as InPage).document;
        return (
          Number(document.getElementById('predictions')?.dataset['count']) > n &&
          document.getElementById('status')?.dataset['state'] === 'live'
        );
      },
      before,
      { timeout: 60_000 },
    );
    assert.ok(Number(await page.locator('body').getAttribute('data-updates')) > updates, 'updates came from the new server');
    // The new server rebuilt the history from the topics: the swap is marked again.
    await page.locator('#markers li[data-kind="swap"]', { hasText: 'swap to v2' }).waitFor({ timeout: 30_000 });
    const lines = [...(first?.lines ?? []), ...(dashboard?.lines ?? [])];
    assert.deepEqual(
      lines.filter((l) => /error/i.test(l)),
      [],
      'the dashboard printed no error',
    );
    assert.deepEqual(pageErrors, [], 'no script error in the page');
  });
});
