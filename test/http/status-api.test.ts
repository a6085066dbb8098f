import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Status } from '../../src/status.js';
import { refused } from '../helpers/api.js';
import { startTestService } from '../helpers/service.js';
import { deliver, eventually, send } from '../helpers/webhook.js';

const ping = { zen: 'Keep it logically awesome.', hook_id: 9, hook: { type: 'Repository', id: 9, events: ['*'] } };

test('GET /api/status: the store\'s rows and bytes, the folders, and the last run of the jobs that ran at start', async (t) => {
  const service = await startTestService(t);
  await deliver(service.url, { event: 'ping', payload: ping });
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));

  const status = await eventually(async () => {
    const answer = (await service.api('GET', '/api/status')).json() as Status;
    const started = ['orphans', 'ttl', 'commands'].map((name) => answer.jobs.find((job) => job.name === name));
    return started.every((job) => job?.outcome === 'ok') ? answer : undefined;
  });
  assert.deepEqual(status.store.deliveries, { pending: 0, processed: 1, ignored: 0, failed: 0 });
  assert.equal(status.store.environments, 0);
  assert.ok(status.store.bytes > 0);
  assert.deepEqual(status.mirrors, { count: 0, bytes: 0 });
  assert.deepEqual(status.worktrees, { count: 0, bytes: 0 });
  const orphans = status.jobs.find((job) => job.name === 'orphans');
  assert.ok(orphans !== undefined && orphans.finishedAt !== null && orphans.durationMs !== null && orphans.finishedAt >= orphans.startedAt);
  assert.equal(status.jobs.find((job) => job.name === 'ttl')?.count, 0, 'the TTL sweep says how many environments it expired');
});

test('GET /api/status is private: no token is 401, another site is 403', async (t) => {
  const service = await startTestService(t);
  refused(await send(`${service.url}/api/status`, { method: 'GET' }), 401, 'unauthorized', /API token/);
  const crossSite = await send(`${service.url}/api/status`, { method: 'GET', headers: { authorization: `Bearer ${service.apiToken}`, 'sec-fetch-site': 'cross-site' } });
  refused(crossSite, 403, 'cross_site', /cross-site/);
});
