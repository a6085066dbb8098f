import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FinalDeploymentState } from '../../src/domain/environments.js';
import { span } from '../../src/ui/layout.js';
import { delivery } from '../store/contract/inbox.js';
import { API_TOKEN, SECRET, startTestService, type TestService } from '../helpers/service.js';
import { send } from '../helpers/webhook.js';

// The Overview page, read over real HTTP from a real slipway on SQLite. The deployments are
// written through the store, as the reconciler writes them, for environments of an app the
// config does not have (so the engine leaves them alone).

/** Starts and ends one deployment of web/`env`, started by `deliveryId` (or by no delivery); returns when it finished. */
async function deployed(service: TestService, env: string, outcome: FinalDeploymentState, deliveryId: string | null): Promise<number> {
  const { store } = service;
  await store.changeEnvironments([{ kind: 'follow', app: 'web', env, ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'push' }], deliveryId ?? 'api');
  const found = await store.getEnvironment('web', env);
  assert.ok(found !== null);
  const token = await store.acquireLease(`env:web/${env}`, 'test', 60_000);
  assert.ok(token !== null);
  const fence = { lease: `env:web/${env}`, token };
  const begun = await store.beginDeployment({ environmentId: found.id, generation: found.generation, sha: 'a'.repeat(40), ref: found.desiredRef, trigger: 'push', deliveryId, fence });
  if (outcome === 'inactive') {
    // Superseded by a newer attempt, which is left running.
    await store.beginDeployment({ environmentId: found.id, generation: found.generation, sha: 'b'.repeat(40), ref: found.desiredRef, trigger: 'push', deliveryId, fence });
  } else {
    await store.completeDeployment({ id: begun.id, state: outcome, error: outcome === 'success' ? null : 'exit 1', log: '', url: null, fence });
  }
  return (await store.getDeployment(begun.id))?.finishedAt ?? 0;
}

/** The hidden table's rows: hour, succeeded, failed, other, median, of. */
const hourRows = (body: string) =>
  [...(/<div class="visually-hidden"><table>[\s\S]*?<\/table><\/div>/.exec(body)?.[0] ?? '').matchAll(/<tr><th scope="row">(\d\d:00)<\/th>((?:<td>[^<]*<\/td>)+)<\/tr>/g)]
    .map((row) => [row[1] ?? '', ...[...(row[2] ?? '').matchAll(/<td>([^<]*)<\/td>/g)].map((cell) => cell[1] ?? '')]);

test('the overview counts the last day\'s deployments by outcome and the median webhook-to-ready time', async (t) => {
  const service = await startTestService(t);
  const now = Date.now();
  const webhooks = [['d10', 10_000], ['d20', 20_000], ['d60', 60_000], ['dfail', 5_000]] as const;
  for (const [id, ago] of webhooks) await service.store.insertDelivery(delivery(id, { receivedAt: now - ago }));

  const ready: number[] = [];
  for (const [env, id, ago] of [['a', 'd10', 10_000], ['b', 'd20', 20_000], ['c', 'd60', 60_000]] as const) {
    ready.push((await deployed(service, env, 'success', id)) - (now - ago));
  }
  await deployed(service, 'd', 'success', null); // from the API: no webhook to time
  await deployed(service, 'e', 'failure', 'dfail'); // a failure is no time to ready
  await deployed(service, 'f', 'error', null);
  await deployed(service, 'g', 'inactive', null);
  const median = [...ready].sort((a, b) => a - b)[1] ?? 0;
  assert.ok(median >= 20_000 && median < 30_000, `the middle one is the 20 s webhook: ${median} ms`);

  const asked = Date.now();
  const page = await service.api('GET', '/overview');
  const answered = Date.now();
  assert.equal(page.status, 200);
  const { body } = page;
  assert.ok(body.includes('<div data-live="deployments">'));
  assert.ok(body.includes('<dt>Finished</dt><dd>7: 4 succeeded, 2 failed, 1 other'), body);
  assert.ok(body.includes(`median ${span(median)} over 3 `), body);

  // Every hour of the day is in the table; the deployments all finished in the last one or two.
  const rows = hourRows(body);
  assert.equal(rows.length, 24);
  const sum = (column: number) => rows.reduce((total, row) => total + Number(row[column]), 0);
  assert.deepEqual([sum(1), sum(2), sum(3)], [4, 2, 1]);
  assert.equal(sum(5), 3, 'three successes a webhook started');
  assert.ok(rows.filter((row) => row.slice(1, 4).some((cell) => cell !== '0')).length <= 2);
  const hour = (ms: number) => `${new Date(ms).toISOString().slice(11, 13)}:00`;
  assert.ok([hour(asked), hour(answered)].includes(rows.at(-1)?.[0] ?? ''), 'the last row is the current hour');

  // The charts: drawn as SVG with a title and description, no inline style (the CSP forbids it).
  assert.match(body, /<svg viewBox="0 0 520 180" width="520" height="180" role="img" aria-labelledby="outcomes-title outcomes-desc">/);
  assert.ok(body.includes('<desc id="outcomes-desc">7 deployments finished in the last 24 hours: 4 succeeded, 2 failed, 1 other.</desc>'));
  assert.ok(body.includes(`<desc id="ready-desc">Over the last 24 hours the median was ${span(median)}, over 3 deployments a webhook started.</desc>`));
  assert.match(body, /<rect class="s-success" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+"><\/rect>/, 'bars are drawn with attributes');
  assert.doesNotMatch(body, /style=/);
  for (const secret of [SECRET, API_TOKEN]) assert.ok(!body.includes(secret), 'no secret on the page');
});

test('an overview with no deployments says so; a browser without a session signs in first', async (t) => {
  const service = await startTestService(t);
  const anonymous = await send(`${service.url}/overview`, { method: 'GET' });
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.location, '/login?next=%2Foverview');
  const { body } = await service.api('GET', '/overview');
  assert.ok(body.includes('<dt>Finished</dt><dd>0: 0 succeeded, 0 failed, 0 other'));
  assert.ok(body.includes('no deployment a webhook started succeeded'));
  assert.equal(hourRows(body).length, 24);
  assert.doesNotMatch(body, /<rect /, 'no bars');
});
