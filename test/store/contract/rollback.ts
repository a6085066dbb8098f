import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Environment, EnvironmentChange, Fence } from '../../../src/domain/environments.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';

/** The rollback part of the Store contract: every store implementation passes it. */
export function rollbackContract(open: StoreFactory): void {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const C = 'c'.repeat(40);


  const follow: EnvironmentChange = { kind: 'follow', app: 'web', env: 'qa', ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'push', rule: 'qa' };

  /** Deploys `sha` to web/qa through the store as the reconciler would, ending in `state`. */
  async function deployed(store: Store, sha: string, state: 'success' | 'failure', githubDeploymentId: number | null = null) {
    const env = (await store.getEnvironment('web', 'qa')) as Environment;
    const name = `env:${env.id}`;
    const fence: Fence = { lease: name, token: (await store.acquireLease(name, 'r', 60_000)) ?? 0 };
    const d = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha, ref: env.desiredRef, trigger: env.lastTrigger, deliveryId: null, githubDeploymentId, artifactRunId: null, fence });
    await store.completeDeployment({ id: d.id, state, error: state === 'failure' ? 'exit 1' : null, log: '', url: null, fence });
    return d;
  }

  const rollback = (overrides: Partial<Extract<EnvironmentChange, { kind: 'rollback' }>> = {}): EnvironmentChange => ({
    kind: 'rollback', app: 'web', env: 'qa', trigger: 'deployment_status.failure', reason: 'GitHub deployment 7 reported failure', failedSha: B, toSha: null, quarantine: true, ...overrides,
  });

  test('a rollback pins the last good sha, quarantines the failed one and says so on its timeline', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow], 'd1');
    await deployed(store, A, 'success');
    const bad = await deployed(store, B, 'success', 7);
    const before = (await store.getEnvironment('web', 'qa')) as Environment;
    assert.equal(before.observedSha, B);
    await store.changeEnvironments([rollback()], 'd2');
    const after = (await store.getEnvironment('web', 'qa')) as Environment;
    assert.equal(after.pinnedSha, A);
    assert.equal(after.quarantinedSha, B);
    assert.equal(after.desiredRef, 'refs/heads/main', 'the ref is kept: a new commit on it moves the environment on');
    assert.equal(after.generation, before.generation + 1);
    const timeline = (await store.getDeployment(bad.id))?.timeline.map((entry) => entry.message) ?? [];
    assert.match(timeline.at(-1) ?? '', /^rolling back to a{12} \(GitHub deployment 7 reported failure\); b{12} is quarantined/);

    // Following the ref again unpins but keeps the quarantine; a new commit that deploys clears it.
    await store.changeEnvironments([follow], 'd3');
    assert.equal((await store.getEnvironment('web', 'qa'))?.quarantinedSha, B);
    await deployed(store, C, 'success');
    assert.equal((await store.getEnvironment('web', 'qa'))?.quarantinedSha, null);
  });

  test('a pinned rollback target deploying does not clear the quarantine', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow], 'd1');
    await deployed(store, A, 'success');
    await deployed(store, B, 'success');
    await store.changeEnvironments([rollback()], 'd2');
    await deployed(store, A, 'success');
    assert.equal((await store.getEnvironment('web', 'qa'))?.quarantinedSha, B);
  });

  test('without an earlier good sha nothing moves, and the timeline says why', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow], 'd1');
    const only = await deployed(store, B, 'success');
    const before = (await store.getEnvironment('web', 'qa')) as Environment;
    await store.changeEnvironments([rollback()], 'd2');
    const after = (await store.getEnvironment('web', 'qa')) as Environment;
    assert.equal(after.generation, before.generation);
    assert.equal(after.pinnedSha, null);
    assert.match((await store.getDeployment(only.id))?.timeline.at(-1)?.message ?? '', /no earlier successful deployment/);
  });

  test('a failure reported for a sha the environment no longer runs rolls nothing back', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow], 'd1');
    await deployed(store, A, 'success');
    await deployed(store, B, 'success');
    await deployed(store, C, 'success');
    const before = (await store.getEnvironment('web', 'qa')) as Environment;
    await store.changeEnvironments([rollback({ failedSha: B })], 'd2');
    const after = (await store.getEnvironment('web', 'qa')) as Environment;
    assert.equal(after.generation, before.generation);
    assert.equal(after.quarantinedSha, null);
  });

  test('a rollback to a given sha, and a status note on the linked deployment', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow], 'd1');
    await deployed(store, A, 'success');
    const linked = await deployed(store, B, 'success', 42);
    await store.changeEnvironments([{ kind: 'note', app: 'web', env: 'qa', trigger: 'deployment_status.in_progress', githubDeploymentId: 42, message: 'GitHub deployment 42: in_progress' }], 'd2');
    assert.equal((await store.getDeployment(linked.id))?.timeline.at(-1)?.message, 'GitHub deployment 42: in_progress');
    await store.changeEnvironments([rollback({ failedSha: null, toSha: C, trigger: 'api.rollback', reason: 'rolled back by hand' })], 'api');
    const after = (await store.getEnvironment('web', 'qa')) as Environment;
    assert.equal(after.pinnedSha, C);
    assert.equal(after.quarantinedSha, B);
    assert.equal(after.lastTrigger, 'api.rollback');
  });
}
