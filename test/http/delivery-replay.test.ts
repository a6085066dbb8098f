import assert from 'node:assert/strict';
import { test } from 'node:test';
import { delivery } from '../store/contract/inbox.js';
import { signIn, type SignedIn } from '../helpers/dashboard.js';
import { API_TOKEN, SECRET, startTestService, type TestService } from '../helpers/service.js';
import { deliver, eventually, send, type Answer } from '../helpers/webhook.js';

// The Replay button of a delivery's page: a form POST from a signed-in browser, through the same
// code as POST /api/deliveries/:id/replay, against a real slipway on SQLite.

const ping = { zen: 'Design for failure.', hook_id: 9, hook: { type: 'Repository', id: 9, events: ['*'] } };

/** How often the dispatcher has applied a ping (a replay applies it again). */
async function pingsDispatched(service: TestService): Promise<number> {
  const metrics = (await service.api('GET', '/metrics')).body;
  return Number(/slipway_deliveries_dispatched_total\{event="ping",status="processed"\} (\d+)/.exec(metrics)?.[1] ?? 0);
}

/** The page an action leads to, as the browser sees it: with the one-time notice its cookie carries. */
async function follow(service: TestService, browser: SignedIn, answer: Answer): Promise<string> {
  assert.equal(answer.status, 303, answer.body);
  const flash = ([] as string[]).concat(answer.headers['set-cookie'] ?? []).map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith('slipway_flash='));
  const page = await send(`${service.url}${String(answer.headers.location)}`, { method: 'GET', headers: { cookie: [browser.cookie, flash].filter(Boolean).join('; ') } });
  assert.equal(page.status, 200, page.body);
  return page.body;
}

test('Replay through the form dispatches the delivery again; without a session, the CSRF token or from another site it is refused', async (t) => {
  const service = await startTestService(t);
  const { id } = await deliver(service.url, { event: 'ping', payload: ping });
  await eventually(async () => ((await pingsDispatched(service)) === 1 ? true : undefined));
  const path = `/deliveries/${id}/replay`;
  const browser = await signIn(service);

  const page = await browser.get(`/deliveries/${id}`);
  assert.ok(page.body.includes(`<form method="post" action="${path}"><input type="hidden" name="_csrf" value="${browser.csrf}"><button type="submit">Replay</button></form>`), page.body);
  assert.ok(!(await service.api('GET', `/deliveries/${id}`)).body.includes(path), 'no button for the API token as a bearer: it has no session to post with');

  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const refusals: [string, Promise<Answer>, number][] = [
    ['no session', send(`${service.url}${path}`, { method: 'POST', headers: form, body: `_csrf=${browser.csrf}` }), 401],
    ['the API token is no session', send(`${service.url}${path}`, { method: 'POST', headers: { ...form, authorization: `Bearer ${API_TOKEN}` }, body: '' }), 401],
    ['no CSRF token', send(`${service.url}${path}`, { method: 'POST', headers: { ...form, cookie: browser.cookie }, body: '' }), 403],
    ['a wrong CSRF token', browser.post(path, { _csrf: 'not-the-token' }), 403],
    ['another site', send(`${service.url}${path}`, { method: 'POST', headers: { ...form, cookie: browser.cookie, origin: 'https://evil.example' }, body: `_csrf=${browser.csrf}` }), 403],
    ['a cross-site fetch', send(`${service.url}${path}`, { method: 'POST', headers: { ...form, cookie: browser.cookie, 'sec-fetch-site': 'cross-site' }, body: `_csrf=${browser.csrf}` }), 403],
  ];
  for (const [why, answer, status] of refusals) {
    const refused = await answer;
    assert.equal(refused.status, status, `${why}: ${refused.body}`);
    assert.ok(!refused.body.includes(browser.csrf) && !refused.body.includes(API_TOKEN), `${why}: the refusal shows no secret`);
  }
  assert.equal((await service.store.getDelivery(id))?.status, 'processed', 'nothing was replayed');
  assert.equal(await pingsDispatched(service), 1);

  const replayed = await follow(service, browser, await browser.post(path));
  assert.ok(replayed.includes(`<p class="notice" role="status">Delivery ${id} is queued to be dispatched again.</p>`), replayed);
  await eventually(async () => ((await pingsDispatched(service)) === 2 ? true : undefined));
  assert.equal((await service.store.getDelivery(id))?.status, 'processed', 'dispatched again');
  for (const secret of [SECRET, API_TOKEN]) assert.ok(!replayed.includes(secret));

  const unknown = await browser.post('/deliveries/no-such-delivery/replay');
  assert.equal(unknown.headers.location, '/deliveries/no-such-delivery');
});

test('Replay of a delivery still pending goes back to its page and says why', async (t) => {
  // Another replica sharing the store (as on PostgreSQL) holds the claims, so what arrives
  // here stays pending. The store is the real one; only its claims come back empty.
  const service = await startTestService(t, {
    view: (store) => ({ ...store, claimDeliveries: () => Promise.resolve([]) }),
  });
  await service.store.insertDelivery(delivery('waiting-1'));
  const browser = await signIn(service);

  const page = await follow(service, browser, await browser.post('/deliveries/waiting-1/replay'));
  assert.ok(page.includes('<p class="problem" role="alert">delivery waiting-1 is still pending: it will be dispatched, there is nothing to replay yet</p>'), page);
  assert.ok(page.includes('<span class="state s-pending">pending</span>'));
  assert.equal((await service.store.getDelivery('waiting-1'))?.status, 'pending');

  const api = await service.api('POST', '/api/deliveries/waiting-1/replay');
  assert.equal(api.status, 409, 'the API answers the same');
  assert.equal((api.json() as { error: { code: string } }).error.code, 'still_pending');
});
