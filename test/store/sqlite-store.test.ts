import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { DATABASE_FILE, SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';
import { delivery, finishPending } from './contract/inbox.js';

test('payloads read back exactly as sent, by id, and are stored compressed', async (t) => {
  const dir = tempDir(t);
  const store = await SqliteStore.open(dir);
  const text = JSON.stringify({ body: 'é ✓ 🚀 '.repeat(2000), n: 1 });
  await store.insertDelivery(delivery('big', { payload: Buffer.from(text) }));
  await store.insertDelivery(delivery('small'));
  const payloads = await store.deliveryPayloads(['big', 'small', 'missing']);
  assert.deepEqual([...payloads.keys()], ['big', 'small']);
  assert.equal(payloads.get('big'), text);
  assert.equal((await store.getDelivery('big'))?.payload, text);
  await store.close();
  const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
  t.after(() => db.close());
  const stored = db.prepare('SELECT length(body) FROM delivery_payloads ORDER BY seq LIMIT 1').pluck().get() as number;
  assert.ok(stored < Buffer.byteLength(text) / 10, `${stored} bytes stored for ${Buffer.byteLength(text)}`);
});

test('concurrent inserts share commits and all survive a reopen', async (t) => {
  const dir = tempDir(t);
  const store = await SqliteStore.open(dir);
  const outcomes = await Promise.all(Array.from({ length: 500 }, (_, i) => store.insertDelivery(delivery(`d${i}`))));
  assert.ok(outcomes.every((outcome) => outcome === 'inserted'));
  await store.close();
  const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
  t.after(() => db.close());
  assert.equal(db.prepare('SELECT count(*) FROM deliveries').pluck().get(), 500);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
});

test('listing pages newest first and filters by event and status', async (t) => {
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  for (let i = 0; i < 5; i += 1) await store.insertDelivery(delivery(`p${i}`, { event: i % 2 === 0 ? 'push' : 'ping' }));
  const first = await store.listDeliveries({ limit: 2 });
  assert.deepEqual(first.map((d) => d.id), ['p4', 'p3']);
  assert.equal('payload' in (first[0] ?? {}), false, 'summaries carry no payload');
  const second = await store.listDeliveries({ limit: 2, beforeSeq: first[1]?.seq });
  assert.deepEqual(second.map((d) => d.id), ['p2', 'p1']);
  const pings = await store.listDeliveries({ limit: 10, event: 'ping' });
  assert.deepEqual(pings.map((d) => d.id), ['p3', 'p1']);
  await finishPending(store, [{ id: 'p0', status: 'failed', error: 'bad', processedAt: 1 }]);
  const failed = await store.listDeliveries({ limit: 10, status: 'failed' });
  assert.deepEqual(failed.map((d) => [d.id, d.error]), [['p0', 'bad']]);
});

test('finishing applies status and effects once, in arrival order of the claim', async (t) => {
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  for (const id of ['x', 'y', 'z']) await store.insertDelivery(delivery(id));
  const claimed = await store.claimDeliveries('d', 10, 60_000);
  assert.deepEqual(claimed.map((d) => d.id), ['x', 'y', 'z']);
  assert.equal('payload' in (claimed[0] ?? {}), false, 'claimed rows come without payloads');
  const hook = { id: '42', type: 'Repository', events: ['push'], repository: 'acme/web', seenAt: 5 };
  const applied = await store.finishDeliveries('d', [
    { id: 'x', status: 'processed', error: null, processedAt: 5, hook },
    { id: 'y', status: 'ignored', error: null, processedAt: 5 },
  ]);
  assert.deepEqual(applied, ['x', 'y']);
  const again = await store.finishDeliveries('d', [
    { id: 'x', status: 'failed', error: 'late', processedAt: 6, hook: { ...hook, events: ['ping'] } },
  ]);
  assert.deepEqual(again, [], 'a delivery that is no longer pending is not applied again');
  assert.equal((await store.getDelivery('x'))?.status, 'processed');
  assert.deepEqual(await store.listHooks(), [hook]);
  assert.deepEqual((await store.claimDeliveries('d', 10, 60_000)).map((d) => d.id), ['z']);
  assert.deepEqual(await store.backlog(), { pending: 1, oldestReceivedAt: (await store.getDelivery('z'))?.receivedAt });
});

test('claims left by an earlier run are stale at the next open: the data folder was locked to it', async (t) => {
  const dir = tempDir(t);
  const before = await SqliteStore.open(dir);
  await before.insertDelivery(delivery('held'));
  assert.deepEqual((await before.claimDeliveries('crashed', 10, 3_600_000)).map((d) => d.id), ['held']);
  await before.close();
  const after = await SqliteStore.open(dir);
  t.after(() => after.close());
  assert.deepEqual((await after.claimDeliveries('next', 10, 60_000)).map((d) => d.id), ['held']);
});

test('leases left by an earlier run are stale at the next open: what it was deploying is interrupted then', async (t) => {
  const dir = tempDir(t);
  const before = await SqliteStore.open(dir);
  await before.changeEnvironments([{ kind: 'pin', app: 'web', env: 'qa', sha: 'a'.repeat(40), trigger: 'cli.deploy' }], 'cli');
  const env = await before.getEnvironment('web', 'qa');
  assert.ok(env);
  const fence = { lease: 'env:web/qa', token: (await before.acquireLease('env:web/qa', 'crashed', 3_600_000)) ?? 0 };
  const running = await before.beginDeployment({ environmentId: env.id, generation: env.generation, sha: 'a'.repeat(40), ref: null, trigger: null, deliveryId: null, fence });
  assert.equal(await before.interruptDeployments(), 0, 'its lease is held while this run has the store');
  await before.close();
  const after = await SqliteStore.open(dir);
  t.after(() => after.close());
  assert.equal(await after.interruptDeployments(), 1);
  assert.equal((await after.getDeployment(running.id))?.state, 'error');
  assert.equal((await after.getEnvironment('web', 'qa'))?.state, 'pending');
  await assert.rejects(after.completeDeployment({ id: running.id, state: 'success', error: null, log: '', url: null, fence }), { code: 'lease_lost' });
});

test('leases: one holder at a time, fencing tokens grow with each tenure', async (t) => {
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  assert.equal(await store.acquireLease('env', 'a', 60_000), 1);
  assert.equal(await store.acquireLease('env', 'b', 60_000), null, 'held by a');
  assert.equal(await store.acquireLease('env', 'a', 60_000), 1, 'renewal keeps the token');
  await store.releaseLease('env', 'a');
  assert.equal(await store.acquireLease('env', 'b', 1), 2);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(await store.acquireLease('env', 'a', 60_000), 3, 'an expired lease can be taken over');
  await store.releaseLease('env', 'b');
  assert.equal(await store.acquireLease('env', 'b', 60_000), null, 'releasing a lease one does not hold changes nothing');
});

test('a data folder is used by one process; a lock left by a dead one is taken over', async (t) => {
  const dir = tempDir(t);
  const lock = join(dir, 'slipway.lock');
  // The test runner that started this file is alive and is not us: its lock holds.
  writeFileSync(lock, `${process.ppid}\n`);
  await assert.rejects(SqliteStore.open(dir), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'store_locked');
    assert.match(error.message, new RegExp(`in use by another slipway \\(pid ${process.ppid}\\)`));
    return true;
  });
  // A pid that cannot be running: the lock is stale.
  writeFileSync(lock, '4194304\n');
  const store = await SqliteStore.open(dir);
  t.after(() => store.close());
  assert.equal(readFileSync(lock, 'utf8').trim(), String(process.pid));
  await store.close();
  assert.equal(existsSync(lock), false, 'close removes the lock');
});

