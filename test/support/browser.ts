import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Debian's chromium, driven by playwright-core (Playwright's own browser download cannot work
 * here). CHROMIUM_PATH names another binary. Not found is a failure with the way to install it,
 * never a skipped test.
 */
export function chromiumPath(): string {
  const given = process.env['CHROMIUM_PATH'];
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH=${given}: no such file`);
    return given;
  }
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
    if (found !== '') return found;
  } catch {
    // not on PATH either
  }
  throw new Error(
    "Debian's chromium was not found (/usr/bin/chromium): install it with `apt-get install chromium` " +
      '(bash scripts/prerequisites.sh does), or set CHROMIUM_PATH to a Chromium binary',
  );
}

/** A headless Chromium with a fresh profile of its own, which nothing reaches beyond this machine. */
export async function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'hotswap-chromium-')), {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 800 },
  });
}
