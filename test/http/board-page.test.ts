import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { dashboardApp } from '../helpers/dashboard-app.js';
import { follow, seedDeployments } from '../helpers/seed.js';
import { send } from '../helpers/webhook.js';

// The board (GET /) read over real HTTP from a real slipway on SQLite, whose engine deploys the
// configured app's environments from a real git repository. The app "legacy" is no longer
// configured: the engine leaves its environment alone, so the test writes its deployments.

const XSS_BRANCH = 'feature/<script>alert(1)</script>';
const RUNNING = 'b'.repeat(40);

async function setup(t: TestContext) {
  const { service, browser } = await dashboardApp(t, 'github:\n  apiUrl: https://ghe.example.com/api/v3\n');
  await service.store.changeEnvironments([
    follow('webapp', 'production', 'refs/tags/v1', { rule: 'production', trigger: 'release.published' }),
    follow('webapp', 'staging', 'refs/heads/main', { rule: 'staging' }),
    follow('webapp', 'br-xss', `refs/heads/${XSS_BRANCH}`, { rule: 'br-{branch}' }),
    follow('webapp', 'pr-7', 'refs/pull/7/head', { rule: 'pr-{number}', pr: 7, branch: 'fix-login', ttlMs: 3_600_000 }),
    follow('legacy', 'old-1', 'refs/heads/old'),
  ], 'test');
  await seedDeployments(service.store, 'legacy', 'old-1', [
    { state: 'success', sha: 'a'.repeat(40) },
    { state: 'failure', sha: 'c'.repeat(40) },
    { state: 'success', sha: RUNNING, url: 'http://old-1.legacy.example/' },
  ]);
  return { service, browser };
}

/** The card of an environment on a board page. */
function card(body: string, app: string, env: string): string {
  const start = body.lastIndexOf('<li class="card', body.indexOf(`href="/environments/${app}/${env}"`));
  assert.ok(start >= 0, `a card for ${app}/${env}`);
  const next = body.indexOf('<li class="card', start + 1);
  const end = body.indexOf('</ul>', start);
  return body.slice(start, next >= 0 && next < end ? next : end);
}

/** The group headings of an app's section, each with the environments under it. */
function groups(body: string, app: string): Record<string, string[]> {
  const section = body.slice(body.indexOf(`<h2 id="app-${app}">`), body.indexOf('</section>', body.indexOf(`<h2 id="app-${app}">`)));
  const found: Record<string, string[]> = {};
  for (const part of section.split('<h3 class="group">').slice(1)) {
    const title = part.slice(0, part.indexOf('</h3>'));
    found[title] = [...part.matchAll(/<h4><a href="\/environments\/[^/]+\/([^"]+)">/g)].map((m) => m[1] ?? '');
  }
  return found;
}

