import assert from 'node:assert/strict';
import { test } from 'node:test';
import { followChanges, signIn } from '../helpers/dashboard.js';
import { startTestService } from '../helpers/service.js';
import { eventually, send } from '../helpers/webhook.js';

// Who may see the dashboard of a real slipway (HTTP on 127.0.0.1, SQLite): the login form turns
// the API token into a session cookie; actions need that session and its CSRF token.

const YAML = (top = '') => `${top}apps:\n  - name: webapp\n    repo: acme/webapp\n    target: { type: command, deploy: [sh, -c, "true"] }\n`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const login = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  send(`${url}/login`, { method: 'POST', headers: { ...FORM, ...headers }, body: new URLSearchParams(fields).toString() });

test('signing in: a wrong token is refused without a cookie; the right one gives an HttpOnly, SameSite=Strict session and goes back where it was going, never elsewhere', async (t) => {
  const service = await startTestService(t, { yaml: YAML() });
  const wrong = await login(service.url, { token: 'nope' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /That is not the API token/);
  assert.equal(wrong.headers['set-cookie'], undefined);
  assert.ok(!wrong.body.includes(service.apiToken));

  const right = await login(service.url, { token: service.apiToken, next: '/deployments/7?x=1' });
  assert.equal(right.status, 303);
  assert.equal(right.headers.location, '/deployments/7?x=1');
  const cookie = String(right.headers['set-cookie']);
  assert.match(cookie, /^slipway_session=[^;]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/, 'no Secure over plain http');
  for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'javascript:alert(1)']) {
    const elsewhere = await login(service.url, { token: service.apiToken, next });
    assert.equal(elsewhere.headers.location, '/', next);
  }

  // From another site, or not as a form: refused before the token is looked at.
  assert.equal((await login(service.url, { token: service.apiToken }, { origin: 'https://evil.example' })).status, 403);
  assert.equal((await login(service.url, { token: service.apiToken }, { 'sec-fetch-site': 'cross-site' })).status, 403);
  const json = await send(`${service.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: service.apiToken }) });
  assert.equal(json.status, 415);
});

test('behind an https public URL the session cookie is Secure', async (t) => {
  const service = await startTestService(t, { yaml: YAML('server:\n  publicUrl: https://slipway.example.com\n') });
  const right = await login(service.url, { token: service.apiToken });
  assert.match(String(right.headers['set-cookie']), /; Secure$/);
});

test('pages send a browser without a session to sign in; a forged cookie is no session; signing out needs the CSRF token', async (t) => {
  const service = await startTestService(t, { yaml: YAML() });
  const anonymous = await send(`${service.url}/deployments/5`, { method: 'GET' });
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.location, '/login?next=%2Fdeployments%2F5');
  const forged = await send(`${service.url}/deployments/5`, { method: 'GET', headers: { cookie: `slipway_session=9999999999999.${'a'.repeat(24)}.${'b'.repeat(43)}` } });
  assert.equal(forged.status, 303);

  const browser = await signIn(service);
  const page = await browser.get('/deployments/5');
  assert.equal(page.status, 404);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.ok(!page.body.includes(service.apiToken));

  assert.equal((await browser.post('/logout', { _csrf: '' })).status, 403);
  const out = await browser.post('/logout');
  assert.equal(out.status, 303);
  assert.match(String(out.headers['set-cookie']), /^slipway_session=; Path=\/; Max-Age=0/);
});

test('ui.public opens the read-only pages to everyone; the event stream follows the same rule', async (t) => {
  const closed = await startTestService(t, { yaml: YAML() });
  const refused = await send(`${closed.url}/ui/events`, { method: 'GET' });
  assert.equal(refused.status, 401);

  const open = await startTestService(t, { yaml: YAML('ui:\n  public: true\n') });
  const page = await send(`${open.url}/deployments/5`, { method: 'GET' });
  assert.equal(page.status, 404, 'shown (there is no deployment 5), not sent to sign in');
  assert.match(page.body, /Sign in/);
  assert.doesNotMatch(page.body, /name="_csrf"/, 'no action form for a reader');
});

test('the event stream tells a signed-in browser what the store\'s writes changed', async (t) => {
  const service = await startTestService(t, { yaml: YAML() });
  const browser = await signIn(service);
  const stream = await followChanges(t, service.url, browser);
  assert.match(stream.contentType, /^text\/event-stream/);
  await service.store.changeEnvironments(
    [{ kind: 'follow', app: 'webapp', env: 'staging', ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'test' }],
    'd1',
  );
  const [topics] = await eventually(async () => (stream.changes.length > 0 ? stream.changes : undefined), 5000);
  assert.ok(topics?.includes('environments'), JSON.stringify(stream.changes));
});

test('the stylesheet and script are served with an ETag and answered 304 when unchanged', async (t) => {
  const service = await startTestService(t, { yaml: YAML() });
  for (const [path, type] of [['/ui/app.css', /^text\/css/], ['/ui/app.js', /^text\/javascript/]] as const) {
    const first = await send(`${service.url}${path}`, { method: 'GET' });
    assert.equal(first.status, 200);
    assert.match(String(first.headers['content-type']), type);
    const again = await send(`${service.url}${path}`, { method: 'GET', headers: { 'if-none-match': String(first.headers.etag) } });
    assert.equal(again.status, 304);
  }
});

test('an address nothing serves is a page for a browser and JSON for anything else; a method a route lacks is still 405', async (t) => {
  const service = await startTestService(t, { yaml: YAML() });
  const browser = await signIn(service);
  const page = await browser.get('/no/such/<page>', { accept: 'text/html,application/xhtml+xml' });
  assert.equal(page.status, 404);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /<h1>Not found<\/h1><p role="alert">nothing at \/no\/such\/%3Cpage%3E<\/p>/);
  assert.match(page.body, /name="_csrf"/, 'the signed-in layout, with its sign-out form');

  const script = await send(`${service.url}/no/such/page`, { method: 'GET' });
  assert.equal(script.status, 404);
  assert.deepEqual(JSON.parse(script.body), { error: { code: 'not_found', message: 'nothing at /no/such/page' } });
  const api = await send(`${service.url}/api/nothing`, { method: 'GET', headers: { accept: 'text/html' } });
  assert.equal(api.status, 404);
  assert.match(String(api.headers['content-type']), /^application\/json/, 'the API answers JSON even to a browser');
  const post = await send(`${service.url}/no/such/page`, { method: 'POST', headers: { accept: 'text/html' } });
  assert.equal(post.status, 404);
  assert.equal((await send(`${service.url}/login`, { method: 'PUT' })).status, 405);
});
