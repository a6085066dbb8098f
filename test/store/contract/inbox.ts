import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NewDelivery } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';

/** A push delivery as ingest would insert it. */
export function delivery(id: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    id,
    event: 'push',
    action: null,
    hookId: '1',
    targetType: 'repository',
    targetId: '2',
    repository: 'acme/web',
    receivedAt: Date.now(),
    payload: Buffer.from(JSON.stringify({ ref: 'refs/heads/main' })),
    ...overrides,
  };
}

/** The inbox part of the Store contract: every store implementation passes it. */
export function inboxContract(open: StoreFactory): void {
  test('a delivery id is stored once; the second insert reports a duplicate', async (t) => {
    const store = await open(t);
    assert.equal(await store.insertDelivery(delivery('a')), 'inserted');
    assert.equal(await store.insertDelivery(delivery('a', { event: 'ping' })), 'duplicate');
    const stored = await store.getDelivery('a');
    assert.equal(stored?.event, 'push');
    assert.equal(stored?.status, 'pending');
    assert.equal(stored?.payload, JSON.stringify({ ref: 'refs/heads/main' }));
    assert.equal(await store.getDelivery('missing'), null);
  });

  test('listing filters by repository (case-insensitively, as GitHub names them) with the other filters and paging', async (t) => {
    const store = await open(t);
    const repos = ['acme/web', 'acme/docs', 'Acme/Web', 'acme/web', 'acme/webapp'];
    for (const [i, repository] of repos.entries()) await store.insertDelivery(delivery(`r${i}`, { repository, event: i === 3 ? 'ping' : 'push' }));
    await store.insertDelivery(delivery('none', { repository: null }));
    const web = await store.listDeliveries({ limit: 10, repository: 'acme/web' });
    assert.deepEqual(web.map((d) => d.id), ['r3', 'r2', 'r0'], 'neither acme/docs nor acme/webapp, nor a delivery about no repository');
    const first = await store.listDeliveries({ limit: 2, repository: 'ACME/WEB' });
    assert.deepEqual(first.map((d) => d.id), ['r3', 'r2']);
    const next = await store.listDeliveries({ limit: 2, repository: 'acme/web', beforeSeq: first[1]?.seq });
    assert.deepEqual(next.map((d) => d.id), ['r0']);
    assert.deepEqual((await store.listDeliveries({ limit: 10, repository: 'acme/web', event: 'push' })).map((d) => d.id), ['r2', 'r0']);
    await store.finishDeliveries([{ id: 'r2', status: 'ignored', error: null, processedAt: 1 }]);
    assert.deepEqual((await store.listDeliveries({ limit: 10, repository: 'acme/web', status: 'pending' })).map((d) => d.id), ['r3', 'r0']);
    assert.deepEqual(await store.listDeliveries({ limit: 10, repository: 'acme/nothing' }), []);
  });
}
