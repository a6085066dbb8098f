import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommentRequest } from '../../../src/store/reports.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';

/** The requests pending, as `repo#pr`, oldest ask first. */
const pending = async (store: Store) => (await store.commentRequests(10)).map((request) => `${request.repo}#${request.pr}`);

const find = async (store: Store, pr: number): Promise<CommentRequest> => {
  const found = (await store.commentRequests(10)).find((request) => request.pr === pr);
  assert.ok(found, `a request for #${pr}`);
  return found;
};

/**
 * The part of the Store contract for requests to bring pull request comments up to date: any
 * replica asks, the one that reports reads them and clears those it carried out.
 */
export function commentRequestsContract(open: StoreFactory): void {
  test('a comment asked for is kept until cleared; asking again (any case of the repository) keeps one request, as the newest ask', async (t) => {
    const store = await open(t);
    assert.deepEqual(await store.commentRequests(10), []);
    const before = Date.now();
    await store.requestComments([{ repo: 'acme/web', pr: 7 }]);
    await store.requestComments([{ repo: 'acme/web', pr: 8 }]);
    await store.requestComments([{ repo: 'acme/api', pr: 7 }]);
    const first = await find(store, 7);
    assert.ok(first.requestedAt >= before && first.requestedAt <= Date.now(), 'when it was asked');
    assert.deepEqual(await pending(store), ['acme/web#7', 'acme/web#8', 'acme/api#7']);

    await store.requestComments([{ repo: 'ACME/Web', pr: 7 }]);
    assert.equal((await pending(store)).length, 3, 'one request per pull request');
    assert.equal((await pending(store)).at(-1)?.toLowerCase(), 'acme/web#7', 'asked last, read last');
    assert.ok((await find(store, 7)).seq > first.seq);
    assert.deepEqual((await store.commentRequests(2)).map((request) => request.pr), [8, 7], 'at most the limit, oldest first');
  });

  test('one ask names several pull requests, one of them twice: a request each; asking for none changes nothing', async (t) => {
    const store = await open(t);
    await store.requestComments([{ repo: 'acme/web', pr: 7 }, { repo: 'acme/api', pr: 9 }, { repo: 'Acme/Web', pr: 7 }, { repo: 'acme/web', pr: 7 }]);
    await store.requestComments([]);
    assert.deepEqual((await pending(store)).map((key) => key.toLowerCase()).sort(), ['acme/api#9', 'acme/web#7']);
  });

  test('clearing forgets a request as it was read: one asked again meanwhile stays, and no later ask reuses its seq', async (t) => {
    const store = await open(t);
    await store.requestComments([{ repo: 'acme/web', pr: 7 }, { repo: 'acme/web', pr: 8 }]);
    const read = await store.commentRequests(10);
    // The comment of #7 is being written when a command asks for it again.
    await store.requestComments([{ repo: 'acme/web', pr: 7 }]);
    await store.clearCommentRequests(read);
    assert.deepEqual(await pending(store), ['acme/web#7'], 'the ask made while it was written stays');

    const again = await find(store, 7);
    await store.clearCommentRequests([again]);
    await store.clearCommentRequests([]);
    assert.deepEqual(await store.commentRequests(10), []);
    // A reporter that read the old ask and clears late (its lease ran out meanwhile) leaves the new one.
    await store.requestComments([{ repo: 'acme/web', pr: 7 }]);
    const newest = await find(store, 7);
    assert.ok(![again.seq, ...read.map((request) => request.seq)].includes(newest.seq), 'a seq is never used twice');
    await store.clearCommentRequests([again, ...read]);
    assert.deepEqual(await pending(store), ['acme/web#7']);
  });
}
