import type { TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which .ci/run installs: the browser tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';

/** A headless Chromium for this test, closed after it. */
export async function launchBrowser(t: TestContext): Promise<Browser> {
  // Root (as in CI) cannot use Chromium's sandbox.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  t.after(() => browser.close());
  return browser;
}
