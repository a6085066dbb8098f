import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvironmentChange } from '../../../src/domain/environments.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';
import { delivery, finishPending } from './inbox.js';

/** What the dashboard reads (a delivery's effects, recent deployments): every store implementation passes it. */
export function dashboardContract(open: StoreFactory): void {
  const follow = (env: string): EnvironmentChange => ({
    kind: 'follow', app: 'web', env, ref: `refs/heads/${env}`, shaHint: null, pr: null, branch: env, ttlMs: null, trigger: 'push',
  });

  /** Holds the environment's lease and starts a deployment of it, as the reconciler would. */
  async function begin(store: Store, env: string, deliveryId: string | null) {
    const found = await store.getEnvironment('web', env);
    assert.ok(found !== null);
    const fence = { lease: `env:${found.id}`, token: (await store.acquireLease(`env:${found.id}`, 'test', 60_000)) ?? 0 };
    const deployment = await store.beginDeployment({ environmentId: found.id, generation: found.generation, sha: 'a'.repeat(40), ref: found.desiredRef, trigger: 'push', deliveryId, fence });
    return { env: found, fence, deployment };
  }

  test('a delivery\'s effects: the environments it changed last and the deployments it started', async (t) => {
    const store = await open(t);
    await store.insertDelivery(delivery('d1'));
    await store.insertDelivery(delivery('d2'));
    await finishPending(store, [{ id: 'd1', status: 'processed', error: null, processedAt: 10, changes: [follow('staging'), follow('main')] }]);
    await finishPending(store, [{ id: 'd2', status: 'processed', error: null, processedAt: 11, changes: [follow('qa')] }]);
    const first = await begin(store, 'staging', 'd1');
    const second = await begin(store, 'staging', 'd1');
    await begin(store, 'qa', 'd2');

    const effects = await store.deliveryEffects('d1');
    assert.deepEqual(effects.environments.map((env) => [env.name, env.lastDelivery]), [['main', 'd1'], ['staging', 'd1']]);
    assert.deepEqual(effects.deployments.map((d) => [d.id, d.env, d.deliveryId, d.state]), [
      [first.deployment.id, 'staging', 'd1', 'inactive'],
      [second.deployment.id, 'staging', 'd1', 'in_progress'],
    ]);
    assert.deepEqual(await store.deliveryEffects('unknown'), { environments: [], deployments: [] });

    // A later change to an environment makes it that change's: d1 no longer changed it last.
    await store.changeEnvironments([follow('main')], 'api');
    assert.deepEqual((await store.deliveryEffects('d1')).environments.map((env) => env.name), ['staging']);
  });

  test('finished deployments since a time: how each ended and when the delivery that started it arrived', async (t) => {
    const store = await open(t);
    const before = Date.now();
    await store.insertDelivery(delivery('d1', { receivedAt: 1_000 }));
    await finishPending(store, [{ id: 'd1', status: 'processed', error: null, processedAt: 10, changes: [follow('staging'), follow('qa'), follow('pr')] }]);
    const staging = await begin(store, 'staging', 'd1');
    await store.completeDeployment({ id: staging.deployment.id, state: 'success', error: null, log: '', url: null, fence: staging.fence });
    const qa = await begin(store, 'qa', 'api');
    await store.completeDeployment({ id: qa.deployment.id, state: 'failure', error: 'exit 1', log: '', url: null, fence: qa.fence });
    const superseded = await begin(store, 'qa', null);
    const running = await begin(store, 'qa', null);
    // A preview deployed, then destroyed: its success reads `inactive` now, and still counts as a success.
    const pr = await begin(store, 'pr', 'd1');
    await store.completeDeployment({ id: pr.deployment.id, state: 'success', error: null, log: '', url: null, fence: pr.fence });
    await store.changeEnvironments([{ kind: 'destroy', app: 'web', env: 'pr', reason: 'closed', trigger: 'test' }], 'test');
    await store.completeDestroy(pr.env.id, pr.env.generation + 1, pr.fence);
    assert.equal((await store.getDeployment(pr.deployment.id))?.state, 'inactive');

    const finished = await store.finishedDeployments(before);
    assert.deepEqual(finished.map(({ outcome, receivedAt }) => [outcome, receivedAt]), [
      ['success', 1_000],
      ['failure', null],
      ['inactive', null],
      ['success', 1_000],
    ], `the unfinished deployment ${running.deployment.id} is not listed; ${superseded.deployment.id} was superseded`);
    assert.ok(finished.every((row, index) => row.finishedAt >= before && row.finishedAt >= (finished[index - 1]?.finishedAt ?? 0)), 'in the order they finished');
    assert.deepEqual(await store.finishedDeployments(Date.now() + 60_000), [], 'none finished after the window starts');
  });
}
