import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Dispatcher } from '../../src/engine/dispatcher.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import type { PgStore } from '../../src/store/postgres/pg-store.js';
import { WORK_KINDS, type Store, type WorkKind } from '../../src/store/store.js';
import { branchPolicy } from '../helpers/branch-policy.js';
import { push } from '../helpers/ci.js';
import { Origin } from '../helpers/git.js';
import { testDatabase } from '../helpers/postgres.js';
import { commandReconciler } from '../helpers/reconciler.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// Replicas of slipway on one PostgreSQL database, in one process: each has a PgStore of its
// own (its own pool and listening connection), as separate processes would. Their polls are
// set far longer than the tests wait, so only the store's word of work can wake them.

const POLL_MS = 30_000;
/** Well under POLL_MS, and generous for a loaded machine. */
const WITHIN_MS = 15_000;


const follow = (sha: string) => ({ kind: 'follow', app: 'webapp', env: 'staging', ref: 'refs/heads/main', shaHint: sha, pr: null, branch: 'main', ttlMs: null, trigger: 'push' }) as const;

/** Resolves once `store` listens for word of work (it tells every kind then). */
async function listening(t: TestContext, store: PgStore): Promise<void> {
  const heard = new Set<WorkKind>();
  const stop = store.onWork((kind) => heard.add(kind));
  t.after(stop);
  await eventually(async () => (heard.size === WORK_KINDS.length ? true : undefined), WITHIN_MS);
}

test('a dispatcher wakes when another replica takes a delivery in, long before its poll', async (t) => {
  const dir = tempDir(t);
  const db = await testDatabase(t);
  const [ingest, dispatching] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  await listening(t, dispatching);
  const dispatcher = new Dispatcher({
    store: dispatching,
    log: createLogger({ level: 'silent', pretty: false }),
    metrics: createMetrics(dispatching),
    pollMs: POLL_MS,
    policy: branchPolicy(dir),
  });
  const insert = (id: string, branch: string) =>
    ingest.insertDelivery({ id, event: 'push', action: null, hookId: '1', targetType: 'repository', targetId: '1', repository: 'acme/webapp', receivedAt: Date.now(), payload: Buffer.from(JSON.stringify(push(branch, 'a'.repeat(40)))) });
  const processed = (id: string) => eventually(async () => ((await dispatching.getDelivery(id))?.status === 'processed' ? true : undefined), WITHIN_MS);
  dispatcher.start();
  t.after(() => dispatcher.stop());
  // Its first pass takes this one; then it sleeps for its poll.
  await insert('first', 'one');
  await processed('first');
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sent = Date.now();
  await insert('second', 'two');
  await processed('second');
  assert.ok(Date.now() - sent < WITHIN_MS);
  assert.equal((await dispatching.getEnvironment('webapp', 'br-two'))?.generation, 1, 'its effects applied');
});

test('a reconciler wakes when another replica changes desired state, long before its poll', async (t) => {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  const sha = origin.commit('main', 'v1');
  const db = await testDatabase(t);
  const [api, deploying] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  await listening(t, deploying);
  const reconciler = commandReconciler(dir, deploying, origin.url, 'true', { pollMs: POLL_MS });
  await api.changeEnvironments([follow(sha)], 'test');
  await reconciler.start();
  t.after(() => reconciler.stop());
  const converged = (generation: number) =>
    eventually(async () => {
      const env = await api.getEnvironment('webapp', 'staging');
      return env !== null && env.observedGeneration >= generation && env.state === 'ready' ? env : undefined;
    }, WITHIN_MS);
  // Its first look finds this one; then it sleeps for its poll.
  await converged(1);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const next = origin.commit('main', 'v2');
  await api.changeEnvironments([follow(next)], 'test');
  const env = await converged(2);
  assert.equal(env.observedSha, next);
});

test('a replica that stops renewing an environment\'s lease is taken over: its deployment ends error, its late write is refused, the other deploys', async (t) => {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  const sha = origin.commit('main', 'v1');
  const db = await testDatabase(t);
  const [first, second] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  // The first replica is cut off from the database from a given moment (a partition, a long
  // pause): its lease renewals fail, and the write it makes after stopping lands only once the
  // other replica has taken over.
  let cut = false;
  let resume = () => undefined as void;
  const resumed = new Promise<void>((resolve) => {
    resume = resolve;
  });
  const late: unknown[] = [];
  const paused: Store = {
    ...first,
    acquireLease: (name, holder, ttlMs) => (cut && holder.startsWith('reconciler-') ? Promise.reject(new Error('database unreachable')) : first.acquireLease(name, holder, ttlMs)),
    completeDeployment: async (complete) => {
      if (!cut) return first.completeDeployment(complete);
      await resumed;
      return first.completeDeployment(complete).catch((error: { code?: string }) => {
        late.push(error.code);
        throw error;
      });
    },
    close: () => first.close(),
  };
  const journal = join(dir, 'journal');
  const timing = { leaseMs: 1500, pollMs: 100 };
  const stuck = commandReconciler(join(dir, 'first'), paused, origin.url, `echo "start $$" >> ${journal}; sleep 60`, timing);
  await first.changeEnvironments([follow(sha)], 'test');
  await stuck.start();
  t.after(async () => {
    resume();
    await stuck.stop();
  });
  const pid = await eventually(async () => {
    const match = existsSync(journal) ? /start (\d+)/.exec(readFileSync(journal, 'utf8')) : null;
    return match?.[1] === undefined ? undefined : Number(match[1]);
  }, WITHIN_MS);
  const env = await second.getEnvironment('webapp', 'staging');
  assert.ok(env);
  const [running] = await second.listDeployments(env.id, 10);
  assert.equal(running?.state, 'in_progress');

  // Starting beside it, the second replica leaves alone what the first runs under its lease.
  const other = commandReconciler(join(dir, 'second'), second, origin.url, 'true', timing);
  await other.start();
  t.after(() => other.stop());
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal((await second.getDeployment(running.id))?.state, 'in_progress', 'a live lease is left to its holder');

  cut = true;
  const deployed = await eventually(async () => {
    const [latest] = await second.listDeployments(env.id, 10);
    return latest?.state === 'success' ? latest : undefined;
  }, 30_000);
  assert.ok(deployed.id > running.id);
  const interrupted = await second.getDeployment(running.id);
  assert.equal(interrupted?.state, 'error');
  assert.equal(interrupted?.error, 'interrupted: the replica running it stopped renewing its lease');
  assert.equal((await second.getEnvironment('webapp', 'staging'))?.observedSha, sha);

  // The first replica stopped its command when its lease ran out; what it writes now is refused.
  await eventually(async () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  }, WITHIN_MS);
  resume();
  await eventually(async () => (late.length > 0 ? true : undefined), WITHIN_MS);
  assert.deepEqual(late, ['lease_lost']);
  assert.deepEqual(await second.getDeployment(running.id), interrupted);
  assert.equal((await second.listDeployments(env.id, 10)).length, 2);
});
