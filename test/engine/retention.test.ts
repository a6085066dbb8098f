import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Retention } from '../../src/engine/retention.js';
import { createLogger } from '../../src/logger.js';
import { DATABASE_FILE } from '../../src/store/sqlite/sqlite-store.js';
import { startTestService } from '../helpers/service.js';
import { deliver, eventually, send } from '../helpers/webhook.js';
import { POLICY } from '../store/contract/retention.js';

const DAY = 86_400_000;
const silent = createLogger({ level: 'silent', pretty: false });

test('a redelivery of a delivery whose payload the retention job removed is still answered as a duplicate, and not applied again', async (t) => {
  const service = await startTestService(t);
  const payload = { zen: 'Keep it logically awesome.', hook_id: 1, hook: { type: 'Repository', events: ['push'] } };
  const first = await deliver(service.url, { event: 'ping', payload });
  assert.equal(first.status, 202);
  const done = await eventually(async () => {
    const found = await service.store.getDelivery(first.id);
    return found === null || found.status === 'pending' ? undefined : found;
  });

  const run = await new Retention(service.store, POLICY, silent).run(Date.now() + 31 * DAY);
  assert.equal(run.payloads, 1);
  assert.equal(run.deliveries, 0, 'its row stays 90 days');
  const kept = await service.store.getDelivery(first.id);
  assert.equal(kept?.payload, null);
  assert.equal(kept?.status, done.status);

  const again = await deliver(service.url, { event: 'ping', payload, id: first.id });
  assert.equal(again.status, 200);
  assert.deepEqual(again.json(), { id: first.id, duplicate: true });
  const [only, ...more] = await service.store.listDeliveries({ limit: 10 });
  assert.deepEqual(more, []);
  assert.equal(only?.processedAt, done.processedAt, 'not dispatched again');
  assert.equal(only?.status, done.status);

  // What is left of it reads clearly: the API, the dashboard's page, and a replay that cannot be.
  const bearer = { authorization: `Bearer ${service.apiToken}` };
  const shown = await send(`${service.url}/api/deliveries/${first.id}`, { method: 'GET', headers: bearer });
  assert.equal(shown.status, 200);
  assert.equal((JSON.parse(shown.body) as { payload: unknown }).payload, null);
  const page = await send(`${service.url}/deliveries/${first.id}`, { method: 'GET', headers: bearer });
  assert.equal(page.status, 200);
  assert.match(page.body, /None: its payload was removed when it grew older than retention\.deliveries\.payloads\./);
  const replay = await send(`${service.url}/api/deliveries/${first.id}/replay`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(replay.status, 410);
  assert.match(replay.body, /cannot be replayed: its payload was removed when it grew older than retention\.deliveries\.payloads/);
  assert.equal((await service.store.getDelivery(first.id))?.status, done.status, 'still as it was');
});

test('the retention job removes a large backlog in small batches and gives the space back to the file system', async (t) => {
  const service = await startTestService(t);
  const body = 'x'.repeat(20_000);
  // Random text, so the compressed payloads are large.
  const noise = () => Array.from({ length: 4000 }, () => Math.random().toString(36).slice(2, 7)).join(' ');
  const ids: string[] = [];
  for (let i = 0; i < 120; i++) {
    const answer = await deliver(service.url, { event: 'ping', payload: { zen: body, noise: noise(), hook_id: 1 } });
    ids.push(answer.id);
  }
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));
  const file = join(service.dataDir, DATABASE_FILE);
  const pages = async () => (await service.store.reclaimSpace(0));
  assert.equal(await pages(), 0);

  const calls: string[] = [];
  const counting = new Proxy(service.store, {
    get: (store, key) => {
      if (key === 'prune') return (step: Parameters<typeof store.prune>[0]) => (calls.push(step.kind), store.prune(step));
      const value: unknown = Reflect.get(store, key);
      return typeof value === 'function' ? value.bind(store) : value;
    },
  });
  const before = statSync(file).size;
  const run = await new Retention(counting, POLICY, silent, undefined, 25).run(Date.now() + 91 * DAY);
  assert.equal(run.deliveries, 120);
  assert.equal(run.payloads, 0, 'gone with their rows');
  assert.ok(calls.filter((kind) => kind === 'deliveries').length >= 120 / 25, '25 rows a call');
  assert.equal(run.freePages, 0, 'every free page given back');
  // The file shrinks at the next checkpoint of the write-ahead log; closing the store makes one.
  await service.close();
  const after = statSync(file).size;
  assert.ok(after < before / 2, `the file shrank from ${before} to ${after} bytes`);
});
