import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EnvironmentChange } from '../../src/domain/environments.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { testDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp.js';
import type { StoreFactory } from './contract/factory.js';
import { delivery, finishPending } from './contract/inbox.js';

/**
 * What the contract suite leaves to the engine's tests (which run on SQLite): hooks and the
 * recovery of missed deliveries, runtime reports, sleep and use, signals read outside a
 * delivery. Run on both stores, so the PostgreSQL one is held to what the SQLite one does.
 */
const stores: [string, StoreFactory][] = [
  ['SQLite', async (t) => {
    const store = await SqliteStore.open(tempDir(t));
    t.after(() => store.close());
    return store;
  }],
  ['PostgreSQL', async (t) => (await testDatabase(t)).open({ poolSize: 4 })],
];

const follow = (env: string): EnvironmentChange => ({ kind: 'follow', app: 'web', env, ref: `refs/heads/${env}`, shaHint: null, pr: null, branch: env, ttlMs: null, trigger: 'push' });

async function leased(store: Store, env: string) {
  await store.changeEnvironments([follow(env)], 'test');
  const found = await store.getEnvironment('web', env);
  assert.ok(found);
  const fence = { lease: `env:${found.id}`, token: (await store.acquireLease(`env:${found.id}`, 'r', 60_000)) ?? 0 };
  return { env: found, fence };
}

