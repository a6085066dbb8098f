import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Environment } from '../../src/domain/environments.js';
import { dashboardApp } from '../helpers/dashboard-app.js';
import { follow } from '../helpers/seed.js';
import { send } from '../helpers/webhook.js';

// The environment page's actions over real HTTP from a real slipway on SQLite, whose engine
// deploys from a real git repository: each form makes the change its JSON API call makes (one
// preview acted on through the page, its twin through the API), and a refused one changes nothing.

/** What an action changes, without what differs between twins (ids, names, times). */
function desired(env: Environment) {
  return {
    present: env.present, state: env.state, desiredRef: env.desiredRef?.replace(/refs\/pull\/\d+\//, 'refs/pull/N/') ?? null, pinnedSha: env.pinnedSha,
    generation: env.generation, quarantinedSha: env.quarantinedSha, lastTrigger: env.lastTrigger, keep: env.keep, ttlMs: env.ttlMs,
  };
}

test('each action through its form changes what the same JSON API call changes', async (t) => {
  const app = await dashboardApp(t);
  const { origin, service, browser } = app;
  const v1 = origin.git('rev-parse', 'main');
  const head = origin.commit('feature', 'pr head');
  origin.pullHead(1, head);
  origin.pullHead(2, head);
  await service.store.changeEnvironments([
    follow('webapp', 'pr-1', 'refs/pull/1/head', { rule: 'pr-{number}', pr: 1, ttlMs: 3_600_000 }),
    follow('webapp', 'pr-2', 'refs/pull/2/head', { rule: 'pr-{number}', pr: 2, ttlMs: 3_600_000 }),
  ], 'test');
  const settled = (sha: string) => async () => {
    const [one, two] = await Promise.all([app.until('pr-1', (env) => env.state === 'ready' && env.observedSha === sha), app.until('pr-2', (env) => env.state === 'ready' && env.observedSha === sha)]);
    assert.deepEqual(desired(one), desired(two));
    return one;
  };
  await settled(head)();

  const steps: { form: [string, Record<string, string>]; api: [string, unknown]; notice: RegExp; then: () => Promise<Environment> }[] = [
    { form: ['deploy', { target: v1.toUpperCase() }], api: ['deploy', { sha: v1 }], notice: new RegExp(`Deploying ${v1.slice(0, 12)} to webapp/pr-1\\.`), then: settled(v1) },
    { form: ['follow', {}], api: ['deploy', { follow: true }], notice: /webapp\/pr-1 follows refs\/pull\/1\/head again\./, then: settled(head) },
    { form: ['rollback', { to: '' }], api: ['rollback', {}], notice: new RegExp(`Rolling webapp/pr-1 back to ${v1.slice(0, 12)}\\.`), then: settled(v1) },
    { form: ['deploy', { target: 'refs/pull/1/head' }], api: ['deploy', { ref: 'refs/pull/2/head' }], notice: /webapp\/pr-1 follows refs\/pull\/1\/head now\./, then: settled(v1) },
  ];
  for (const { form, api, notice, then } of steps) {
    const page = await app.landing(await browser.post(`/environments/webapp/pr-1/${form[0]}`, form[1]));
    assert.match(page.body, new RegExp(`<p class="notice" role="status">${notice.source}</p>`));
    assert.equal((await service.api('POST', `/api/environments/webapp/pr-2/${api[0]}`, api[1])).status, 202);
    const env = await then();
    // Following the ref (not following it again) keeps skipping the commit rolled back from.
    if (form[0] === 'rollback' || form[1].target?.startsWith('refs/') === true) assert.equal(env.quarantinedSha, head);
  }

  const extended = await app.landing(await browser.post('/environments/webapp/pr-1/extend', { by: '1d' }));
  assert.match(extended.body, /<p class="notice" role="status">webapp\/pr-1 now expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\.<\/p>/);
  assert.equal((await service.api('POST', '/api/environments/webapp/pr-2/extend', { by: '1d' })).status, 200);
  const [one, two] = [await service.store.getEnvironment('webapp', 'pr-1'), await service.store.getEnvironment('webapp', 'pr-2')];
  assert.ok(one?.expiresAt && two?.expiresAt && Math.abs(one.expiresAt - two.expiresAt) < 5000 && one.expiresAt > Date.now() + 24 * 3_600_000, 'both expire a day and an hour from now');

  const destroyed = await app.landing(await browser.post('/environments/webapp/pr-1/destroy'));
  assert.ok(destroyed.body.includes('<p class="notice" role="status">Destroying webapp/pr-1.</p>'), destroyed.body);
  assert.equal((await service.api('POST', '/api/environments/webapp/pr-2/destroy')).status, 202);
  const [gone1, gone2] = await Promise.all([app.until('pr-1', (env) => env.state === 'destroyed'), app.until('pr-2', (env) => env.state === 'destroyed')]);
  assert.deepEqual(desired(gone1), desired(gone2));
});

test('an action without a session, without or with a wrong CSRF token, or from another site is refused; a bad value comes back with the problem', async (t) => {
  const app = await dashboardApp(t);
  const { service, browser } = app;
  assert.equal((await service.api('POST', '/api/environments/webapp/staging/deploy', { ref: 'main' })).status, 202);
  const before = await app.until('staging', (env) => env.state === 'ready');
  const path = '/environments/webapp/staging/destroy';
  const form = (headers: Record<string, string>, fields: Record<string, string>) =>
    send(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });

  const refusals = [
    [await form({}, { _csrf: browser.csrf }), 401, /sign in to act/],
    [await form({ cookie: browser.cookie }, {}), 403, /missing its CSRF token/],
    [await form({ cookie: browser.cookie }, { _csrf: `${browser.csrf}x` }), 403, /missing its CSRF token or it is out of date/],
    [await form({ cookie: browser.cookie, origin: 'https://evil.example' }, { _csrf: browser.csrf }), 403, /only from slipway&#39;s own pages/],
    [await form({ cookie: browser.cookie, 'sec-fetch-site': 'cross-site' }, { _csrf: browser.csrf }), 403, /only from slipway&#39;s own pages/],
  ] as const;
  for (const [answer, status, message] of refusals) {
    assert.equal(answer.status, status, answer.body);
    assert.match(answer.body, message);
  }

  const bad = [
    ['deploy', { target: 'bad..ref' }, /ref must be a full ref such as refs\/heads\/main/],
    ['deploy', { target: '' }, /give a ref \(a branch such as main, or refs\/tags\/v1.2.0\) or a full commit sha to deploy/],
    ['rollback', { to: 'main' }, /sha must be a full commit sha/],
    ['rollback', { to: '' }, /no earlier successful deployment to go back to/],
    ['extend', { by: '2weeks' }, /&#34;2weeks&#34; is not a duration/],
    ['extend', { by: '1h' }, /webapp\/staging does not expire \(it has no TTL\)/],
  ] as const;
  for (const [action, fields, message] of bad) {
    const answer = await browser.post(`/environments/webapp/staging/${action}`, fields);
    assert.equal(answer.headers.location, '/environments/webapp/staging', `${action} goes back to the page`);
    const page = await app.landing(answer);
    assert.match(page.body, new RegExp(`<p class="problem" role="alert">[^<]*${message.source}`), page.body);
  }
  const after = await service.store.getEnvironment('webapp', 'staging');
  assert.deepEqual(after && desired(after), desired(before), 'nothing changed');
  assert.equal(after?.present, true);
  assert.equal((await service.store.listDeployments(before.id, 10)).length, 1);
});