test('the board lists every app\'s environments in groups, with links to GitHub Enterprise, all escaped', async (t) => {
  const { browser } = await setup(t);
  const page = await browser.get('/');
  assert.equal(page.status, 200, page.body);
  const { body } = page;
  assert.ok(body.includes('<title>Environments · slipway</title>'));
  assert.deepEqual(groups(body, 'webapp'), {
    Production: ['production'],
    'Staging and other fixed environments': ['staging'],
    Branches: ['br-xss'],
    'Pull request previews': ['pr-7'],
  });
  assert.deepEqual(groups(body, 'legacy'), { 'Staging and other fixed environments': ['old-1'] });
  assert.ok(body.includes('<h2 id="app-docs">docs</h2><p class="muted">No environments yet.</p></section>'), 'an app without environments says so');
  assert.ok(!(await browser.get('/?app=legacy')).body.includes('id="app-docs"'), 'unless the filter looks elsewhere');
  assert.ok(body.includes('<p class="muted">5 of 5 environments</p>'), body);

  // Escaped everywhere: the branch is text, never markup, and its link is percent-encoded.
  assert.ok(!body.includes('<script>alert'), 'no markup from a branch name');
  const xss = card(body, 'webapp', 'br-xss');
  assert.ok(xss.includes('href="https://ghe.example.com/acme/webapp/tree/feature/%3Cscript%3Ealert(1)%3C/script%3E"'), xss);
  assert.ok(xss.includes('>feature/&#60;script&#62;alert(1)&#60;/script&#62;</a>'), xss);

  const preview = card(body, 'webapp', 'pr-7');
  assert.ok(preview.includes('<a href="https://ghe.example.com/acme/webapp/pull/7">#7</a>'), preview);
  assert.match(preview, /<dt>Expires<\/dt><dd>in (59|60) min<\/dd>/);
  assert.match(preview, /<dt>Age<\/dt><dd>\d+ s<\/dd>/);

  // The environment of an app no longer configured: no GitHub links, its deployments as a strip, oldest first.
  const legacy = card(body, 'legacy', 'old-1');
  assert.match(legacy, /^<li class="card s-ready"><h4><a href="\/environments\/legacy\/old-1">old-1<\/a> <span class="state s-ready">ready<\/span><\/h4>/);
  assert.ok(legacy.includes(`<code title="${RUNNING}">bbbbbbb</code>`) && !legacy.includes('/commit/'), legacy);
  assert.ok(legacy.includes('<a href="http://old-1.legacy.example/">http://old-1.legacy.example/</a>'), legacy);
  assert.deepEqual([...legacy.matchAll(/<li class="s-([a-z_]+)" title="#\d+ \1 (\w{7})"><span class="visually-hidden">#\d+ \1 \2<\/span><\/li>/g)].map((m) => `${m[1]} ${m[2]}`),
    ['success aaaaaaa', 'failure ccccccc', 'success bbbbbbb']);

  // The cards are the live part; the filter form is outside it, so typing survives a refresh.
  const live = body.indexOf('<div data-live="environments deployments">');
  assert.ok(live > body.indexOf('<form class="filters" method="get" action="/"'), 'the form comes before the live part');
  assert.ok(live < body.indexOf('<li class="card'));
});

test('the filter narrows the board, stays in the address and the form, and a bad value gets a clear message', async (t) => {
  const { service, browser } = await setup(t);
  const names = (body: string) => [...body.matchAll(/<h4><a href="\/environments\/([^"]+)">/g)].map((m) => m[1]);

  const byApp = await browser.get('/?app=legacy');
  assert.deepEqual(names(byApp.body), ['legacy/old-1']);
  assert.ok(byApp.body.includes('<p class="muted">1 of 5 environments</p>'));
  assert.ok(byApp.body.includes('<option value="legacy" selected>legacy</option>'), 'the form shows the filter');

  assert.deepEqual(names((await browser.get('/?state=ready&app=legacy')).body), ['legacy/old-1']);
  assert.deepEqual(names((await browser.get('/?q=%237')).body), ['webapp/pr-7'], 'a pull request number');
  assert.deepEqual(names((await browser.get('/?q=fix-LOGIN')).body), ['webapp/pr-7'], 'a branch, whatever the case');
  assert.deepEqual(names((await browser.get('/?q=bbbbbbb')).body), ['legacy/old-1'], 'the running sha by its prefix');
  assert.deepEqual(names((await browser.get('/?q=legacy.example')).body), ['legacy/old-1'], 'the URL');
  assert.deepEqual(names((await browser.get('/?q=staging')).body), ['webapp/staging'], 'the name');
  const text = await browser.get('/?q=%3Cscript%3E');
  assert.deepEqual(names(text.body), ['webapp/br-xss']);
  assert.ok(text.body.includes('name="q" type="search" value="&#60;script&#62;"'), 'the text is kept in the form, escaped');
  const none = await browser.get('/?q=nothing-like-this');
  assert.deepEqual(names(none.body), []);
  assert.ok(none.body.includes('0 of 5 environments') && none.body.includes('No environment matches the filter.'));

  const badState = await browser.get('/?state=%3Cb%3Esleepy&app=legacy');
  assert.equal(badState.status, 400);
  assert.ok(badState.body.includes('<p class="problem" role="alert">&#34;&#60;b&#62;sleepy&#34; is not a state; expected one of: pending, waiting, deploying, ready, sleeping, failed, destroying, destroyed. The rest of the filter applies.</p>'), badState.body);
  assert.deepEqual(names(badState.body), ['legacy/old-1'], 'the app filter still applies');
  const badApp = await browser.get('/?app=shop');
  assert.equal(badApp.status, 400);
  assert.ok(badApp.body.includes('there is no app &#34;shop&#34;; expected one of: webapp, docs, legacy.'), badApp.body);

  // A destroyed environment shows only when its state is asked for.
  await service.store.changeEnvironments([{ kind: 'destroy', app: 'legacy', env: 'old-1', reason: 'test', trigger: 'test' }], 'test');
  const env = await service.store.getEnvironment('legacy', 'old-1');
  const lease = await service.store.acquireLease(`env:${env?.id ?? 0}`, 'test', 60_000);
  await service.store.completeDestroy(env?.id ?? 0, env?.generation ?? 0, { lease: `env:${env?.id ?? 0}`, token: lease ?? 0 });
  assert.ok(!names((await browser.get('/')).body).includes('legacy/old-1'));
  assert.deepEqual(names((await browser.get('/?state=destroyed')).body), ['legacy/old-1']);
});

test('an environment of an app no longer configured can be looked at, not acted on', async (t) => {
  const { service, browser } = await setup(t);
  const page = await browser.get('/environments/legacy/old-1');
  assert.equal(page.status, 200);
  assert.ok(page.body.includes('The app legacy is no longer configured: its environments can be looked at, not acted on.'), page.body);
  assert.ok(!page.body.includes('action="/environments/legacy/old-1/'), 'no action forms');
  const refused = await browser.post('/environments/legacy/old-1/destroy');
  assert.equal(refused.headers.location, '/environments/legacy/old-1');
  assert.equal((await service.store.getEnvironment('legacy', 'old-1'))?.present, true, 'the API refuses it too: nothing changed');
});

test('the board asks a browser without a session to sign in, and shows to the API token', async (t) => {
  const { service } = await setup(t);
  const anonymous = await send(`${service.url}/`, { method: 'GET' });
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.location, '/login');
  const bearer = await service.api('GET', '/');
  assert.equal(bearer.status, 200);
  assert.ok(bearer.body.includes('href="/environments/webapp/pr-7"'));
});
