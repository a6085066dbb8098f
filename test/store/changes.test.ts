import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChangeFeed, observe } from '../../src/store/changes.js';
import type { ChangeTopic, Store } from '../../src/store/store.js';
import { eventually } from '../helpers/webhook.js';

// A store whose writes succeed or fail as the test says; the feed is the real one.
function fakeStore(fail: { now: boolean }): Store {
  const write = async () => {
    if (fail.now) throw new Error('disk full');
  };
  return { changeEnvironments: write, insertDelivery: write, completeDeployment: write, listEnvironments: async () => [] } as unknown as Store;
}

test('writes that succeed are told once per burst with the topics they change; reads and failed writes are not', async () => {
  const feed = new ChangeFeed(30);
  const fail = { now: false };
  const store = observe(fakeStore(fail), feed);
  const heard: ChangeTopic[][] = [];
  const stop = feed.subscribe((topics) => heard.push([...topics].sort()));

  await store.changeEnvironments([], 'test');
  await store.insertDelivery({} as never);
  await store.listEnvironments();
  await eventually(async () => (heard.length > 0 ? true : undefined), 2000);
  assert.deepEqual(heard, [['deliveries', 'environments']], 'one notice for the burst');

  fail.now = true;
  await assert.rejects(store.completeDeployment({} as never), /disk full/);
  await store.listEnvironments();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(heard.length, 1, 'a failed write changed nothing');

  fail.now = false;
  await store.completeDeployment({} as never);
  await eventually(async () => (heard.length > 1 ? true : undefined), 2000);
  assert.deepEqual(heard[1], ['deployments', 'environments']);

  stop();
  await store.changeEnvironments([], 'test');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(heard.length, 2, 'nobody listens any more');
});
