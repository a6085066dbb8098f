import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApprovalNote } from '../../../src/domain/approvals.js';
import type { CommandNote } from '../../../src/domain/commands.js';
import type { Environment, EnvironmentChange, Fence } from '../../../src/domain/environments.js';
import type { PruneKind, RetentionPolicy } from '../../../src/store/retention.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';
import { delivery, finishPending } from './inbox.js';

const DAY = 86_400_000;

/** The defaults of `retention:` in the config. */
export const POLICY: RetentionPolicy = {
  deliveries: { payloadsMs: 30 * DAY, rowsMs: 90 * DAY },
  deployments: { keep: 100, ageMs: 90 * DAY },
  destroyedEnvironmentsMs: 90 * DAY,
  notifications: { deliveredMs: 7 * DAY, failedMs: 30 * DAY },
  pullRequestsMs: 90 * DAY,
};

/** Runs batches of one kind until the store says nothing more is due; the rows removed and the batches it took. */
export async function pruneAll(store: Store, kind: PruneKind, now: number, options: { policy?: RetentionPolicy; limit?: number } = {}) {
  let removed = 0;
  let batches = 0;
  let after: number | null = 0;
  while (after !== null) {
    const step = await store.prune({ kind, policy: options.policy ?? POLICY, now, after, limit: options.limit ?? 500 });
    removed += step.removed;
    batches += 1;
    after = step.next;
    assert.ok(batches < 1000, 'the batches end');
  }
  return { removed, batches };
}

