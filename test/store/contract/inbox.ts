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
}
