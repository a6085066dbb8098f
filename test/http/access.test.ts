import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { API_TOKEN, startTestService } from '../helpers/service.js';
import { send, type Answer } from '../helpers/webhook.js';

// Who may use the API of a real slipway (HTTP on 127.0.0.1, SQLite in a temp folder): the
// token is required from every client, loopback included, and a browser's cross-site
// request is refused even when it is a "simple" no-cors POST.

const YAML = 'apps:\n  - name: webapp\n    repo: acme/webapp\n    target: { type: command, deploy: [sh, -c, "sleep 30"] }\n';
const BEARER = { authorization: `Bearer ${API_TOKEN}` };

/** A service with webapp/staging present (written to the store directly; its deploy never ends). */
async function withStaging(t: TestContext) {
  const service = await startTestService(t, { yaml: YAML });
  await service.store.changeEnvironments(
    [{ kind: 'follow', app: 'webapp', env: 'staging', ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'test' }],
    'd0',
  );
  const present = async () => (await service.store.getEnvironment('webapp', 'staging'))?.present;
  return { service, present };
}

function refused(answer: Answer, status: number, code: string, message: RegExp): void {
  assert.equal(answer.status, status, answer.body);
  const { error } = answer.json() as { error: { code: string; message: string } };
  assert.equal(error.code, code, answer.body);
  assert.match(error.message, message);
  assert.ok(!answer.body.includes(API_TOKEN), 'the token is never in an answer');
}

test('a no-cors cross-site POST from a web page is refused and destroys nothing', async (t) => {
  const { service, present } = await withStaging(t);
  const destroy = `${service.url}/api/environments/webapp/staging/destroy`;
  // What fetch(url, {method: 'POST', mode: 'no-cors'}) sends from https://evil.example, then with a text body.
  const page = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' };
  refused(await send(destroy, { headers: page }), 403, 'cross_site', /cross-site/);
  refused(await send(destroy, { body: '{}', headers: { ...page, 'content-type': 'text/plain;charset=UTF-8' } }), 403, 'cross_site', /cross-site/);
  // The same page without the Fetch Metadata headers (older browsers): its Origin gives it away.
  refused(await send(destroy, { body: '{}', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' } }), 403, 'cross_site', /cross-site/);
  // Even with the token (a page cannot have it, but the rule does not depend on that).
  refused(await send(destroy, { body: '{}', headers: { ...page, ...BEARER, 'content-type': 'application/json' } }), 403, 'cross_site', /cross-site/);
  refused(await send(destroy, { body: '{}', headers: { ...BEARER, 'content-type': 'application/json', 'sec-fetch-site': 'same-site' } }), 403, 'cross_site', /cross-site/);
  refused(await send(destroy, { body: '{}', headers: { ...BEARER, 'content-type': 'application/json', origin: 'null' } }), 403, 'cross_site', /cross-site/);
  assert.equal(await present(), true, 'nothing was destroyed');

  // A same-origin request with the token is let in.
  const host = new URL(service.url).host;
  const same = await send(destroy, { body: '{}', headers: { ...BEARER, 'content-type': 'application/json', origin: `http://${host}`, 'sec-fetch-site': 'same-origin' } });
  assert.equal(same.status, 202, same.body);
  assert.equal(await present(), false);
});

test('loopback clients need the token too: every private route is 401 without it', async (t) => {
  const { service, present } = await withStaging(t);
  const paths: [string, string][] = [
    ['GET', '/api/deliveries'],
    ['GET', '/api/environments'],
    ['GET', '/metrics'],
    ['POST', '/api/environments/webapp/staging/destroy'],
    ['POST', '/api/environments/webapp/staging/rollback'],
  ];
  for (const [method, path] of paths) {
    const headers: Record<string, string> = method === 'POST' ? { 'content-type': 'application/json' } : {};
    refused(await send(`${service.url}${path}`, { method, headers }), 401, 'unauthorized', /Authorization: Bearer/);
    refused(await send(`${service.url}${path}`, { method, headers: { ...headers, authorization: 'Bearer nope' } }), 401, 'unauthorized', /Authorization: Bearer/);
  }
  assert.equal(await present(), true);
  assert.equal((await send(`${service.url}/api/environments`, { method: 'GET', headers: BEARER })).status, 200);
  assert.equal((await send(`${service.url}/healthz`, { method: 'GET' })).status, 200, 'health stays open');
});

test('every API write must be application/json (415 otherwise), with or without a body', async (t) => {
  const { service, present } = await withStaging(t);
  const destroy = `${service.url}/api/environments/webapp/staging/destroy`;
  for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const headers: Record<string, string> = type === undefined ? { ...BEARER } : { ...BEARER, 'content-type': type };
    refused(await send(destroy, { headers }), 415, 'unsupported_media_type', /Content-Type: application\/json/);
    refused(await send(destroy, { headers, body: '{}' }), 415, 'unsupported_media_type', /Content-Type: application\/json/);
  }
  assert.equal(await present(), true, 'nothing was destroyed');
  const json = await send(destroy, { headers: { ...BEARER, 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(json.status, 202, json.body);
});
