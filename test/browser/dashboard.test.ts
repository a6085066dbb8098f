import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { launchBrowser } from '../helpers/browser.js';
import { Origin } from '../helpers/git.js';
import { Hooks } from '../helpers/process-app.js';
import { SECRET, startTestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';

// The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against a real
// slipway: signed webhooks go in through its endpoint, a command target deploys from a real git
// origin, and the pages are used as a person would use them.

/** acme/web's previews on the command target, whose deploy writes a line every 0.3 s for a few seconds. */
const yaml = (origin: string) => `apps:
  - name: web
    repo: acme/web
    url: ${origin}
    target: { type: command, deploy: [sh, -c, 'for i in 1 2 3 4 5 6 7 8; do echo "step $i of $SLIPWAY_ENV"; sleep 0.3; done'] }
    environments:
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
`;

test('a person signs in, sees a preview appear without reloading, and watches its deployment log stream', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  origin.commit('main', 'base');
  const service = await startTestService(t, { yaml: yaml(origin.url) });
  const hooks = new Hooks(origin, () => service.url, SECRET);
  const browser = await launchBrowser(t);
  const page = await browser.newPage();

  await page.goto(`${service.url}/`);
  assert.match(page.url(), /\/login$/, 'sent to sign in');
  await page.getByLabel('API token').fill('not the token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('That is not the API token.').waitFor();
  await page.getByLabel('API token').fill(service.apiToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${service.url}/`);

  // The board, left as it is: a marker shows that it is never reloaded.
  await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
  await hooks.pullRequest('opened', 7, 'feature', origin.commit('feature', 'a change'));
  const card = page.getByRole('link', { name: 'pr-7' });
  await card.waitFor({ timeout: 20_000 });
  assert.equal(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded), true);

  await card.click();
  await page.getByRole('heading', { name: /pr-7/ }).waitFor();
  await page.getByRole('link', { name: /^Deployment \d+/ }).first().click();
  const log = page.locator('pre#log');
  // Streamed while it runs: an early line, then a later one, without reloading.
  await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
  await log.getByText('step 2 of pr-7').waitFor({ timeout: 20_000 });
  await log.getByText('step 8 of pr-7').waitFor({ timeout: 20_000 });
  await page.locator('.facts .state', { hasText: 'success' }).waitFor({ timeout: 20_000 });
  assert.equal(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded), true);
});
