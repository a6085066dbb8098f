import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createListenClient } from '../../src/store/postgres/connection.js';
import { WorkListener } from '../../src/store/postgres/work-listener.js';
import type { EnvironmentChange } from '../../src/domain/environments.js';
import type { PgStore } from '../../src/store/postgres/pg-store.js';
import type { ChangeTopic, WorkKind } from '../../src/store/store.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';
import { seedDeployments } from '../helpers/seed.js';
import { eventually } from '../helpers/webhook.js';
import { delivery } from './contract/inbox.js';

// Word of work between replicas: two PgStores on one database stand for two slipway replicas.
// What one writes wakes the other's listeners through LISTEN/NOTIFY, with nothing polled.

const follow: EnvironmentChange = { kind: 'follow', app: 'web', env: 'qa', ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'push' };

/** What a replica's listener hears, from the moment it listens (the word of every kind it hears then is left out). */
async function listening(store: PgStore): Promise<{ heard: WorkKind[]; stop: () => void }> {
  const heard: WorkKind[] = [];
  const stop = store.onWork((kind) => heard.push(kind));
  await eventually(async () => (heard.includes('deliveries') && heard.includes('environments') ? true : undefined), 20_000);
  heard.length = 0;
  return { heard, stop };
}

const hears = (heard: WorkKind[], kinds: WorkKind[]) =>
  eventually(async () => (heard.length >= kinds.length ? true : undefined), 20_000).then(() => assert.deepEqual(heard, kinds));

/** The connections that listen for word of work on the test's database. */
const listeners = async (db: TestDatabase) =>
  (await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'slipway-listen'`)).length;

test('what one replica brings wakes another: deliveries taken in, requeued or released, and desired state changed', async (t) => {
  const db = await testDatabase(t);
  const [one, other] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  const { heard } = await listening(other);

  await one.insertDelivery(delivery('d1'));
  await hears(heard, ['deliveries']);
  heard.length = 0;

  // Claiming and finishing tell nothing of deliveries (no dispatcher has new work then); a
  // change the delivery brings wakes the reconcilers. Word comes in commit order.
  assert.equal((await one.claimDeliveries('a', 10, 60_000)).length, 1);
  assert.deepEqual(await one.finishDeliveries('a', [{ id: 'd1', status: 'processed', error: null, processedAt: 5, changes: [follow] }]), ['d1']);
  await hears(heard, ['environments']);
  heard.length = 0;

  // What the reconciler records says nothing; a requeued delivery does.
  const env = await one.getEnvironment('web', 'qa');
  assert.ok(env);
  const token = await one.acquireLease('env:web/qa', 'r', 60_000);
  await one.markConverged(env.id, env.generation, { lease: 'env:web/qa', token: token ?? 0 });
  assert.equal(await one.requeueDelivery('d1'), true);
  await hears(heard, ['deliveries']);
  heard.length = 0;

  // A renewed claim says nothing; a released one does: another dispatcher may take it now.
  await one.claimDeliveries('a', 10, 60_000);
  await one.claimDeliveries('a', 10, 60_000);
  await one.releaseDeliveries('a');
  await one.changeEnvironments([{ kind: 'nudge', app: 'web', env: 'qa', trigger: 'resync' }], 'resync');
  await hears(heard, ['deliveries', 'environments']);
});

test('a comment asked for on one replica, or asked again, wakes another (the one that reports); clearing it says nothing', async (t) => {
  const db = await testDatabase(t);
  const [one, other] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  const { heard } = await listening(other);
  await one.requestComments([{ repo: 'acme/web', pr: 7 }]);
  await hears(heard, ['comments']);
  heard.length = 0;
  // Word comes in commit order: a word of the clear would come before the delivery's.
  await one.clearCommentRequests(await one.commentRequests(10));
  await one.insertDelivery(delivery('d1'));
  await hears(heard, ['deliveries']);
  heard.length = 0;
  await one.requestComments([{ repo: 'acme/web', pr: 8 }]);
  await one.requestComments([{ repo: 'Acme/Web', pr: 8 }]);
  await hears(heard, ['comments', 'comments']);
});

test('what one replica records for the notifier wakes another\'s: events of deployments and destroys, a failed notification resent', async (t) => {
  const db = await testDatabase(t);
  const [one, other] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  const { heard } = await listening(other);

  // A deployment that begins records nothing for the notifier; one that ends does.
  await one.changeEnvironments([follow], 'push');
  await seedDeployments(one, 'web', 'qa', [{ state: 'success', sha: 'a'.repeat(40) }]);
  await hears(heard, ['environments', 'notifications']);
  heard.length = 0;

  // Queueing, trying and failing are the notifier's own doing; a resend asks it to try again.
  const [event] = await one.recordedEvents(10);
  assert.ok(event);
  await one.queueNotifications([{ seq: event.seq, notifications: [{ id: 'n1', receiver: 'chat' }] }]);
  await one.recordAttempt({ id: 'n1', at: Date.now(), state: 'failed', status: 400, answer: 'no', error: 'answered 400' });
  assert.equal(await one.resendNotification('n1'), true);
  await one.changeEnvironments([{ kind: 'destroy', app: 'web', env: 'qa', reason: 'test', trigger: 'test' }], 'test');
  await hears(heard, ['notifications', 'environments']);
});

test('what one replica changes reaches another\'s dashboard, by topic; claims and uses recorded say nothing', async (t) => {
  const db = await testDatabase(t);
  const [one, other] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  const heard: ChangeTopic[] = [];
  other.onChange((topic) => heard.push(topic));
  // Once listening, every topic is told: what changed before is shown afresh.
  await eventually(async () => (heard.length >= 3 ? true : undefined), 20_000);
  assert.deepEqual([...heard].sort(), ['deliveries', 'deployments', 'environments']);
  heard.length = 0;
  /** The topics heard once `step` has committed and word of it came (a later step's word comes after). */
  const topics = async (step: () => Promise<unknown>, expected: ChangeTopic[]) => {
    await step();
    await eventually(async () => (expected.every((topic) => heard.includes(topic)) ? true : undefined), 20_000);
    assert.deepEqual([...new Set(heard)].sort(), [...expected].sort());
    heard.length = 0;
  };

  await topics(() => one.insertDelivery(delivery('d1')), ['deliveries']);
  // Word comes in commit order: a claim before a change of environments would be heard first.
  await one.claimDeliveries('a', 10, 60_000);
  await topics(() => one.changeEnvironments([follow], 'push'), ['environments']);
  await topics(() => one.finishDeliveries('a', [{ id: 'd1', status: 'processed', error: null, processedAt: 5 }]), ['deliveries']);
  await one.recordUse([{ app: 'web', env: 'qa', at: Date.now() }]);
  await topics(() => one.insertDelivery(delivery('d2')), ['deliveries']);
  await topics(() => seedDeployments(one, 'web', 'qa', [{ state: 'failure', sha: 'b'.repeat(40) }]), ['deployments', 'environments']);
});

test('a listener that stops hears nothing more; the others still do', async (t) => {
  const db = await testDatabase(t);
  const [one, other] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  const first = await listening(other);
  const second: WorkKind[] = [];
  other.onWork((kind) => second.push(kind));
  first.stop();
  await one.insertDelivery(delivery('d1'));
  await hears(second, ['deliveries']);
  assert.deepEqual(first.heard, []);
  assert.equal(await listeners(db), 1, 'one connection listens for all of a store\'s listeners');
});

test('the listening connection, dropped, is made again; its listeners then hear every kind, as work may have gone unheard', async (t) => {
  const db = await testDatabase(t);
  const [one, other] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  const { heard } = await listening(other);
  const killed = await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'slipway-listen'`);
  assert.equal(killed.length, 1);
  // Whatever was taken in while nobody listened went unheard: the word at reconnecting covers it.
  await eventually(async () => (heard.includes('deliveries') && heard.includes('environments') ? true : undefined), 20_000);
  heard.length = 0;
  await one.insertDelivery(delivery('heard'));
  await hears(heard, ['deliveries']);
  assert.equal(await listeners(db), 1);
  await other.close();
  await eventually(async () => ((await listeners(db)) === 0 ? true : undefined), 10_000);
});