test('a corrupt database file fails to open with a clear error and releases the lock', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, DATABASE_FILE), 'this is not a database, just text long enough to be read as one'.repeat(100));
  await assert.rejects(SqliteStore.open(dir), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'store_open');
    assert.match(error.message, /slipway\.db/);
    return true;
  });
  await assert.rejects(SqliteStore.open(dir), { code: 'store_open' }, 'not store_locked: the failed open released it');
});

test('migrations run once; running them again is harmless', (t) => {
  const db = new Database(join(tempDir(t), 'm.db'));
  t.after(() => db.close());
  assert.deepEqual(migrate(db), MIGRATIONS.map((m) => m.version));
  assert.deepEqual(migrate(db), []);
  assert.equal(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get(), MIGRATIONS.length);
});

test('calls after close reject instead of hanging', async (t) => {
  const store = await SqliteStore.open(tempDir(t));
  await store.close();
  await assert.rejects(store.insertDelivery(delivery('late')), { code: 'store_closed' });
});

test('a database made before incremental auto-vacuum is rewritten once at open to use it, saying so first; its data stays', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, DATABASE_FILE);
  const old = new Database(file);
  old.pragma('journal_mode = WAL');
  migrate(old);
  old.prepare(`INSERT INTO deliveries (id, event, received_at, status) VALUES ('kept', 'push', 1, 'processed')`).run();
  assert.equal(old.pragma('auto_vacuum', { simple: true }), 0);
  old.close();

  const notices: string[] = [];
  const store = await SqliteStore.open(dir, (message) => notices.push(message));
  assert.equal((await store.getDelivery('kept'))?.event, 'push');
  await store.close();
  assert.equal(notices.length, 1, 'the rewrite is announced before it starts');
  assert.match(notices[0] ?? '', /^rewriting the store \(\d+(\.\d+)? ?[KMG]?i?B\) once with VACUUM, .* about 35 s per GB/);
  const again: string[] = [];
  await (await SqliteStore.open(dir, (message) => again.push(message))).close();
  assert.deepEqual(again, [], 'once');
  const reopened = new Database(file, { readonly: true });
  t.after(() => reopened.close());
  assert.equal(reopened.pragma('auto_vacuum', { simple: true }), 2, 'INCREMENTAL');
  assert.equal(reopened.pragma('journal_mode', { simple: true }), 'wal');
});
