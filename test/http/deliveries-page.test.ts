import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { escapeHtml } from '../../src/router/pages.js';
import { API_TOKEN, SECRET, startTestService, type TestService } from '../helpers/service.js';
import { deliver, eventually, send } from '../helpers/webhook.js';

// The Deliveries list of the dashboard, read over real HTTP from a real slipway on SQLite: the
// deliveries are sent signed to its webhook, as GitHub sends them.

const pushMain = JSON.parse(readFileSync('test/fixtures/payloads/push-main.json', 'utf8')) as { repository: object };
/** A push to main (no app is configured: slipway records it and does nothing) of this repository. */
const push = (repo: string) => ({ ...pushMain, repository: { ...pushMain.repository, full_name: repo } });

/** The delivery ids in the page's table, top to bottom. */
const listed = (body: string) => [...body.matchAll(/<a href="\/deliveries\/([^"]+)"><code>/g)].map((match) => decodeURIComponent(match[1] ?? ''));
/** The href of the pager link with this text, as a browser reads it. */
const pagerLink = (body: string, text: string) => {
  const href = new RegExp(`<a href="([^"]+)"[^>]*>${text}</a>`).exec(/<nav class="pager"[\s\S]*?<\/nav>/.exec(body)?.[0] ?? '')?.[1];
  return href?.replaceAll('&#38;', '&');
};

async function settled(service: TestService): Promise<void> {
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));
}

test('the list shows the newest first and pages with Older and Newest, keeping its filters', async (t) => {
  const service = await startTestService(t);
  const ids: string[] = [];
  for (let i = 0; i < 53; i += 1) ids.push((await deliver(service.url, { event: 'push', payload: push(i % 2 === 0 ? 'acme/web' : 'acme/docs') })).id);
  await settled(service);
  const newestFirst = [...ids].reverse();

  const first = await service.api('GET', '/deliveries');
  assert.equal(first.status, 200);
  assert.deepEqual(listed(first.body), newestFirst.slice(0, 50), 'a page is 50, as the API\'s');
  assert.equal(pagerLink(first.body, 'Newest'), undefined, 'the first page has no link to itself');
  const older = pagerLink(first.body, 'Older');
  assert.ok(older !== undefined, first.body);
  const second = await service.api('GET', older);
  assert.deepEqual(listed(second.body), newestFirst.slice(50));
  assert.equal(pagerLink(second.body, 'Older'), undefined, 'the last page');
  assert.equal(pagerLink(second.body, 'Newest'), '/deliveries');

  // Filters and a page size are kept in the pager's links and in the form.
  const web = newestFirst.filter((_, index) => index % 2 === 0);
  const small = await service.api('GET', '/deliveries?repo=acme/web&limit=20');
  assert.deepEqual(listed(small.body), web.slice(0, 20));
  const next = pagerLink(small.body, 'Older');
  assert.match(next ?? '', /^\/deliveries\?repo=acme%2Fweb&limit=20&before=\d+$/);
  const page2 = await service.api('GET', next ?? '');
  assert.deepEqual(listed(page2.body), web.slice(20, 27));
  assert.equal(pagerLink(page2.body, 'Newest'), '/deliveries?repo=acme%2Fweb&limit=20');
  assert.ok(page2.body.includes('name="repo" value="acme/web"'), 'the form keeps the filter');
  assert.ok(page2.body.includes('<input type="hidden" name="limit" value="20">'));
});

test('the list filters by event, repository and status; the filter form stays outside the live part', async (t) => {
  const service = await startTestService(t);
  const web = await deliver(service.url, { event: 'push', payload: push('acme/web') });
  const docs = await deliver(service.url, { event: 'push', payload: push('acme/docs') });
  const star = await deliver(service.url, { event: 'star', payload: { action: 'created', repository: { full_name: 'Acme/Web' } } });
  const ping = await deliver(service.url, { event: 'ping', payload: { zen: 'Keep it simple.', hook_id: 9, hook: { type: 'Repository', id: 9, events: ['*'] } } });
  await settled(service);

  const page = async (query: string) => listed((await service.api('GET', `/deliveries?${query}`)).body);
  assert.deepEqual(await page(''), [ping.id, star.id, docs.id, web.id]);
  assert.deepEqual(await page('repo=acme/web'), [star.id, web.id], 'a repository is matched in any case, as GitHub names them');
  assert.deepEqual(await page('event=push'), [docs.id, web.id]);
  assert.deepEqual(await page('status=ignored'), [star.id]);
  assert.deepEqual(await page('event=push&repo=acme/docs&status=processed'), [docs.id]);
  assert.deepEqual(await page('repo=acme/none'), []);

  const filtered = await service.api('GET', '/deliveries?event=star&status=ignored');
  const row = /<tr>\s*<td><time[\s\S]*?<\/tr>/.exec(filtered.body)?.[0] ?? '';
  assert.match(row, /<td>star\.created<\/td><td>Acme\/Web<\/td>/, filtered.body);
  assert.match(row, /<span class="state s-ignored">ignored<\/span>/, 'the status as a word, coloured by its class');
  assert.ok(filtered.body.includes('<option value="ignored" selected>'), 'the form keeps the status');
  assert.ok(filtered.body.includes('name="event" value="star"'));
  const form = filtered.body.indexOf('<form class="filters" method="get" action="/deliveries">');
  const live = filtered.body.indexOf('<div data-live="deliveries">');
  assert.ok(form >= 0 && live > filtered.body.indexOf('</form>', form), 'the form is closed before the live part starts');
  assert.match((await service.api('GET', '/deliveries?repo=acme/none')).body, /No delivery matches these filters\./);

  for (const secret of [SECRET, API_TOKEN]) assert.ok(!filtered.body.includes(secret), 'no secret on the page');
});

test('a query the list cannot use is said on the page, with the form to fix it; a browser without a session signs in first', async (t) => {
  const service = await startTestService(t);
  const anonymous = await send(`${service.url}/deliveries?status=failed`, { method: 'GET' });
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.location, '/login?next=%2Fdeliveries%3Fstatus%3Dfailed');
  await deliver(service.url, { event: 'push', payload: push('acme/web') });
  for (const [query, problem] of [
    ['status=done', 'status must be one of: pending, processed, ignored, failed'],
    ['limit=0', 'limit must be a whole number from 1 to 500'],
    ['before=-1', 'before must be a whole number from 1 to 9007199254740991'],
  ]) {
    const answer = await service.api('GET', `/deliveries?${query}&repo=%3Cb%3Eacme`);
    assert.equal(answer.status, 200, query);
    assert.ok(answer.body.includes(`<p class="problem" role="alert">${problem}</p>`), answer.body);
    assert.deepEqual(listed(answer.body), [], 'no listing for a query that cannot be used');
    assert.ok(answer.body.includes(`name="repo" value="${escapeHtml('<b>acme')}"`), 'the form keeps what was typed, escaped');
    assert.ok(!answer.body.includes('<b>acme'));
  }
});
