import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Environment, FinalDeploymentState } from '../../../src/domain/environments.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';

/** The history part of the Store contract: many environments' deployments, and one's timelines, read at once. */
export function historyContract(open: StoreFactory): void {
  async function environment(store: Store, name: string): Promise<Environment> {
    await store.changeEnvironments([{ kind: 'follow', app: 'web', env: name, ref: `refs/heads/${name}`, shaHint: null, pr: null, branch: name, ttlMs: null, trigger: 'push' }], 'test');
    const env = await store.getEnvironment('web', name);
    assert.ok(env);
    return env;
  }

  /** Deploys `states` to the environment one after another (each a finished deployment); returns their ids. */
  async function deploy(store: Store, env: Environment, states: FinalDeploymentState[]): Promise<number[]> {
    const lease = `env:${env.id}`;
    const token = await store.acquireLease(lease, 'test', 60_000);
    assert.ok(token !== null);
    const fence = { lease, token };
    const ids: number[] = [];
    for (const [index, state] of states.entries()) {
      const sha = String(index % 10).repeat(40);
      const begun = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha, ref: env.desiredRef, trigger: 'push', deliveryId: null, fence });
      await store.completeDeployment({ id: begun.id, state, error: state === 'success' ? null : `${state} ${index}`, log: '', url: null, fence });
      ids.push(begun.id);
    }
    return ids;
  }

  test('latestDeployments: how the newest N deployments of each environment asked for went, newest first, and none of the others', async (t) => {
    const store = await open(t);
    const [a, b, c, d] = [await environment(store, 'a'), await environment(store, 'b'), await environment(store, 'c'), await environment(store, 'd')];
    const aIds = await deploy(store, a, ['success', 'failure', 'success', 'error', 'success']);
    const bIds = await deploy(store, b, ['failure', 'success']);
    // Interleaved with a's, so that ids per environment are not contiguous.
    const aMore = await deploy(store, a, ['failure']);
    await deploy(store, c, ['success']);

    const latest = await store.latestDeployments([a.id, b.id, d.id], 3);
    assert.deepEqual([...latest.keys()].sort(), [a.id, b.id].sort(), 'c was not asked for; d has no deployments');
    assert.deepEqual(latest.get(a.id)?.map((x) => x.id), [...aIds, ...aMore].reverse().slice(0, 3));
    assert.deepEqual(latest.get(a.id)?.map((x) => x.state), ['failure', 'success', 'error']);
    assert.deepEqual(latest.get(b.id)?.map((x) => x.id), [...bIds].reverse());
    const [full] = await store.listDeployments(a.id, 1);
    assert.ok(full);
    assert.deepEqual(latest.get(a.id)?.[0], { id: full.id, environmentId: a.id, state: 'failure', sha: full.sha, createdAt: full.createdAt });

    assert.equal((await store.latestDeployments([], 3)).size, 0);
    assert.equal((await store.latestDeployments([a.id], 0)).size, 0);
    assert.deepEqual((await store.latestDeployments([a.id, 999_999], 1)).get(a.id)?.map((x) => x.id), aMore);
  });

  test('deploymentHistory: an environment\'s newest deployments, each with its own timeline in order', async (t) => {
    const store = await open(t);
    const a = await environment(store, 'a');
    const b = await environment(store, 'b');
    const ids = await deploy(store, a, ['success', 'failure', 'success']);
    await deploy(store, b, ['error']);

    const history = await store.deploymentHistory(a.id, 2);
    assert.deepEqual(history.map((x) => x.id), ids.slice(1).reverse());
    assert.deepEqual(history.map((x) => x.timeline.map((entry) => `${entry.state}: ${entry.message}`)), [
      [`in_progress: deploying ${'2'.repeat(12)} refs/heads/a`, 'success: success'],
      [`in_progress: deploying ${'1'.repeat(12)} refs/heads/a`, 'failure: failure 1'],
    ]);
    // The same timeline as the deployment's own page shows.
    const detail = await store.getDeployment(ids[2] ?? 0);
    assert.deepEqual(history[0]?.timeline, detail?.timeline);
    assert.equal('log' in (history[0] ?? {}), false, 'a history carries no logs');

    assert.equal((await store.deploymentHistory(a.id, 10)).length, 3);
    assert.deepEqual(await store.deploymentHistory(999_999, 10), []);
  });
}
