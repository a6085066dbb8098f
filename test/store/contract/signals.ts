import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CiSignal } from '../../../src/domain/signals.js';
import type { Store } from '../../../src/store/store.js';
import { SIGNAL_RETENTION_MS } from '../../../src/store/retention.js';
import type { StoreFactory } from './factory.js';
import { pruneAll } from './retention.js';
import { finishPending } from './inbox.js';

/** The signals part of the Store contract: every store implementation passes it. */
export function signalsContract(open: StoreFactory): void {
  const SHA = 'a'.repeat(40);
  const OTHER = 'b'.repeat(40);

  const signal = (overrides: Partial<CiSignal> = {}): CiSignal => ({
    repo: 'acme/web',
    sha: SHA,
    kind: 'check_run',
    name: 'test',
    app: 'github-actions',
    state: 'pending',
    conclusion: null,
    url: null,
    order: [10, 0, 0],
    receivedAt: 1,
    ...overrides,
  });


  let delivery = 0;
  async function deliver(store: Store, signals: CiSignal[], apps = ['web']) {
    const id = `d${++delivery}`;
    await store.insertDelivery({ id, event: 'check_run', action: null, hookId: null, targetType: null, targetId: null, repository: 'acme/web', receivedAt: 500, payload: Buffer.from('{}') });
    await finishPending(store, [{ id, status: 'processed', error: null, processedAt: 1000, signals: signals.map((s) => ({ signal: s, apps })) }]);
  }

  test('the latest report of a signal wins; a late older one is dropped', async (t) => {
    const store = await open(t);
    await deliver(store, [signal({ order: [10, 0, 2], state: 'failure', conclusion: 'failure' })]);
    // in_progress of the same run arrives late: dropped.
    await deliver(store, [signal({ order: [10, 0, 1], state: 'pending' })]);
    assert.equal((await store.signalsFor('acme/web', SHA))[0]?.conclusion, 'failure');
    // A re-run is a new check run (a larger id): it replaces the failure.
    await deliver(store, [signal({ order: [11, 0, 2], state: 'success', conclusion: 'success' })]);
    const [stored] = await store.signalsFor('ACME/Web', SHA);
    assert.equal(stored?.state, 'success');
    assert.deepEqual(stored?.order, [11, 0, 2]);
    assert.deepEqual(await store.signalsFor('acme/web', OTHER), []);
  });

  test('signals are kept per kind and name, and old ones are pruned', async (t) => {
    const store = await open(t);
    await deliver(store, [
      signal(),
      signal({ kind: 'status', name: 'test', app: null, order: [5, 0, 0] }),
      signal({ name: 'build', receivedAt: 9 }),
    ]);
    assert.equal((await store.signalsFor('acme/web', SHA)).length, 3);
    assert.equal((await pruneAll(store, 'signals', 5 + SIGNAL_RETENTION_MS, { limit: 1 })).removed, 2);
    assert.deepEqual((await store.signalsFor('acme/web', SHA)).map((s) => s.name), ['build']);
  });

  async function waitingEnvironment(store: Store, sha: string) {
    await store.changeEnvironments([{ kind: 'follow', app: 'web', env: 'dev', ref: 'refs/heads/develop', shaHint: null, pr: null, branch: 'develop', ttlMs: null, trigger: 'push', rule: 'dev' }], 'd0');
    const env = await store.getEnvironment('web', 'dev');
    assert.ok(env !== null);
    const fence = { lease: `env:${env.id}`, token: (await store.acquireLease(`env:${env.id}`, 'r', 60_000)) ?? 0 };
    const deployment = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha, ref: env.desiredRef, trigger: 'push', deliveryId: 'd0', githubDeploymentId: null, artifactRunId: null, fence, waiting: 'gate: waiting for check test (missing)' });
    await store.markConverged(env.id, env.generation, fence);
    return { env, fence, deployment };
  }

  test('a signal for the sha an environment waits on wakes it; one for another sha or app does not', async (t) => {
    const store = await open(t);
    const { env, deployment } = await waitingEnvironment(store, SHA);
    assert.equal(deployment.state, 'waiting');
    assert.equal(deployment.startedAt, null);
    assert.equal((await store.getEnvironment('web', 'dev'))?.state, 'waiting');
    assert.deepEqual(await store.unconvergedEnvironments(10), []);

    await deliver(store, [signal({ sha: OTHER })]);
    await deliver(store, [signal({ name: 'lint' })], ['other-app']);
    assert.deepEqual(await store.unconvergedEnvironments(10), []);

    await deliver(store, [signal({ state: 'success', conclusion: 'success', order: [10, 0, 2] })]);
    const woken = await store.getEnvironment('web', 'dev');
    assert.equal(woken?.generation, env.generation + 1);
    assert.equal(woken?.lastTrigger, 'check_run');
    assert.equal(woken?.requestedAt, 500, 'the deploy latency counts from the signal that opened the gate');
    // A report that changes nothing (older) wakes nothing.
    await deliver(store, [signal({ order: [9, 0, 2] })]);
    assert.equal((await store.getEnvironment('web', 'dev'))?.generation, env.generation + 1);
  });

  test('a waiting deployment starts when its gate opens, under the lease of whoever opens it; a crash or a takeover leaves it waiting', async (t) => {
    const store = await open(t);
    const { env, fence: first, deployment } = await waitingEnvironment(store, SHA);
    // The replica that recorded it is gone; the next holder of the lease opens its gate.
    await store.releaseLease(first.lease, 'r');
    assert.equal(await store.interruptDeployments(), 0);
    const fence = { lease: first.lease, token: (await store.acquireLease(first.lease, 'r2', 60_000)) ?? 0 };
    assert.equal(await store.takeOverDeployments(env.id, fence), 0);
    assert.deepEqual((await store.waitingDeployments()).map((d) => d.id), [deployment.id]);
    await store.startDeployment(deployment.id, 'gate open: 1 required signal passed', fence);
    assert.equal(await store.takeOverDeployments(env.id, fence), 0, 'it runs under the lease that started it');
    assert.equal(await store.interruptDeployments(), 0);
    const started = await store.getDeployment(deployment.id);
    assert.equal(started?.state, 'in_progress');
    assert.ok(started?.startedAt !== null);
    assert.deepEqual(started?.timeline.map((entry) => entry.state), ['waiting', 'in_progress']);
    assert.equal((await store.getEnvironment('web', 'dev'))?.state, 'deploying');
    assert.deepEqual(await store.waitingDeployments(), []);
    await store.releaseLease(fence.lease, 'r2');
    assert.equal(await store.interruptDeployments(), 1, 'once started it runs, and a crash interrupts it');
  });

  test('destroying an environment ends its waiting deployment, and signals no longer wake it', async (t) => {
    const store = await open(t);
    const { env, fence, deployment } = await waitingEnvironment(store, SHA);
    await store.changeEnvironments([{ kind: 'destroy', app: 'web', env: 'dev', reason: 'branch deleted', trigger: 'delete' }], 'd9');
    const destroying = await store.getEnvironment('web', 'dev');
    await store.completeDestroy(env.id, destroying?.generation ?? 0, fence);
    assert.equal((await store.getDeployment(deployment.id))?.state, 'inactive');
    assert.deepEqual(await store.waitingDeployments(), []);
    await deliver(store, [signal({ state: 'success', conclusion: 'success', order: [10, 0, 2] })]);
    assert.equal((await store.getEnvironment('web', 'dev'))?.generation, destroying?.generation);
  });
}
