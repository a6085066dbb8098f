import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvironmentChange, Fence } from '../../../src/domain/environments.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';
import { finishPending } from './inbox.js';

/** The environments part of the Store contract: every store implementation passes it. */
export function environmentsContract(open: StoreFactory): void {
  const follow = (overrides: Partial<Extract<EnvironmentChange, { kind: 'follow' }>> = {}): EnvironmentChange => ({
    kind: 'follow',
    app: 'web',
    env: 'pr-7',
    ref: 'refs/pull/7/head',
    shaHint: 'a'.repeat(40),
    pr: 7,
    branch: 'feature/x',
    ttlMs: 60_000,
    trigger: 'pull_request.opened',
    ...overrides,
  });
  const destroy: EnvironmentChange = { kind: 'destroy', app: 'web', env: 'pr-7', reason: 'closed', trigger: 'pull_request.closed' };


  async function lease(store: Store, environmentId: number, holder = 'r1') {
    const name = `env:${environmentId}`;
    const token = await store.acquireLease(name, holder, 60_000);
    assert.ok(token !== null);
    return { lease: name, token };
  }

  test('a delivery that follows a ref creates the environment; each later follow bumps its generation', async (t) => {
    const store = await open(t);
    await store.insertDelivery({ id: 'd1', event: 'pull_request', action: 'opened', hookId: null, targetType: null, targetId: null, repository: 'acme/web', receivedAt: 1, payload: Buffer.from('{}') });
    await finishPending(store, [{ id: 'd1', status: 'processed', error: null, processedAt: 1000, changes: [follow()] }]);
    const created = await store.getEnvironment('web', 'pr-7');
    assert.equal(created?.state, 'pending');
    assert.equal(created?.generation, 1);
    assert.equal(created?.observedGeneration, 0);
    assert.equal(created?.desiredRef, 'refs/pull/7/head');
    assert.equal(created?.lastDelivery, 'd1');
    assert.equal(created?.expiresAt, 61_000);
    await store.changeEnvironments([follow({ trigger: 'pull_request.synchronize' })], 'cli');
    const nudged = await store.getEnvironment('web', 'pr-7');
    assert.equal(nudged?.generation, 2);
    assert.equal(nudged?.lastTrigger, 'pull_request.synchronize');
    assert.deepEqual((await store.unconvergedEnvironments(10)).map((e) => e.name), ['pr-7']);
  });

  test('a finished delivery applies its changes only once', async (t) => {
    const store = await open(t);
    await store.insertDelivery({ id: 'd1', event: 'push', action: null, hookId: null, targetType: null, targetId: null, repository: 'acme/web', receivedAt: 1, payload: Buffer.from('{}') });
    const result = { id: 'd1', status: 'processed' as const, error: null, processedAt: 5, changes: [follow()] };
    await finishPending(store, [result]);
    await finishPending(store, [result]);
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.generation, 1);
  });

  test('deployments: begin supersedes, success converges, failure marks failed, all fenced by the lease', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow()], 'test');
    const env = await store.getEnvironment('web', 'pr-7');
    assert.ok(env);
    const fence = await lease(store, env.id);
    const first = await store.beginDeployment({ environmentId: env.id, generation: 1, sha: 'a'.repeat(40), ref: env.desiredRef, trigger: 'pull_request.opened', deliveryId: null, fence });
    assert.equal(first.state, 'in_progress');
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.state, 'deploying');
    const second = await store.beginDeployment({ environmentId: env.id, generation: 1, sha: 'b'.repeat(40), ref: env.desiredRef, trigger: null, deliveryId: null, fence });
    assert.equal((await store.getDeployment(first.id))?.state, 'inactive', 'the older attempt is superseded');
    await store.completeDeployment({ id: second.id, state: 'success', error: null, log: 'deployed\n', url: 'http://pr-7', fence });
    const ready = await store.getEnvironment('web', 'pr-7');
    assert.equal(ready?.state, 'ready');
    assert.equal(ready?.observedSha, 'b'.repeat(40));
    assert.equal(ready?.observedGeneration, 1);
    assert.equal(ready?.url, 'http://pr-7');
    assert.deepEqual(await store.unconvergedEnvironments(10), []);
    const detail = await store.getDeployment(second.id);
    assert.deepEqual(detail?.timeline.map((entry) => entry.state), ['in_progress', 'success']);
    assert.equal(detail?.log, 'deployed\n');

    await store.changeEnvironments([follow()], 'test');
    const third = await store.beginDeployment({ environmentId: env.id, generation: 2, sha: 'c'.repeat(40), ref: null, trigger: null, deliveryId: null, fence });
    await store.completeDeployment({ id: third.id, state: 'failure', error: 'deploy command exited with code 3', log: '', url: null, fence });
    const failed = await store.getEnvironment('web', 'pr-7');
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.observedSha, 'b'.repeat(40), 'a failure keeps what was deployed before');
    assert.equal(failed?.observedGeneration, 2, 'the failed generation is not retried until something changes');

    await store.releaseLease(fence.lease, 'r1');
    const other = await lease(store, env.id, 'r2');
    await assert.rejects(
      store.beginDeployment({ environmentId: env.id, generation: 2, sha: 'd'.repeat(40), ref: null, trigger: null, deliveryId: null, fence }),
      { code: 'lease_lost', message: /no longer held/ },
      'an old fencing token cannot write',
    );
    assert.ok(other.token > fence.token);
    assert.deepEqual((await store.listDeployments(env.id, 10)).map((d) => d.state), ['failure', 'success', 'inactive']);
  });

  test('what built a release is kept with its deployment and on the environment; a failure keeps the running one, a destroy forgets it', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow()], 'test');
    const env = await store.getEnvironment('web', 'pr-7');
    assert.ok(env);
    assert.equal(env.builtBy, null, 'nothing built yet');
    const fence = await lease(store, env.id);
    const begin = (generation: number, sha: string) => store.beginDeployment({ environmentId: env.id, generation, sha: sha.repeat(40), ref: null, trigger: null, deliveryId: null, fence });
    const first = await begin(1, 'a');
    await store.completeDeployment({ id: first.id, state: 'success', error: null, log: '', url: null, builtBy: 'Procfile web + package.json (npm ci)', fence });
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.builtBy, 'Procfile web + package.json (npm ci)');
    assert.equal((await store.getDeployment(first.id))?.builtBy, 'Procfile web + package.json (npm ci)');

    await store.changeEnvironments([follow()], 'test');
    const failed = await begin(2, 'b');
    await store.completeDeployment({ id: failed.id, state: 'failure', error: 'start command exited with code 1', log: '', url: null, fence });
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.builtBy, 'Procfile web + package.json (npm ci)', 'the release that runs is still the first');
    assert.equal((await store.getDeployment(failed.id))?.builtBy, null);

    await store.changeEnvironments([follow()], 'test');
    const manifest = await begin(3, 'c');
    await store.completeDeployment({ id: manifest.id, state: 'success', error: null, log: '', url: null, builtBy: 'manifest slipway.app.yaml', fence });
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.builtBy, 'manifest slipway.app.yaml');
    assert.deepEqual((await store.listDeployments(env.id, 10)).map((d) => d.builtBy), ['manifest slipway.app.yaml', null, 'Procfile web + package.json (npm ci)']);

    await store.changeEnvironments([follow()], 'test');
    const silent = await begin(4, 'd');
    await store.completeDeployment({ id: silent.id, state: 'success', error: null, log: '', url: null, fence });
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.builtBy, null, 'a target that does not say leaves nothing stale');

    await store.changeEnvironments([destroy], 'test');
    await store.completeDestroy(env.id, (await store.getEnvironment('web', 'pr-7'))?.generation ?? 0, fence);
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.builtBy, null);
  });

  test('destroy: the environment goes to destroying, then destroyed, and its last good deployment inactive', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow()], 'test');
    const env = await store.getEnvironment('web', 'pr-7');
    assert.ok(env);
    const fence = await lease(store, env.id);
    const deployed = await store.beginDeployment({ environmentId: env.id, generation: 1, sha: 'a'.repeat(40), ref: null, trigger: null, deliveryId: null, fence });
    await store.completeDeployment({ id: deployed.id, state: 'success', error: null, log: '', url: null, fence });
    await store.changeEnvironments([destroy], 'test');
    const destroying = await store.getEnvironment('web', 'pr-7');
    assert.equal(destroying?.state, 'destroying');
    assert.equal(destroying?.present, false);
    await store.changeEnvironments([destroy], 'test');
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.generation, 2, 'a second destroy changes nothing');
    await store.completeDestroy(env.id, 2, fence);
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.state, 'destroyed');
    assert.equal((await store.getDeployment(deployed.id))?.state, 'inactive');
    assert.deepEqual(await store.listEnvironments(), []);
    assert.equal((await store.listEnvironments({ includeDestroyed: true })).length, 1);
    await store.changeEnvironments([follow({ trigger: 'pull_request.reopened' })], 'test');
    const revived = await store.getEnvironment('web', 'pr-7');
    assert.equal(revived?.present, true);
    assert.equal(revived?.state, 'pending');
  });

  /** Its holder stops renewing it (paused, cut off): the lease runs out at once, its token unchanged. */
  async function lapse(store: Store, fence: Fence, holder = 'r1') {
    assert.equal(await store.acquireLease(fence.lease, holder, 1), fence.token);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  async function running(store: Store, env: string, holder = 'r1') {
    await store.changeEnvironments([follow({ env })], 'test');
    const created = await store.getEnvironment('web', env);
    assert.ok(created);
    const fence = await lease(store, created.id, holder);
    const deployment = await store.beginDeployment({ environmentId: created.id, generation: 1, sha: 'a'.repeat(40), ref: null, trigger: null, deliveryId: null, fence });
    return { env: created, fence, deployment };
  }

  test('at start, deployments no replica runs any more end error and go again; one under a live lease is left to its replica', async (t) => {
    const store = await open(t);
    const live = await running(store, 'live');
    const lapsed = await running(store, 'lapsed');
    await lapse(store, lapsed.fence);
    const released = await running(store, 'released');
    await store.releaseLease(released.fence.lease, 'r1');
    // The same lease taken over by another holder: the deployment's tenure is over too.
    const taken = await running(store, 'taken');
    await lapse(store, taken.fence);
    await lease(store, taken.env.id, 'r2');

    assert.equal(await store.interruptDeployments(), 3);
    for (const { env, deployment } of [lapsed, released, taken]) {
      const detail = await store.getDeployment(deployment.id);
      assert.equal(detail?.state, 'error', env.name);
      assert.equal(detail?.error, 'interrupted: slipway stopped during the deployment');
      assert.deepEqual(detail?.timeline.map((entry) => entry.state), ['in_progress', 'error']);
      assert.equal((await store.getEnvironment('web', env.name))?.state, 'pending', env.name);
    }
    assert.equal((await store.getDeployment(live.deployment.id))?.state, 'in_progress', 'another replica runs it');
    assert.equal((await store.getEnvironment('web', 'live'))?.state, 'deploying');
    assert.deepEqual((await store.unconvergedEnvironments(10)).map((e) => e.name).sort(), ['lapsed', 'live', 'released', 'taken']);
    // Its replica still finishes it.
    await store.completeDeployment({ id: live.deployment.id, state: 'success', error: null, log: '', url: null, fence: live.fence });
    assert.equal((await store.getEnvironment('web', 'live'))?.state, 'ready');
    assert.equal(await store.interruptDeployments(), 0, 'nothing is interrupted twice');
  });

  test('a takeover ends the deployment an earlier tenure left running; its holder\'s late writes fail with lease_lost and change nothing', async (t) => {
    const store = await open(t);
    const old = await running(store, 'pr-7');
    await lapse(store, old.fence);
    const fence = await lease(store, old.env.id, 'r2');
    assert.ok(fence.token > old.fence.token, 'a new tenure');

    assert.equal(await store.takeOverDeployments(old.env.id, fence), 1);
    const interrupted = await store.getDeployment(old.deployment.id);
    assert.equal(interrupted?.state, 'error');
    assert.equal(interrupted?.error, 'interrupted: the replica running it stopped renewing its lease');
    assert.deepEqual(interrupted?.timeline.map((entry) => [entry.state, entry.message]), [
      ['in_progress', `deploying ${'a'.repeat(12)}`],
      ['error', 'interrupted: the replica running it stopped renewing its lease'],
    ]);
    const environment = await store.getEnvironment('web', 'pr-7');
    assert.equal(environment?.state, 'pending');
    assert.deepEqual((await store.unconvergedEnvironments(10)).map((e) => e.id), [old.env.id], 'it converges again');

    // The paused replica wakes up and writes what it thinks it did.
    const late = old.fence;
    const refused = { code: 'lease_lost', message: /no longer held/ };
    await assert.rejects(store.completeDeployment({ id: old.deployment.id, state: 'success', error: null, log: 'done\n', url: 'http://late', fence: late }), refused);
    await assert.rejects(store.startDeployment(old.deployment.id, 'gate open', late), refused);
    await assert.rejects(store.beginDeployment({ environmentId: old.env.id, generation: 1, sha: 'b'.repeat(40), ref: null, trigger: null, deliveryId: null, fence: late }), refused);
    await assert.rejects(store.markConverged(old.env.id, 1, late), refused);
    await assert.rejects(store.markSleeping(old.env.id, true, late), refused);
    await assert.rejects(store.completeDestroy(old.env.id, 1, late), refused);
    await assert.rejects(store.takeOverDeployments(old.env.id, late), refused, 'a stale holder cannot end the new tenure\'s work');
    assert.deepEqual(await store.getDeployment(old.deployment.id), interrupted);
    assert.deepEqual(await store.getEnvironment('web', 'pr-7'), environment);
    assert.equal((await store.listDeployments(old.env.id, 10)).length, 1);

    // The new tenure's own deployment is not an earlier one's.
    const own = await store.beginDeployment({ environmentId: old.env.id, generation: 1, sha: 'a'.repeat(40), ref: null, trigger: null, deliveryId: null, fence });
    assert.equal(await store.takeOverDeployments(old.env.id, fence), 0);
    assert.equal((await store.getDeployment(own.id))?.state, 'in_progress');
    await store.completeDeployment({ id: own.id, state: 'success', error: null, log: '', url: null, fence });
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.state, 'ready');
  });

  test('a nudge converges again without touching what is desired or the TTL clock', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow()], 'test');
    const before = await store.getEnvironment('web', 'pr-7');
    await store.changeEnvironments([{ kind: 'nudge', app: 'web', env: 'pr-7', trigger: 'resync' }, { kind: 'nudge', app: 'web', env: 'nope', trigger: 'resync' }], 'resync');
    const after = await store.getEnvironment('web', 'pr-7');
    assert.equal(after?.generation, (before?.generation ?? 0) + 1);
    assert.equal(after?.expiresAt, before?.expiresAt);
    assert.equal(after?.lastCommitAt, before?.lastCommitAt);
    assert.equal(after?.desiredRef, before?.desiredRef);
    assert.equal(await store.getEnvironment('web', 'nope'), null, 'a nudge creates nothing');
  });

  test('a pin deploys an exact sha, creating the environment when needed; a follow unpins', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([{ kind: 'pin', app: 'web', env: 'qa', sha: 'f'.repeat(40), trigger: 'cli.deploy' }], 'cli');
    const pinned = await store.getEnvironment('web', 'qa');
    assert.equal(pinned?.pinnedSha, 'f'.repeat(40));
    assert.equal(pinned?.present, true);
    await store.changeEnvironments([follow({ env: 'qa', ref: 'refs/heads/main' })], 'test');
    const followed = await store.getEnvironment('web', 'qa');
    assert.equal(followed?.pinnedSha, null);
    assert.equal(followed?.generation, 2);
  });

  test('a finished delivery can be requeued for replay; a pending or unknown one cannot', async (t) => {
    const store = await open(t);
    await store.insertDelivery({ id: 'd1', event: 'push', action: null, hookId: null, targetType: null, targetId: null, repository: 'acme/web', receivedAt: 1, payload: Buffer.from('{}') });
    assert.equal(await store.requeueDelivery('d1'), false, 'still pending');
    await finishPending(store, [{ id: 'd1', status: 'failed', error: 'x', processedAt: 2 }]);
    assert.equal(await store.requeueDelivery('d1'), true);
    const again = await store.getDelivery('d1');
    assert.deepEqual([again?.status, again?.error, again?.processedAt], ['pending', null, null]);
    assert.equal(await store.requeueDelivery('nope'), false);
  });

  test('a change from an event older than the last one applied is stale and ignored', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow({ eventAt: 1000 })], 'opened');
    await store.changeEnvironments([{ ...destroy, eventAt: 3000 }], 'closed');
    await store.changeEnvironments([follow({ eventAt: 2000, trigger: 'pull_request.synchronize' })], 'late synchronize');
    await store.changeEnvironments([follow({ eventAt: 3000, trigger: 'pull_request.synchronize' })], 'same second');
    const env = await store.getEnvironment('web', 'pr-7');
    assert.equal(env?.present, false, 'a late or same-second follow does not undo the close');
    assert.equal(env?.lastTrigger, 'pull_request.closed');
    await store.changeEnvironments([follow({ eventAt: 4000, trigger: 'pull_request.reopened' })], 'reopened');
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.present, true, 'a newer event applies');
    await store.changeEnvironments([{ ...destroy, eventAt: 3500 }], 'replayed close');
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.present, true, 'a replayed older close is stale too');
  });

  test('expired environments are listed for the TTL sweep', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow({ ttlMs: 1 }), follow({ env: 'staging', ttlMs: null })], 'test');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual((await store.expiredEnvironments()).map((e) => e.name), ['pr-7']);
  });
}
