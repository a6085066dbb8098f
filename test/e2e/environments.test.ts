import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { envState, fixture, setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// GitHub is the mailbox (signed webhooks through the real endpoint); git is a real repository
// in a temp folder reached through a file:// remote, as slipway would reach github.com.

test('push to main deploys its tip to staging; a later push deploys the new tip', async (t) => {
  const { origin, service, lines } = await setup(t);
  const first = origin.commit('main', 'v1');
  assert.equal((await deliver(service.url, { event: 'push', payload: fixture('push-main') })).status, 202);
  const staging = await envState(service, 'staging', 'ready');
  assert.equal(staging.observedSha, first);
  assert.deepEqual(lines(), [`deploy staging ${first} refs/heads/main v1`]);

  const second = origin.commit('main', 'v2');
  await deliver(service.url, { event: 'push', payload: fixture('push-main') });
  await eventually(async () => ((await service.store.getEnvironment('webapp', 'staging'))?.observedSha === second ? true : undefined));
  assert.equal(lines().at(-1), `deploy staging ${second} refs/heads/main v2`);

  const metrics = (await service.api('GET', '/metrics')).body;
  assert.match(metrics, /slipway_deployments_total\{outcome="success"\} 2/);
  assert.match(metrics, /slipway_environments\{state="ready"\} 1/);
  assert.match(metrics, /slipway_webhook_to_deploy_start_seconds_count 2/);
});

test('a pull request gets a preview at its head, follows new commits, and is destroyed when closed', async (t) => {
  const { origin, service, lines } = await setup(t);
  origin.commit('main', 'base');
  const head1 = origin.commit('feature/login', 'pr v1');
  origin.pullHead(42, head1);
  const opened = fixture('pull-request-closed-merged');
  Object.assign(opened, { action: 'opened' });
  Object.assign(opened.pull_request, { state: 'open', merged: false, merged_at: null, closed_at: null });
  await deliver(service.url, { event: 'pull_request', payload: opened });
  const preview = await envState(service, 'pr-42', 'ready');
  assert.equal(preview.observedSha, head1);
  assert.equal(preview.pr, 42);

  const head2 = origin.commit('feature/login', 'pr v2');
  origin.pullHead(42, head2);
  await deliver(service.url, { event: 'pull_request', payload: { ...opened, action: 'synchronize' } });
  await eventually(async () => ((await service.store.getEnvironment('webapp', 'pr-42'))?.observedSha === head2 ? true : undefined));

  await deliver(service.url, { event: 'pull_request', payload: fixture('pull-request-closed-merged') });
  await envState(service, 'pr-42', 'destroyed');
  assert.equal(lines().at(-1), `destroy pr-42 ${head2} refs/pull/42/head pr v2`);
  const worktrees = join(service.dataDir, 'worktrees', 'webapp', 'pr-42');
  assert.deepEqual(existsSync(worktrees) ? readdirSync(worktrees) : [], [], 'no worktree is left behind');
});

test('50 synchronize deliveries in shuffled order end at the newest head, one deployment at a time', async (t) => {
  const { origin, service, lines } = await setup(t);
  origin.commit('main', 'base');
  let head = origin.commit('feature/login', 'pr v0');
  origin.pullHead(42, head);
  const opened = fixture('pull-request-closed-merged');
  Object.assign(opened, { action: 'synchronize' });
  Object.assign(opened.pull_request, { state: 'open', merged: false, merged_at: null, closed_at: null });
  const sends: Promise<unknown>[] = [];
  for (let i = 1; i <= 50; i += 1) {
    head = origin.commit('feature/login', `pr v${i}`);
    origin.pullHead(42, head);
    sends.push(deliver(service.url, { event: 'pull_request', payload: { ...opened, pull_request: { ...opened.pull_request, head: { ...opened.pull_request.head, sha: head } } } }));
  }
  await Promise.all(sends.sort(() => Math.random() - 0.5));
  const env = await envState(service, 'pr-42', 'ready');
  assert.equal(env.observedSha, head);
  assert.equal(lines().at(-1), `deploy pr-42 ${head} refs/pull/42/head pr v50`);
  const deployments = await service.store.listDeployments(env.id, 100);
  const overlaps = deployments.filter((a) =>
    deployments.some((b) => a.id !== b.id && a.startedAt !== null && b.startedAt !== null && a.startedAt < b.startedAt && (a.finishedAt ?? Infinity) > b.startedAt),
  );
  assert.deepEqual(overlaps, [], 'never two deployments running at once in one environment');
});

test('replaying every delivery a second time changes nothing', async (t) => {
  const { origin, service, lines } = await setup(t);
  const main = origin.commit('main', 'v1');
  const head = origin.commit('feature/login', 'pr v1');
  origin.pullHead(42, head);
  const pr = (action: string, updatedAt: string, state = 'open') => {
    const payload = fixture('pull-request-closed-merged');
    Object.assign(payload, { action });
    Object.assign(payload.pull_request, { state, updated_at: updatedAt, ...(state === 'open' ? { merged: false, merged_at: null, closed_at: null } : {}) });
    return payload;
  };
  const ids: string[] = [];
  const send = async (event: string, payload: unknown) => {
    ids.push((await deliver(service.url, { event, payload })).id);
  };
  await send('push', fixture('push-main'));
  await send('pull_request', pr('opened', '2025-06-01T10:00:00Z'));
  await envState(service, 'pr-42', 'ready');
  await send('pull_request', pr('synchronize', '2025-06-01T11:00:00Z'));
  await send('pull_request', pr('closed', '2025-06-02T15:30:00Z', 'closed'));
  await envState(service, 'pr-42', 'destroyed');
  const staging = await envState(service, 'staging', 'ready');
  assert.equal(staging.observedSha, main);
  const before = { lines: lines(), pr: await service.store.getEnvironment('webapp', 'pr-42') };

  for (const id of ids) assert.equal(await service.store.requeueDelivery(id), true);
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));
  await envState(service, 'staging', 'ready');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(lines(), before.lines, 'no deploy or destroy command ran again');
  const after = await service.store.getEnvironment('webapp', 'pr-42');
  assert.equal(after?.state, 'destroyed');
  assert.equal(after?.generation, before.pr?.generation, 'the stale pull request events were not applied');
  for (const id of ids) assert.equal((await service.store.getDelivery(id))?.status, 'processed');
});
