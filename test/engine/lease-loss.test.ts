import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { Origin } from '../helpers/git.js';
import { withLease } from '../../src/engine/leases.js';
import { commandReconciler } from '../helpers/reconciler.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// A replica that can no longer renew an environment's lease must stop deploying it: after
// the lease expires another replica may take it. The store is the real one; only renewing
// leases fails, from a given moment (this replica cut off from the lease table).

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a deployment whose lease cannot be renewed is stopped before another replica takes over', async (t) => {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  const sha = origin.commit('main', 'v1');
  const store = await SqliteStore.open(join(dir, 'data'));
  t.after(() => store.close());
  let cut = false;
  const cutOff: Store = {
    ...store,
    acquireLease: (name, holder, ttlMs) => (cut && holder.startsWith('reconciler-') ? Promise.reject(new Error('store unreachable')) : store.acquireLease(name, holder, ttlMs)),
    close: () => store.close(),
  };
  const journal = join(dir, 'journal');
  const reconciler = commandReconciler(dir, cutOff, origin.url, `echo "start $$" >> ${journal}; sleep 60; echo done >> ${journal}`, { leaseMs: 900, pollMs: 50 });
  await store.changeEnvironments([{ kind: 'follow', app: 'webapp', env: 'staging', ref: 'refs/heads/main', shaHint: sha, pr: null, branch: 'main', ttlMs: null, trigger: 'push' }], 'test');
  await reconciler.start();
  t.after(() => reconciler.stop());
  const pid = await eventually(async () => {
    const match = existsSync(journal) ? /start (\d+)/.exec(readFileSync(journal, 'utf8')) : null;
    return match?.[1] === undefined ? undefined : Number(match[1]);
  }, 20_000);
  cut = true;
  // Within a few lease periods the command is stopped, long before its 60 s are up.
  await eventually(async () => (alive(pid) ? undefined : true), 10_000);
  assert.equal(readFileSync(journal, 'utf8').includes('done'), false);
  const env = await store.getEnvironment('webapp', 'staging');
  const [attempt] = await store.listDeployments(env?.id ?? 0, 1);
  assert.notEqual(attempt?.state, 'success');
});

test('held() says no as soon as the lease has run out, even in a process paused past it and not yet told (its signal not aborted)', async (t) => {
  const dir = tempDir(t);
  const store = await SqliteStore.open(join(dir, 'data'));
  t.after(() => store.close());
  const outcome = await withLease(store, 'env:web/qa', 'replica-a', 600, async ({ held, signal }) => {
    const before = held();
    // Paused (as by SIGSTOP): no timer runs, so no renewal fails and nothing aborts the signal.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700);
    return { before, after: held(), aborted: signal.aborted };
  });
  assert.deepEqual(outcome?.value, { before: true, after: false, aborted: false });
});