/** The retention part of the Store contract: every store implementation passes it. The clock is `now`, passed in. */
export function retentionContract(open: StoreFactory): void {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const C = 'c'.repeat(40);
  const T = Date.parse('2025-01-01T00:00:00Z');

  test('payloads go after their age and rows later, in batches; a pending delivery keeps both; a duplicate is known while its row stays', async (t) => {
    const store = await open(t);
    for (let i = 0; i < 7; i++) await store.insertDelivery(delivery(`old${i}`, { receivedAt: T + i }));
    await store.insertDelivery(delivery('stuck', { receivedAt: T + 10 }));
    await store.insertDelivery(delivery('new', { receivedAt: T + 20 * DAY }));
    await finishPending(store, ['old0', 'old1', 'old2', 'old3', 'old4', 'old5', 'old6', 'new'].map((id) => ({ id, status: 'processed', error: null, processedAt: T + 20 * DAY })));

    assert.deepEqual(await pruneAll(store, 'payloads', T + 29 * DAY), { removed: 0, batches: 1 }, 'nothing is 30 days old yet');
    const payloads = await pruneAll(store, 'payloads', T + 31 * DAY, { limit: 2 });
    assert.equal(payloads.removed, 7);
    assert.ok(payloads.batches >= 4, `removed 2 at a time (${payloads.batches} batches)`);
    const old = await store.getDelivery('old3');
    assert.equal(old?.payload, null, 'the payload is gone');
    assert.equal(old?.status, 'processed', 'the row stays');
    assert.notEqual((await store.getDelivery('stuck'))?.payload, null, 'pending: the dispatcher still needs it');
    assert.notEqual((await store.getDelivery('new'))?.payload, null);
    assert.equal(await store.insertDelivery(delivery('old3', { receivedAt: T + 31 * DAY })), 'duplicate');

    const rows = await pruneAll(store, 'deliveries', T + 91 * DAY, { limit: 3 });
    assert.deepEqual(rows, { removed: 7, batches: 3 });
    assert.deepEqual((await store.listDeliveries({ limit: 10 })).map((d) => d.id), ['new', 'stuck']);
    assert.equal(await store.insertDelivery(delivery('old3', { receivedAt: T + 91 * DAY })), 'inserted', 'forgotten: GitHub redelivers for 3 days only');
  });

  const follow: EnvironmentChange = { kind: 'follow', app: 'web', env: 'qa', ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'push', rule: 'qa' };

  async function lease(store: Store, env: Environment): Promise<Fence> {
    const name = `env:${env.id}`;
    return { lease: name, token: (await store.acquireLease(name, 'r', 60_000)) ?? 0 };
  }

  /** Deploys each sha to web/<name> in turn through the store as the reconciler would; resolves to their ids. */
  async function deployments(store: Store, name: string, runs: [string, 'success' | 'failure'][]) {
    await store.changeEnvironments([{ ...follow, env: name }], 'test');
    const ids: number[] = [];
    for (const [sha, state] of runs) {
      const env = (await store.getEnvironment('web', name)) as Environment;
      const fence = await lease(store, env);
      const d = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha, ref: env.desiredRef, trigger: 'push', deliveryId: null, githubDeploymentId: null, artifactRunId: null, fence });
      await store.completeDeployment({ id: d.id, state, error: state === 'failure' ? 'exit 1' : null, log: `log of ${d.id}`, url: null, fence });
      ids.push(d.id);
    }
    return ids;
  }

  test('a deployment goes only when it is both beyond its environment\'s newest and old, never the newest or one rollback reads', async (t) => {
    const store = await open(t);
    const ids = await deployments(store, 'qa', [[A, 'success'], [A, 'success'], [B, 'success'], [C, 'failure'], [C, 'failure'], [C, 'failure'], [C, 'failure']]);
    const other = await deployments(store, 'dev', [[A, 'success'], [B, 'failure']]);
    const env = (await store.getEnvironment('web', 'qa')) as Environment;
    const policy = { ...POLICY, deployments: { keep: 2, ageMs: 90 * DAY } };
    const later = Date.now() + 91 * DAY;

    assert.equal((await pruneAll(store, 'deployments', Date.now() + 89 * DAY, { policy })).removed, 0, 'younger than 90 days: kept, however many');
    assert.equal((await pruneAll(store, 'deployments', later)).removed, 0, 'within the newest 100: kept, however old');
    const pruned = await pruneAll(store, 'deployments', later, { policy, limit: 1 });
    assert.equal(pruned.removed, 3);
    assert.ok(pruned.batches >= 3, 'one at a time');
    const left = (await store.listDeployments(env.id, 20)).map((d) => d.id).reverse();
    // ids[1]: the newest success of another sha than the newest success's; ids[2]: the newest success; ids[6]: the newest.
    assert.deepEqual(left, [ids[1], ids[2], ids[5], ids[6]]);
    assert.equal(await store.getDeployment(ids[0] ?? 0), null, 'with its timeline and log');
    assert.deepEqual((await store.listDeployments(((await store.getEnvironment('web', 'dev')) as Environment).id, 10)).map((d) => d.id), [...other].reverse());

    // Rollback still finds the last good sha before the one it runs (B, the failures did not replace it): A.
    assert.equal((await store.getEnvironment('web', 'qa'))?.observedSha, B);
    await store.changeEnvironments([{ kind: 'rollback', app: 'web', env: 'qa', trigger: 'test', reason: 'failed', failedSha: null, toSha: null, quarantine: true }], 'test');
    assert.equal((await store.getEnvironment('web', 'qa'))?.pinnedSha, A);
  });

  test('a destroyed environment goes with its deployments 90 days after its destruction, in batches; a live one stays', async (t) => {
    const store = await open(t);
    await deployments(store, 'gone', [[A, 'success'], [B, 'success'], [C, 'failure']]);
    await deployments(store, 'live', [[A, 'success']]);
    await deployments(store, 'fresh', [[A, 'success']]);
    const destroy = async (name: string) => {
      await store.changeEnvironments([{ kind: 'destroy', app: 'web', env: name, reason: 'test', trigger: 'test' }], 'test');
      const env = (await store.getEnvironment('web', name)) as Environment;
      await store.completeDestroy(env.id, env.generation, await lease(store, env));
      return env;
    };
    const gone = await destroy('gone');
    await destroy('fresh');
    const later = Date.now() + 91 * DAY;

    assert.equal((await pruneAll(store, 'environments', Date.now() + 89 * DAY)).removed, 0, 'destroyed less than 90 days ago');
    const pruned = await pruneAll(store, 'environments', later, { limit: 2 });
    assert.equal(pruned.removed, 2);
    assert.ok(pruned.batches >= 3, `3 deployments and 2 rows, 2 at a time (${pruned.batches} batches)`);
    assert.equal(await store.getEnvironment('web', 'gone'), null);
    assert.equal(await store.getEnvironment('web', 'fresh'), null);
    assert.deepEqual((await store.listDeployments(gone.id, 10)), []);
    assert.equal((await store.getEnvironment('web', 'live'))?.state, 'ready');
    assert.deepEqual((await store.listEnvironments({ includeDestroyed: true })).map((env) => env.name), ['live']);
  });

  test('a pull request\'s comment id, fork approval, decided commands and a request for its comment go 90 days after their last change; an undecided command or approval request stays', async (t) => {
    const store = await open(t);
    const command = (pr: number, commentId: number): CommandNote => ({ repo: 'acme/web', pr, pullRequest: true, commentId, login: 'octo', text: '/slipway keep', refusal: null });
    const approvals: ApprovalNote[] = [{ kind: 'head', repo: 'acme/web', pr: 7, sha: A }, { kind: 'head', repo: 'acme/web', pr: 8, sha: B }, { kind: 'request', repo: 'acme/web', pr: 8, login: 'octo' }];
    await store.insertDelivery(delivery('comments'));
    await finishPending(store, [{ id: 'comments', status: 'processed', error: null, processedAt: Date.now(), commands: [command(7, 70), command(8, 80)], approvals }]);
    await store.decideCommand({ repo: 'acme/web', commentId: 70, state: 'refused', outcome: 'no preview', changes: [] });
    await store.markReacted('acme/web', 70, 'confused');
    await store.decideApproval({ repo: 'acme/web', pr: 7, login: 'octo', state: 'refused', sha: null, reason: 'no', apps: ['web'] });
    await store.putPrComment({ repo: 'acme/web', pr: 7, commentId: 9001, body: 'preview' });
    // GitHub kept refusing to write this comment.
    await store.requestComments([{ repo: 'acme/web', pr: 7 }]);
    const now = Date.now();

    assert.deepEqual(await pruneAll(store, 'pullRequests', now + 89 * DAY), { removed: 0, batches: 1 });
    assert.deepEqual(await pruneAll(store, 'pullRequests', now + 91 * DAY, { limit: 1 }), { removed: 4, batches: 5 });
    assert.deepEqual(await store.commentRequests(10), []);
    assert.equal(await store.lastCommand('acme/web', 7), null);
    assert.equal(await store.getPrComment('acme/web', 7), null);
    assert.equal(await store.approvalFor('acme/web', 7), null);
    assert.equal((await store.lastCommand('acme/web', 8))?.state, 'received', 'not decided yet: it stays');
    assert.equal((await store.approvalRequests()).length, 1, 'a request waiting for its decision stays');
  });
}