test('a store nobody listens to keeps no listening connection', async (t) => {
  const db = await testDatabase(t);
  const store = await db.open({ poolSize: 2 });
  await store.insertDelivery(delivery('d1'));
  assert.equal(await listeners(db), 0);
});

test('a store closed hears nothing and opens no listening connection', async (t) => {
  const db = await testDatabase(t);
  const store = await db.open({ poolSize: 2 });
  await store.close();
  const heard: WorkKind[] = [];
  store.onWork((kind) => heard.push(kind));
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(heard, []);
  assert.equal(await listeners(db), 0);
});

test('a listener whose server cannot be reached keeps trying, backing off, and listens once it can', async (t) => {
  const db = await testDatabase(t);
  const store = await db.open({ poolSize: 2 });
  // Stands in for a server that is down, then up: it drops every connection until `up`, then
  // passes them through to the test server.
  const server = new URL(db.url);
  let up = false;
  let tries = 0;
  const sockets = new Set<Socket>();
  const proxy = createServer((socket) => {
    sockets.add(socket);
    tries += 1;
    if (!up) return socket.destroy();
    const upstream = connect(Number(server.port || 5432), server.hostname);
    sockets.add(upstream);
    socket.pipe(upstream).pipe(socket);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const through = new URL(db.url);
  through.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const listener = new WorkListener(() => createListenClient(through.href, { connectTimeoutMs: 5000 }));
  t.after(async () => {
    await listener.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });
  const heard: WorkKind[] = [];
  listener.onWork((kind) => heard.push(kind));
  await eventually(async () => (tries >= 3 ? true : undefined), 20_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(heard.length, 0, 'nothing heard while it cannot listen');
  assert.ok(tries < 10, `backs off: ${tries} tries`);
  up = true;
  await eventually(async () => (heard.includes('deliveries') && heard.includes('environments') ? true : undefined), 40_000);
  heard.length = 0;
  await store.insertDelivery(delivery('d1'));
  await hears(heard, ['deliveries']);
});
