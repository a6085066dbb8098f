import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreFactory } from './factory.js';
import { delivery, finishPending } from './inbox.js';

/** The sizes part of the Store contract: what `slipway status` reports of the store. */
export function sizesContract(open: StoreFactory): void {
  test('sizes: inbox rows by status, environment and deployment rows, log bytes and bytes on disk', async (t) => {
    const store = await open(t);
    const empty = await store.sizes();
    assert.deepEqual(empty.deliveries, { pending: 0, processed: 0, ignored: 0, failed: 0 });
    assert.equal(empty.environments, 0);
    assert.equal(empty.deployments, 0);
    assert.equal(empty.deploymentLogBytes, 0);

    for (const id of ['a', 'b', 'c']) await store.insertDelivery(delivery(id));
    await finishPending(store, [{ id: 'a', status: 'ignored', error: null, processedAt: Date.now() }]);
    const follow = (env: string) => ({ kind: 'follow' as const, app: 'web', env, ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'push' });
    await store.changeEnvironments([follow('one'), follow('two')], 'test');
    const env = await store.getEnvironment('web', 'one');
    assert.ok(env);
    const fence = { lease: `env:${env.id}`, token: (await store.acquireLease(`env:${env.id}`, 'test', 60_000)) ?? 0 };
    const begun = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha: 'a'.repeat(40), ref: env.desiredRef, trigger: 'push', deliveryId: null, fence });
    // Bytes, not characters: "é" is two.
    await store.completeDeployment({ id: begun.id, state: 'success', error: null, log: 'built é\n', url: null, fence });

    const sizes = await store.sizes();
    assert.deepEqual(sizes.deliveries, { pending: 2, processed: 0, ignored: 1, failed: 0 });
    assert.equal(sizes.environments, 2);
    assert.equal(sizes.deployments, 1);
    assert.equal(sizes.deploymentLogBytes, Buffer.byteLength('built é\n'));
    assert.ok(sizes.bytes > 0, 'the store takes room on disk');
  });
}