for (const [name, open] of stores) {
  describe(`the ${name} store beyond the contract`, () => {
    test('hooks: a ping records its hook, a later one replaces it; repository hooks come from pings and deliveries', async (t) => {
      const store = await open(t);
      await store.insertDelivery(delivery('p1', { hookId: '7', repository: 'acme/web' }));
      await store.insertDelivery(delivery('p2', { hookId: '9', repository: 'acme/api' }));
      await store.insertDelivery(delivery('p3', { hookId: '5', targetType: 'organization', repository: 'acme/org' }));
      const hook = { id: '7', type: 'Repository', events: ['push', 'pull_request'], repository: 'acme/web', seenAt: 5 };
      await finishPending(store, [{ id: 'p1', status: 'processed', error: null, processedAt: 5, hook }]);
      await finishPending(store, [{ id: 'p2', status: 'processed', error: null, processedAt: 6, hook: { id: '3', type: 'Organization', events: ['*'], repository: null, seenAt: 6 } }]);
      assert.deepEqual(await store.listHooks(), [{ id: '3', type: 'Organization', events: ['*'], repository: null, seenAt: 6 }, hook]);
      assert.deepEqual(await store.repositoryHooks(), [{ hookId: '9', repository: 'acme/api' }, { hookId: '7', repository: 'acme/web' }],
        'the organization hook and the delivery of an organization hook are not repository hooks; hook 7 is listed once');
      await store.insertDelivery(delivery('p4'));
      await finishPending(store, [{ id: 'p4', status: 'processed', error: null, processedAt: 7, hook: { ...hook, events: ['push'], seenAt: 7 } }]);
      assert.deepEqual((await store.listHooks()).find((h) => h.id === '7'), { ...hook, events: ['push'], seenAt: 7 });
    });

    test('recovery: the position only moves forward, asked deliveries are not asked again until forgotten, in the order given', async (t) => {
      const store = await open(t);
      assert.equal(await store.recoveryPosition('app'), null);
      await store.insertDelivery(delivery('in-inbox'));
      assert.deepEqual(await store.missedDeliveries(['c', 'in-inbox', 'a', 'b']), ['c', 'a', 'b']);
      await store.recordRecovery({ hook: 'app', position: 100, asked: ['a', 'a'], forgetBefore: 0 });
      assert.equal(await store.recoveryPosition('app'), 100);
      assert.deepEqual(await store.missedDeliveries(['c', 'in-inbox', 'a', 'b']), ['c', 'b']);
      await store.recordRecovery({ hook: 'app', position: 40, asked: [], forgetBefore: 0 });
      assert.equal(await store.recoveryPosition('app'), 100, 'never back');
      await store.recordRecovery({ hook: 'app', asked: ['b'], forgetBefore: 0 });
      assert.equal(await store.recoveryPosition('app'), 100, 'a run that stopped early leaves it');
      assert.equal(await store.recoveryPosition('42'), null, 'per hook');
      await store.recordRecovery({ hook: 'app', asked: [], forgetBefore: Date.now() + 1000 });
      assert.deepEqual(await store.missedDeliveries(['a', 'b']), ['a', 'b'], 'forgotten asks may be asked again');
    });

    test('a runtime report is kept; a crash loop fails the environment and says so on its last deployment', async (t) => {
      const store = await open(t);
      const { env, fence } = await leased(store, 'main');
      const deployment = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha: 'a'.repeat(40), ref: null, trigger: null, deliveryId: null, fence });
      await store.completeDeployment({ id: deployment.id, state: 'success', error: null, log: '', url: null, fence });
      await store.recordRuntime({ app: 'web', env: 'main', restarts: 2, lastExit: 'code 1', crashed: false });
      const restarted = await store.getEnvironment('web', 'main');
      assert.deepEqual([restarted?.restarts, restarted?.lastExit, restarted?.state], [2, 'code 1', 'ready']);
      await store.recordRuntime({ app: 'web', env: 'main', restarts: 5, lastExit: 'signal SIGKILL', crashed: true });
      assert.equal((await store.getEnvironment('web', 'main'))?.state, 'failed');
      assert.equal((await store.getDeployment(deployment.id))?.timeline.at(-1)?.message,
        'the process keeps crashing and is no longer restarted after 5 restarts (last exit: signal SIGKILL)');
      await store.recordRuntime({ app: 'web', env: 'nowhere', restarts: 1, lastExit: null, crashed: true });
      assert.equal(await store.getEnvironment('web', 'nowhere'), null);
    });

    test('sleep and use: a slept environment reads sleeping until woken (counted); uses keep the newest time of live environments', async (t) => {
      const store = await open(t);
      const { env, fence } = await leased(store, 'main');
      const deployment = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha: 'a'.repeat(40), ref: null, trigger: null, deliveryId: null, fence });
      await store.completeDeployment({ id: deployment.id, state: 'success', error: null, log: '', url: null, fence });
      await store.markSleeping(env.id, true, fence);
      const asleep = await store.getEnvironment('web', 'main');
      assert.equal(asleep?.state, 'sleeping');
      assert.equal(typeof asleep?.sleptAt, 'number');
      await store.markSleeping(env.id, false, fence);
      const awake = await store.getEnvironment('web', 'main');
      assert.deepEqual([awake?.state, awake?.sleptAt, awake?.wakes], ['ready', null, 1]);
      await store.markSleeping(env.id, false, fence);
      assert.equal((await store.getEnvironment('web', 'main'))?.wakes, 1, 'waking an awake one counts nothing');
      await assert.rejects(store.markSleeping(env.id, true, { ...fence, token: fence.token + 1 }), { code: 'lease_lost' });

      const at = (awake?.usedAt ?? 0) + 1000;
      await store.recordUse([{ app: 'web', env: 'main', at }, { app: 'web', env: 'main', at: at + 5 }, { app: 'web', env: 'none', at }]);
      assert.equal((await store.getEnvironment('web', 'main'))?.usedAt, at + 5);
      await store.recordUse([{ app: 'web', env: 'main', at: at - 1 }]);
      assert.equal((await store.getEnvironment('web', 'main'))?.usedAt, at + 5, 'an older use changes nothing');
      await store.changeEnvironments([{ kind: 'destroy', app: 'web', env: 'main', reason: 'x', trigger: 'x' }], 'test');
      await store.recordUse([{ app: 'web', env: 'main', at: at + 10 }]);
      assert.equal((await store.getEnvironment('web', 'main'))?.usedAt, at + 5, 'a destroyed one is not used');
      await store.recordUse([]);
    });

    test('signals read outside a delivery are kept and wake what waits on their sha', async (t) => {
      const store = await open(t);
      const { env, fence } = await leased(store, 'main');
      const sha = 'c'.repeat(40);
      await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha, ref: null, trigger: null, deliveryId: null, fence, waiting: 'gate: waiting for check ci' });
      await store.markConverged(env.id, env.generation, fence);
      const before = Date.now();
      await store.recordSignals([{ apps: ['web'], signal: { repo: 'acme/web', sha, kind: 'status', name: 'ci', app: null, state: 'success', conclusion: 'success', url: null, order: [1, 0, 0], receivedAt: 1 } }]);
      assert.equal((await store.signalsFor('acme/WEB', sha))[0]?.state, 'success');
      const woken = await store.getEnvironment('web', 'main');
      assert.equal(woken?.generation, env.generation + 1);
      assert.equal(woken?.lastTrigger, 'status');
      assert.ok((woken?.requestedAt ?? 0) >= before, 'no delivery: the latency counts from when it was read');
    });
  });
}
