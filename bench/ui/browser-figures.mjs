// The board in a real browser (Debian's Chromium, driven by playwright-core; never downloaded):
// how long it takes to load and lay out, and how long a live update takes to reach the page and
// how long it holds the page's main thread, for the whole board against a board filtered down to
// one environment, side by side. Used by board.mjs --browser.
// Functions given to page.evaluate run in the page, where these are defined.
/* global window, document */
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/**
 * `runs` loads of each page, alternating; then `runs` live updates on the whole board, each
 * made by `change()` (a write through slipway's API) and timed until the page swapped in the
 * new board. Long tasks (over 50 ms on the main thread) are what make a page stop answering.
 */
export async function measureInBrowser({ url, token, runs, filteredPath, change }) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  try {
    // The API token as a bearer lets the browser read the pages and their event stream.
    const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${token}` } });
    const page = await context.newPage();
    const loads = { board: [], filtered: [] };
    for (let i = 0; i < runs; i++) {
      loads.board.push(await timedLoad(page, `${url}/`));
      loads.filtered.push(await timedLoad(page, `${url}${filteredPath}`));
    }
    await page.goto(`${url}/`, { waitUntil: 'load' });
    await page.evaluate(() => {
      window.benchLongTasks = [];
      new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.benchLongTasks.push(entry.duration); }).observe({ type: 'longtask' });
      document.addEventListener('slipway:updated', () => { window.benchUpdatedAt = Date.now(); });
    });
    // The page's event stream must be open before the first change.
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((entry) => entry.name.endsWith('/ui/events')), null, { timeout: 10_000 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const updates = [];
    const longest = [];
    for (let i = 0; i < runs; i++) {
      await page.evaluate(() => { window.benchUpdatedAt = 0; window.benchLongTasks = []; });
      const changedAt = Date.now();
      await change(i);
      await page.waitForFunction(() => window.benchUpdatedAt > 0, null, { timeout: 30_000 });
      const [updatedAt, tasks] = await page.evaluate(() => [window.benchUpdatedAt, window.benchLongTasks]);
      updates.push(updatedAt - changedAt);
      longest.push(Math.max(0, ...tasks));
      // The page fetches at most once a second after a burst: wait it out so runs do not merge.
      await new Promise((resolve) => setTimeout(resolve, 1200));
    }
    return { loads, updates, longestTask: longest };
  } finally {
    await browser.close();
  }
}

/** Navigation to the load event, with the part after the last byte arrived (parse, style, layout). */
async function timedLoad(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  return page.evaluate(() => {
    const [entry] = performance.getEntriesByType('navigation');
    return { total: entry.loadEventEnd - entry.startTime, afterResponse: entry.loadEventEnd - entry.responseEnd };
  });
}
