import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
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

/**
 * With SLIPWAY_SCREENSHOTS=<folder> (the README's pictures are made with docs/), the pages are
 * also saved as PNG files there.
 */
async function screenshot(page: Page, name: string): Promise<void> {
  const folder = process.env.SLIPWAY_SCREENSHOTS;
  if (folder !== undefined && folder !== '') await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
}

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

test('a person rolls back from the environment page, replays a delivery, and an action without the session or its CSRF token is refused', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  origin.commit('main', 'base');
  const service = await startTestService(t, { yaml: yaml(origin.url) });
  const hooks = new Hooks(origin, () => service.url, SECRET);
  const ready = async (sha: string) => {
    for (let i = 0; i < 300; i += 1) {
      const env = await service.store.getEnvironment('web', 'pr-7');
      if (env?.observedSha === sha && env.state === 'ready') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`pr-7 never ran ${sha}`);
  };
  const first = origin.commit('feature', 'one');
  await hooks.pullRequest('opened', 7, 'feature', first);
  await ready(first);
  const second = origin.commit('feature', 'two');
  await hooks.pullRequest('synchronize', 7, 'feature', second);
  await ready(second);

  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  await page.goto(`${service.url}/environments/web/pr-7`);
  await page.getByLabel('API token').fill(service.apiToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${service.url}/environments/web/pr-7`);

  await page.getByRole('button', { name: 'Roll back' }).click();
  assert.equal(await page.locator('.notice').textContent(), `Rolling web/pr-7 back to ${first.slice(0, 12)}.`);
  // The timeline changes as the rollback deploys: the newest entry is marked as one.
  await page.locator('.label', { hasText: 'rollback' }).first().waitFor({ timeout: 20_000 });
  await ready(first);
  await page.reload();
  await screenshot(page, 'environment');
  await page.goto(service.url);
  await screenshot(page, 'board');

  // Without the CSRF token (a page of another origin could not read it), and without the session.
  const noToken = await page.evaluate(async () => (await fetch('/environments/web/pr-7/destroy', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status);
  assert.equal(noToken, 403);
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(`${service.url}/login`);
  const noSession = await stranger.evaluate(async (token) => (await fetch('/environments/web/pr-7/destroy', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${token}` })).status, csrf);
  assert.equal(noSession, 401);
  assert.equal((await service.store.getEnvironment('web', 'pr-7'))?.present, true, 'nothing was destroyed');

  const [newest] = await service.store.listDeliveries({ limit: 1 });
  assert.ok(newest !== undefined);
  await page.goto(`${service.url}/deliveries`);
  await page.locator(`a[href$="${encodeURIComponent(newest.id)}"]`).first().click();
  await screenshot(page, 'delivery');
  await page.getByRole('button', { name: 'Replay' }).click();
  assert.equal(await page.locator('.notice').textContent(), `Delivery ${newest.id} is queued to be dispatched again.`);
});
