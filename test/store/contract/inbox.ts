import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DispatchResult, InboxStore, NewDelivery } from '../../../src/store/store.js';
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

const TEST_DISPATCHER = 'test-dispatcher';

/**
 * Finishes deliveries as a dispatcher does: claims what is pending (for an hour, as one
 * dispatcher for the whole test), then finishes these results under that claim. Resolves to
 * the ids applied.
 */
export async function finishPending(store: InboxStore, results: DispatchResult[]): Promise<string[]> {
  await store.claimDeliveries(TEST_DISPATCHER, 100_000, 3_600_000);
  return store.finishDeliveries(TEST_DISPATCHER, results);
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
    await finishPending(store, [{ id: 'r2', status: 'ignored', error: null, processedAt: 1 }]);
    assert.deepEqual((await store.listDeliveries({ limit: 10, repository: 'acme/web', status: 'pending' })).map((d) => d.id), ['r3', 'r0']);
    assert.deepEqual(await store.listDeliveries({ limit: 10, repository: 'acme/nothing' }), []);
  });
}

/** Claims by several dispatchers sharing the store (replicas on one database). */
export function claimsContract(open: StoreFactory): void {
  const HOUR = 3_600_000;
  const ids = (deliveries: readonly { id: string }[]) => deliveries.map((d) => d.id);
  const processed = (...list: string[]) => list.map((id) => ({ id, status: 'processed' as const, error: null, processedAt: Date.now() }));
  /** Long enough past a 1 ms claim, on a loaded machine too. */
  const expire = () => new Promise((resolve) => setTimeout(resolve, 50));

  test('two holders never claim the same delivery; a holder claiming again renews its own, in arrival order', async (t) => {
    const store = await open(t);
    for (const [i, repository] of ['acme/a', 'acme/b', 'acme/c', 'acme/d'].entries()) await store.insertDelivery(delivery(`d${i}`, { repository }));
    assert.deepEqual(ids(await store.claimDeliveries('A', 2, HOUR)), ['d0', 'd1']);
    assert.deepEqual(ids(await store.claimDeliveries('B', 10, HOUR)), ['d2', 'd3']);
    assert.deepEqual(ids(await store.claimDeliveries('C', 10, HOUR)), [], 'all are held');
    assert.deepEqual(ids(await store.claimDeliveries('A', 10, HOUR)), ['d0', 'd1'], 'its own again, nobody else\'s');
    const [first] = await store.claimDeliveries('A', 1, HOUR);
    assert.equal(first?.status, 'pending');
    assert.equal(first?.repository, 'acme/a');
    assert.equal('payload' in (first ?? {}), false, 'claimed deliveries come without payloads');
  });

  test('a repository whose delivery another holder claims is left alone, whatever the case of its name; other repositories are not', async (t) => {
    const store = await open(t);
    await store.insertDelivery(delivery('web-1', { repository: 'Acme/Web' }));
    await store.insertDelivery(delivery('docs-1', { repository: 'acme/docs' }));
    await store.insertDelivery(delivery('web-2', { repository: 'acme/web' }));
    await store.insertDelivery(delivery('none-1', { repository: null }));
    await store.insertDelivery(delivery('none-2', { repository: null }));
    assert.deepEqual(ids(await store.claimDeliveries('A', 1, HOUR)), ['web-1']);
    assert.deepEqual(ids(await store.claimDeliveries('B', 10, HOUR)), ['docs-1', 'none-1', 'none-2'], 'not web-2 while A holds web-1');
    assert.deepEqual(ids(await store.claimDeliveries('C', 10, HOUR)), [], 'deliveries of no repository are one group: B holds it');
    assert.deepEqual(await store.finishDeliveries('A', processed('web-1')), ['web-1']);
    assert.deepEqual(ids(await store.claimDeliveries('C', 10, HOUR)), ['web-2'], 'once web-1 is applied, its repository is free');
  });

  test('a delivery is claimed only with every earlier pending one of its repository, so a replayed one goes first', async (t) => {
    const store = await open(t);
    for (const id of ['w1', 'w2']) await store.insertDelivery(delivery(id, { repository: 'acme/web' }));
    await store.claimDeliveries('A', 1, HOUR);
    assert.deepEqual(await store.finishDeliveries('A', processed('w1')), ['w1']);
    assert.deepEqual(ids(await store.claimDeliveries('B', 10, HOUR)), ['w2']);
    // Replayed while B holds a later delivery of its repository: B's repository, so B's, first.
    assert.equal(await store.requeueDelivery('w1'), true);
    assert.deepEqual(ids(await store.claimDeliveries('A', 10, HOUR)), []);
    assert.deepEqual(ids(await store.claimDeliveries('B', 10, HOUR)), ['w1', 'w2']);
    assert.deepEqual(await store.finishDeliveries('B', processed('w1', 'w2')), ['w1', 'w2']);
  });

  test('a claim that ran out is taken over, and its old holder then applies nothing', async (t) => {
    const store = await open(t);
    await store.insertDelivery(delivery('slow', { repository: 'acme/web' }));
    await store.insertDelivery(delivery('next', { repository: 'acme/web' }));
    assert.deepEqual(ids(await store.claimDeliveries('A', 10, 1)), ['slow', 'next']);
    await expire();
    assert.deepEqual(ids(await store.claimDeliveries('B', 10, HOUR)), ['slow', 'next'], 'taken over, the repository with it');
    assert.deepEqual(await store.finishDeliveries('A', [{ id: 'slow', status: 'failed', error: 'late', processedAt: 1, hook: { id: '9', type: 'Repository', events: ['push'], repository: 'acme/web', seenAt: 1 } }]), []);
    assert.equal((await store.getDelivery('slow'))?.status, 'pending', 'the old holder changed nothing');
    assert.deepEqual(await store.listHooks(), [], 'nor applied its effects');
    assert.deepEqual(ids(await store.claimDeliveries('A', 10, HOUR)), [], 'and cannot claim it back while B holds it');
    assert.deepEqual(await store.finishDeliveries('B', processed('slow', 'next')), ['slow', 'next']);
    assert.equal((await store.getDelivery('slow'))?.status, 'processed');
  });

  test('a claim that ran out but was not taken over still lets its holder finish', async (t) => {
    const store = await open(t);
    await store.insertDelivery(delivery('late'));
    await store.claimDeliveries('A', 10, 1);
    await expire();
    assert.deepEqual(await store.finishDeliveries('A', processed('late')), ['late']);
  });

  test('only the holder of a claim finishes the delivery, and only once', async (t) => {
    const store = await open(t);
    await store.insertDelivery(delivery('d1'));
    await store.insertDelivery(delivery('d2', { repository: 'acme/other' }));
    assert.deepEqual(await store.finishDeliveries('A', processed('d1')), [], 'nobody claimed it');
    await store.claimDeliveries('A', 1, HOUR);
    assert.deepEqual(await store.finishDeliveries('B', processed('d1')), [], 'A claimed it, not B');
    assert.deepEqual(await store.finishDeliveries('A', [...processed('d1'), ...processed('d2')]), ['d1'], 'd2 is not claimed by A');
    assert.deepEqual(await store.finishDeliveries('A', processed('d1')), [], 'applied once');
    assert.equal((await store.getDelivery('d2'))?.status, 'pending');
    assert.deepEqual(await store.finishDeliveries('A', processed('unknown')), []);
  });

  test('released claims are free at once; releasing touches no other holder\'s', async (t) => {
    const store = await open(t);
    await store.insertDelivery(delivery('a1', { repository: 'acme/a' }));
    await store.insertDelivery(delivery('b1', { repository: 'acme/b' }));
    await store.claimDeliveries('A', 1, HOUR);
    await store.claimDeliveries('B', 1, HOUR);
    await store.releaseDeliveries('A');
    assert.deepEqual(ids(await store.claimDeliveries('C', 10, HOUR)), ['a1'], 'b1 stays B\'s');
    assert.deepEqual(await store.finishDeliveries('A', processed('a1')), [], 'a released claim is no claim');
    assert.deepEqual(await store.finishDeliveries('B', processed('b1')), ['b1']);
  });
}
