import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboardApp, SECRET_VALUE } from '../helpers/dashboard-app.js';
import { API_TOKEN, SECRET } from '../helpers/service.js';
import { send } from '../helpers/webhook.js';

// The environment page over real HTTP from a real slipway on SQLite, whose engine deploys from a
// real git repository: the history with a rollback and a quarantine marked, the gate's signals,
// the sign-in note, the 404 page, and no secret on any page.

test('the environment page shows its history, with the rollback and the quarantined commit marked', async (t) => {
  const app = await dashboardApp(t);
  const { origin, browser } = app;
  const v1 = origin.git('rev-parse', 'main');
  await app.landing(await browser.post('/environments/webapp/staging/deploy', { target: 'main' }));
  await app.until('staging', (env) => env.state === 'ready' && env.observedSha === v1);
  const v2 = origin.commit('main', 'v2');
  await app.landing(await browser.post('/environments/webapp/staging/deploy', { target: 'main' }));
  await app.until('staging', (env) => env.state === 'ready' && env.observedSha === v2);

  const rolled = await app.landing(await browser.post('/environments/webapp/staging/rollback', { to: '' }));
  assert.ok(rolled.body.includes(`<p class="notice" role="status">Rolling webapp/staging back to ${v1.slice(0, 12)}.</p>`), rolled.body);
  await app.until('staging', (env) => env.state === 'ready' && env.observedSha === v1);

  const page = await browser.get('/environments/webapp/staging');
  assert.equal(page.status, 200);
  const { body } = page;
  assert.ok(body.includes('<title>webapp/staging · slipway</title>'));
  assert.ok(body.includes('<h2>Now</h2>') && body.includes('<dt>State</dt><dd><span class="state s-ready">ready</span></dd>'), body);
  assert.ok(body.includes(`<dt>Pinned to</dt><dd><a href="https://github.com/acme/webapp/commit/${v1}"><code title="${v1}">${v1.slice(0, 7)}</code></a> (by api.rollback); it followed <code>refs/heads/main</code></dd>`), body);
  assert.ok(body.includes(`<dt>Quarantined</dt><dd><a href="https://github.com/acme/webapp/commit/${v2}">`), body);

  const live = body.indexOf('<div data-live="environments deployments">');
  assert.ok(live > body.indexOf('name="target"'), 'the forms come before the live part, outside it');
  const items = body.slice(body.indexOf('<ol class="timeline">')).split('<li class="s-').slice(1);
  const deployments = items.map((item) => ({
    id: /<a href="\/deployments\/(\d+)">/.exec(item)?.[1],
    sha: /<code title="([0-9a-f]{40})">/.exec(item)?.[1],
    labels: [...item.matchAll(/<span class="label [^"]+">(\w+)<\/span>/g)].map((m) => m[1]),
    phases: (item.match(/<ol class="phases"><li>/g) ?? []).length,
  })).filter((entry) => entry.id !== undefined);
  assert.deepEqual(deployments.map(({ sha, labels }) => ({ sha, labels })), [
    { sha: v1, labels: ['rollback'] },
    { sha: v2, labels: ['quarantined'] },
    { sha: v1, labels: [] },
  ]);
  assert.ok(deployments.every((entry) => entry.phases === 1), 'each deployment lists its phases');
  assert.match(body, /<span class="state s-in_progress">in_progress<\/span> <time datetime="[^"]+">[^<]+<\/time>: deploying [0-9a-f]{12} refs\/heads\/main<\/li>/);
  assert.ok(body.includes('<p class="muted">No gate: commits deploy without waiting for CI.</p>'));
});

test('the environment page shows the gate\'s CI signals for the commit waiting on it', async (t) => {
  const app = await dashboardApp(t);
  const sha = app.origin.git('rev-parse', 'main');
  assert.equal((await app.service.api('POST', '/api/environments/webapp/qa/deploy', { ref: 'main' })).status, 202);
  await app.until('qa', (env) => env.state === 'waiting');
  const waiting = await app.browser.get('/environments/webapp/qa');
  assert.ok(waiting.body.includes(`(the newest deployment): <span class="state s-pending">waiting</span></h3>`), waiting.body);
  assert.ok(waiting.body.includes('<p>waiting for check build (missing)</p>'));
  assert.ok(waiting.body.includes('<tr><td>check run</td><td>build</td>\n<td><span class="state s-missing">missing</span></td><td>—</td><td>—</td></tr>'), waiting.body);

  const signal = { repo: 'acme/webapp', sha, kind: 'check_run' as const, name: 'build', app: 'github-actions', state: 'success' as const, conclusion: 'success', url: 'https://ci.example/<run>/1', order: [1, 1, 2] as [number, number, number], receivedAt: Date.now() };
  await app.service.store.recordSignals([{ signal, apps: ['webapp'] }]);
  await app.until('qa', (env) => env.state === 'ready');
  const open = await app.browser.get('/environments/webapp/qa');
  assert.ok(open.body.includes('<p>1 required signal passed</p>'), open.body);
  assert.ok(open.body.includes('<td><span class="state s-passed">passed</span></td><td>success</td><td><a href="https://ci.example/&#60;run&#62;/1">details</a></td>'), open.body);
});

test('unknown environments are a 404 page; a reader who cannot act is told to sign in; no page shows a secret', async (t) => {
  const app = await dashboardApp(t);
  assert.equal((await app.service.api('POST', '/api/environments/webapp/staging/deploy', { ref: 'main' })).status, 202);
  await app.until('staging', (env) => env.state === 'ready');

  const missing = await app.browser.get('/environments/webapp/nowhere');
  assert.equal(missing.status, 404);
  assert.match(missing.body, /<h1>Not found<\/h1><p role="alert">no environment webapp\/nowhere;/);
  assert.equal((await app.browser.get('/environments/shop/staging')).status, 404);

  const bearer = await app.service.api('GET', '/environments/webapp/staging');
  assert.equal(bearer.status, 200);
  assert.ok(bearer.body.includes('Sign in to act: <a href="/login?next=%2Fenvironments%2Fwebapp%2Fstaging">sign in</a>'), bearer.body);
  assert.ok(!bearer.body.includes('<form method="post" action="/environments/'), 'no action forms without a session');
  const anonymous = await send(`${app.service.url}/environments/webapp/staging`, { method: 'GET' });
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.location, '/login?next=%2Fenvironments%2Fwebapp%2Fstaging');

  const problem = await app.landing(await app.browser.post('/environments/webapp/staging/deploy', { target: 'bad..ref' }));
  assert.ok(problem.body.includes('<p class="problem" role="alert">ref must be a full ref'), problem.body);
  const pages = [
    await app.browser.get('/'),
    await app.browser.get('/environments/webapp/staging'),
    problem,
    missing,
    bearer,
    await send(`${app.service.url}/login`, { method: 'GET' }),
  ];
  for (const page of pages) {
    for (const secret of [SECRET_VALUE, API_TOKEN, SECRET]) assert.ok(!page.body.includes(secret), `a page shows ${secret}`);
  }
});
