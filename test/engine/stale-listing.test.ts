import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { Environment } from '../../src/domain/environments.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { Origin } from '../helpers/git.js';
import { commandReconciler } from '../helpers/reconciler.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// The reconciler lists unconverged environments, then converges each under its lease. A
// listing read while a pass was finishing still shows the environment as unconverged: the pass
// that follows must read it again under the lease, not deploy the same commit a second time.
// The real store, except that its listing keeps answering with the first one it gave.

test('a listing older than the pass that converged the environment deploys nothing again', async (t) => {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  const sha = origin.commit('main', 'v1');
  const store = await SqliteStore.open(join(dir, 'data'));
  t.after(() => store.close());
  let first: Environment[] | null = null;
  const stale: Store = {
    ...store,
    unconvergedEnvironments: async (limit) => {
      const listed = await store.unconvergedEnvironments(limit);
      if (first === null && listed.length > 0) first = listed;
      return first ?? listed;
    },
    close: () => store.close(),
  };
  const journal = join(dir, 'journal');
  const reconciler = commandReconciler(dir, stale, origin.url, `echo "$SLIPWAY_SHA" >> ${journal}`, { pollMs: 20 });
  await store.changeEnvironments([{ kind: 'follow', app: 'webapp', env: 'staging', ref: 'refs/heads/main', shaHint: sha, pr: null, branch: 'main', ttlMs: null, trigger: 'push' }], 'test');
  await reconciler.start();
  t.after(() => reconciler.stop());
  await eventually(async () => ((await store.getEnvironment('webapp', 'staging'))?.state === 'ready' ? true : undefined), 20_000);
  // Dozens of passes over the stale listing meanwhile.
  await sleep(500);
  assert.deepEqual(existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n') : [], [sha]);
});
