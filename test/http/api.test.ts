import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestService } from '../helpers/service.js';
import { deliver, eventually, send } from '../helpers/webhook.js';

const ping = { zen: 'Speak like a human.', hook_id: 9, hook: { type: 'Repository', id: 9, events: ['*'] } };

test('GET /api/deliveries lists newest first, pages with next, filters, and shows one', async (t) => {
  const service = await startTestService(t);
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) ids.push((await deliver(service.url, { event: 'ping', payload: ping })).id);
  ids.push((await deliver(service.url, { event: 'star', payload: { action: 'created', repository: { full_name: 'acme/web' } } })).id);
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));

  const page = (await service.api('GET', `/api/deliveries?limit=2`)).json() as {
    deliveries: { id: string; status: string }[];
    next: string | null;
  };
  assert.deepEqual(page.deliveries.map((d) => d.id), [ids[3], ids[2]]);
  assert.ok(page.next !== null);
  const rest = (await service.api('GET', `/api/deliveries?limit=2&before=${page.next}`)).json() as typeof page;
  assert.deepEqual(rest.deliveries.map((d) => d.id), [ids[1], ids[0]]);

  const ignored = (await service.api('GET', `/api/deliveries?status=ignored`)).json() as typeof page;
  assert.deepEqual(ignored.deliveries.map((d) => [d.id, d.status]), [[ids[3], 'ignored']]);
  const pings = (await service.api('GET', `/api/deliveries?event=ping`)).json() as typeof page;
  assert.equal(pings.deliveries.length, 3);
  const web = (await service.api('GET', `/api/deliveries?repo=ACME/web`)).json() as typeof page;
  assert.deepEqual(web.deliveries.map((d) => d.id), [ids[3]], 'by repository, in any case');

  const one = await service.api('GET', `/api/deliveries/${ids[0]}`);
  assert.equal(one.status, 200);
  assert.deepEqual((one.json() as { payload: unknown }).payload, ping);
  assert.equal((await service.api('GET', `/api/deliveries/nope`)).status, 404);
});

test('bad API queries are 400 with the allowed values', async (t) => {
  const service = await startTestService(t);
  for (const query of ['status=done', 'limit=0', 'limit=501', 'limit=abc', 'before=-1']) {
    const answer = await service.api('GET', `/api/deliveries?${query}`);
    assert.equal(answer.status, 400, query);
    assert.equal((answer.json() as { error: { code: string } }).error.code, 'invalid_query', query);
  }
  const badEncoding = await service.api('GET', `/api/deliveries/%E0%A4%A`);
  assert.equal(badEncoding.status, 400);
});

test('with an API token, /api and /metrics need it; webhooks and health stay open', async (t) => {
  const service = await startTestService(t, { yaml: 'server:\n  apiToken: tok-123\n' });
  for (const path of ['/api/deliveries', '/metrics']) {
    assert.equal((await send(`${service.url}${path}`, { method: 'GET' })).status, 401, path);
    const wrong = await send(`${service.url}${path}`, { method: 'GET', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401, path);
    assert.doesNotMatch(wrong.body, /tok-123/);
    const right = await send(`${service.url}${path}`, { method: 'GET', headers: { authorization: 'Bearer tok-123' } });
    assert.equal(right.status, 200, path);
  }
  assert.equal((await send(`${service.url}/healthz`, { method: 'GET' })).status, 200);
  assert.equal((await deliver(service.url, { event: 'ping', payload: ping })).status, 202);
});

test('/readyz reports the store and dispatcher; /metrics counts deliveries', async (t) => {
  const service = await startTestService(t);
  const ready = await send(`${service.url}/readyz`, { method: 'GET' });
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.json(), { ready: true, store: true, dispatcher: true });
  await deliver(service.url, { event: 'ping', payload: ping });
  await deliver(service.url, { event: 'ping', payload: ping, secret: 'wrong' });
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));
  const metrics = (await service.api('GET', `/metrics`)).body;
  assert.match(metrics, /slipway_deliveries_received_total\{event="ping",outcome="accepted"\} 1/);
  assert.match(metrics, /slipway_deliveries_received_total\{event="unverified",outcome="unauthorized"\} 1/);
  assert.match(metrics, /slipway_delivery_ack_seconds_count 2/);
  assert.match(metrics, /slipway_inbox_backlog 0/);
  assert.match(metrics, /slipway_deliveries_dispatched_total\{event="ping",status="processed"\} 1/);
  assert.match(metrics, /slipway_dispatch_lag_seconds_count 1/);
  await service.store.close();
  const down = await send(`${service.url}/readyz`, { method: 'GET' });
  assert.equal(down.status, 503);
  assert.equal((down.json() as { store: boolean }).store, false);
});
