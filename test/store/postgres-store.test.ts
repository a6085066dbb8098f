import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import type { EnvironmentChange } from '../../src/domain/environments.js';
import { StoreError } from '../../src/store/errors.js';
import { createPool, parseUrl } from '../../src/store/postgres/connection.js';
import { Database } from '../../src/store/postgres/database.js';
import { applyMigrations, loadMigrations, migrate } from '../../src/store/postgres/migrations.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { ADMIN_URL, testDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp.js';
import { delivery } from './contract/inbox.js';

const LATEST = loadMigrations().at(-1)?.version ?? 0;

/** Asserts that `promise` fails with a StoreError of `code` whose message, and everything inspect shows of it, never holds `secret`. */
async function rejectsWithout(promise: Promise<unknown>, code: string, secret: string): Promise<StoreError> {
  const error = await promise.then(() => assert.fail('expected a failure'), (failure: unknown) => failure);
  assert.ok(error instanceof StoreError, `a StoreError, not ${inspect(error)}`);
  assert.equal(error.code, code, error.message);
  assert.ok(!inspect(error, { depth: 10 }).includes(secret), `the secret shows in ${inspect(error)}`);
  assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(secret));
  return error;
}

test('replicas that open an empty database together migrate it once', async (t) => {
  const db = await testDatabase(t);
  const stores = await Promise.all(Array.from({ length: 4 }, () => db.open({ poolSize: 2 })));
  const recorded = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  assert.deepEqual(recorded.map((row) => row.version), loadMigrations().map((migration) => migration.version));
  // Each works on the same schema.
  assert.equal(await stores[0]?.insertDelivery(delivery('a')), 'inserted');
  assert.equal(await stores[3]?.insertDelivery(delivery('a')), 'duplicate');
  assert.deepEqual(await migrate(db.url), [], 'running the migrations again applies nothing');
});

test('migrate() brings an empty database to the schema and disconnects', async (t) => {
  const db = await testDatabase(t);
  assert.deepEqual(await migrate(db.url), loadMigrations().map((migration) => migration.version));
  const left = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [db.name]);
  assert.equal(left[0]?.count, 0, 'no connection is left open');
  const store = await db.open();
  assert.deepEqual(await store.listDeliveries({ limit: 10 }), []);
});

test('a database a newer slipway migrated is refused, naming both versions, and left as it is', async (t) => {
  const db = await testDatabase(t);
  await migrate(db.url);
  const newer = LATEST + 7;
  await db.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)`, [newer]);
  const error = await rejectsWithout(PgStore.open(db.url), 'store_schema_newer', 'never');
  assert.match(error.message, new RegExp(`schema is at version ${newer}, newer than this slipway knows \\(version ${LATEST}\\)`));
  const versions = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  assert.equal(versions.at(-1)?.version, newer);
});

test('a migration that fails is named and rolled back; migrations are read in number order', async (t) => {
  const db = await testDatabase(t);
  const dir = tempDir(t, 'slipway-migrations-');
  writeFileSync(join(dir, '002_second.sql'), 'CREATE TABLE second (id INT REFERENCES first (id));');
  writeFileSync(join(dir, '001_first.sql'), 'CREATE TABLE first (id INT PRIMARY KEY);');
  writeFileSync(join(dir, '003_broken.sql'), 'CREATE TABLE third (id INT); SELECT * FROM nowhere;');
  writeFileSync(join(dir, 'README.md'), 'not a migration');
  assert.deepEqual(loadMigrations(dir).map((migration) => `${migration.version} ${migration.name}`), ['1 first', '2 second', '3 broken']);
  const target = new Database(createPool(db.url, {}), parseUrl(db.url));
  t.after(() => target.close());
  await assert.rejects(applyMigrations(target, loadMigrations(dir)), (error: StoreError) => {
    assert.equal(error.code, 'store_migrations');
    assert.match(error.message, /migration 3 \(broken\) failed: relation "nowhere" does not exist/);
    return true;
  });
  const tables = await db.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  assert.deepEqual(tables.map((row) => row.name), ['first', 'schema_migrations', 'second'], 'the broken one left nothing');
  assert.deepEqual(await applyMigrations(target, loadMigrations(dir).slice(0, 2)), [], 'the two that worked are recorded');
  writeFileSync(join(dir, '002_again.sql'), 'SELECT 1;');
  assert.throws(() => loadMigrations(dir), /two PostgreSQL migrations have the number 2/);
  assert.throws(() => loadMigrations(join(dir, 'missing')), { code: 'store_migrations' });
});

test('a password in the URL never shows in an error, whatever fails', async () => {
  const secret = 'Sup3r-s3cret.pw';
  // Nothing listens on port 1.
  const unreachable = await rejectsWithout(PgStore.open(`postgres://slipway:${secret}@127.0.0.1:1/slipway`, { connectTimeoutMs: 5_000 }), 'store_unavailable', secret);
  assert.match(unreachable.message, /PostgreSQL at postgres:\/\/slipway:\*\*\*@127\.0\.0\.1:1\/slipway is unavailable: .*ECONNREFUSED/);
  // The server answers, but the database is not there.
  const admin = new URL(ADMIN_URL);
  admin.password = secret;
  admin.pathname = '/slipway_no_such_database';
  const missing = await rejectsWithout(PgStore.open(admin.href), 'store_unavailable', secret);
  assert.match(missing.message, /database "slipway_no_such_database" does not exist/);
  // Percent-encoded (shown neither encoded nor decoded), or as a query parameter.
  admin.password = encodeURIComponent('p@ss:w/rd');
  const encoded = await rejectsWithout(PgStore.open(admin.href), 'store_unavailable', admin.password);
  assert.ok(!encoded.message.includes('p@ss:w/rd'));
  admin.password = '';
  admin.searchParams.set('password', secret);
  await rejectsWithout(PgStore.open(admin.href), 'store_unavailable', secret);
});

test('a URL that is not a PostgreSQL one is refused before anything connects, without echoing it', async () => {
  await rejectsWithout(PgStore.open('not a url with hunter2 in it'), 'store_url', 'hunter2');
  const mysql = await rejectsWithout(PgStore.open('mysql://root:hunter2@127.0.0.1/db'), 'store_url', 'hunter2');
  assert.match(mysql.message, /must start with postgres:\/\/ or postgresql:\/\/, not mysql:\/\//);
  await rejectsWithout(migrate('http://hunter2@example'), 'store_url', 'hunter2');
});

test('acquireLease raced from many connections and replicas: one holder per tenure, tokens grow, the database clock decides expiry', async (t) => {
  const db = await testDatabase(t);
  const replicas = await Promise.all(Array.from({ length: 3 }, () => db.open({ poolSize: 6 })));
  const contenders = replicas.flatMap((store, r) => Array.from({ length: 6 }, (_, c) => ({ store, holder: `r${r}c${c}` })));
  /** Every contender asks at once, for a minute: exactly one gets it, with the next token. */
  const race = async (previous: number) => {
    const tokens = await Promise.all(contenders.map(({ store, holder }) => store.acquireLease('env:1', holder, 60_000)));
    const winners = contenders.filter((_, index) => tokens[index] !== null);
    assert.equal(winners.length, 1, `exactly one of ${tokens.length} got the lease (${tokens.join(',')})`);
    assert.equal(tokens.find((token) => token !== null), previous + 1, 'a new tenure gets the next token');
    return { ...(winners[0] as (typeof contenders)[number]), token: previous + 1 };
  };

  let tenure = await race(0);
  for (let round = 0; round < 3; round += 1) {
    assert.equal(await tenure.store.acquireLease('env:1', tenure.holder, 60_000), tenure.token, 'the holder renews and keeps its token');
    assert.deepEqual(await Promise.all(replicas.map((store) => store.acquireLease('env:1', 'someone-else', 60_000))), [null, null, null]);
    await tenure.store.releaseLease('env:1', tenure.holder);
    tenure = await race(tenure.token);
  }
  // Expiry by the server's clock: a 2 s lease is held, and once 2 s passed on the server it is free.
  await tenure.store.releaseLease('env:1', tenure.holder);
  const short = await replicas[0]?.acquireLease('env:1', 'brief', 2_000);
  assert.equal(short, tenure.token + 1);
  assert.equal(await replicas[1]?.acquireLease('env:1', 'other', 60_000), null, 'held until it runs out');
  await db.query('SELECT pg_sleep(2.1)');
  await race(short ?? 0);
});

test('a fenced write after another replica took the lease over fails with lease_lost and changes nothing', async (t) => {
  const db = await testDatabase(t);
  const [first, second] = [await db.open(), await db.open()];
  assert.ok(first && second);
  const follow: EnvironmentChange = { kind: 'follow', app: 'web', env: 'qa', ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'push' };
  await first.changeEnvironments([follow], 'test');
  const env = await first.getEnvironment('web', 'qa');
  assert.ok(env);
  const oldToken = await first.acquireLease('env:qa', 'first', 40);
  assert.ok(oldToken !== null);
  const fence = { lease: 'env:qa', token: oldToken };
  await db.query('SELECT pg_sleep(0.08)');
  const newToken = await second.acquireLease('env:qa', 'second', 60_000);
  assert.equal(newToken, oldToken + 1);
  await assert.rejects(first.beginDeployment({ environmentId: env.id, generation: env.generation, sha: 'a'.repeat(40), ref: null, trigger: null, deliveryId: null, fence }), { code: 'lease_lost' });
  await assert.rejects(first.markConverged(env.id, env.generation, fence), { code: 'lease_lost' });
  assert.deepEqual(await second.listDeployments(env.id, 10), []);
  assert.equal((await second.getEnvironment('web', 'qa'))?.observedGeneration, 0);
});

test('replicas changing one environment at once lose no change: serializable units run again when they collide', async (t) => {
  const db = await testDatabase(t);
  const replicas = await Promise.all(Array.from({ length: 3 }, () => db.open({ poolSize: 4 })));
  const follow: EnvironmentChange = { kind: 'follow', app: 'web', env: 'pr-1', ref: 'refs/pull/1/head', shaHint: null, pr: 1, branch: 'x', ttlMs: 60_000, trigger: 'pull_request.opened' };
  // All create it at once: one creates, the others follow it.
  await Promise.all(replicas.flatMap((store) => [store.changeEnvironments([follow], 'a'), store.changeEnvironments([follow], 'b')]));
  const created = await replicas[0]?.listEnvironments();
  assert.equal(created?.length, 1);
  assert.equal(created?.[0]?.generation, 6, 'one creation and five follows');
  const nudge: EnvironmentChange = { kind: 'nudge', app: 'web', env: 'pr-1', trigger: 'resync' };
  await Promise.all(replicas.flatMap((store) => Array.from({ length: 8 }, () => store.changeEnvironments([nudge], 'sweep'))));
  assert.equal((await replicas[1]?.getEnvironment('web', 'pr-1'))?.generation, 6 + 24);
});

test('two replicas finishing the same delivery apply its effects once: only the holder of its claim does', async (t) => {
  const db = await testDatabase(t);
  const [a, b] = [await db.open(), await db.open()];
  assert.ok(a && b);
  await a.insertDelivery(delivery('d1'));
  const follow: EnvironmentChange = { kind: 'follow', app: 'web', env: 'main', ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'push' };
  const result = { id: 'd1', status: 'processed' as const, error: null, processedAt: 1, changes: [follow] };
  // Claimed by one, and then taken over by another once its claim ran out: each finishes it at once, as two replicas would.
  assert.equal((await a.claimDeliveries('a', 10, 1)).length, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal((await b.claimDeliveries('b', 10, 60_000)).length, 1);
  const applied = await Promise.all([a.finishDeliveries('a', [result]), b.finishDeliveries('b', [result]), b.finishDeliveries('b', [result])]);
  assert.deepEqual(applied.flat(), ['d1']);
  assert.equal((await b.getEnvironment('web', 'main'))?.generation, 1);
});

test('ingest group-commits: deliveries that arrive during a commit share the next transaction, and each resolves after it', async (t) => {
  const db = await testDatabase(t);
  const store = await db.open();
  const ids = Array.from({ length: 300 }, (_, i) => `g${i}`);
  const outcomes = await Promise.all([...ids, 'g5', 'g299'].map((id) => store.insertDelivery(delivery(id, { receivedAt: 1 }))));
  assert.deepEqual(outcomes.filter((outcome) => outcome === 'inserted').length, 300);
  assert.deepEqual(outcomes.slice(300), ['duplicate', 'duplicate'], 'an id twice in one batch is a duplicate the second time');
  // xmin: the transaction that inserted a row. The first delivery commits alone, the rest wait for it and share the next.
  const [{ transactions, rows } = { transactions: 0, rows: 0 }] = await db.query<{ transactions: number; rows: number }>(
    'SELECT count(DISTINCT xmin::text)::int AS transactions, count(*)::int AS rows FROM deliveries');
  assert.equal(rows, 300);
  assert.ok(transactions <= 3, `${transactions} transactions for 300 deliveries`);
  // Arrival order is seq order.
  const pending = await store.claimDeliveries('dispatcher', 500, 60_000);
  assert.deepEqual(pending.map((d) => d.id), ids);
  // Every promise resolved after its commit: a store that never saw the inserts reads them all.
  const other = await db.open();
  assert.equal((await other.backlog()).pending, 300);
});

test('payloads are stored compressed and read back exactly', async (t) => {
  const db = await testDatabase(t);
  const store = await db.open();
  const text = JSON.stringify({ body: 'é ✓ 🚀 '.repeat(2000), n: 1 });
  await store.insertDelivery(delivery('big', { payload: Buffer.from(text) }));
  assert.equal((await store.getDelivery('big'))?.payload, text);
  assert.deepEqual([...(await store.deliveryPayloads(['missing', 'big'])).entries()], [['big', text]]);
  const [{ stored } = { stored: 0 }] = await db.query<{ stored: number }>('SELECT octet_length(body) AS stored FROM delivery_payloads');
  assert.ok(stored < Buffer.byteLength(text) / 10, `${stored} bytes stored for ${Buffer.byteLength(text)}`);
});

test('a connection the server drops is replaced; ping answers; calls after close fail with store_closed', async (t) => {
  const db = await testDatabase(t);
  const store = await db.open();
  await store.ping();
  await store.insertDelivery(delivery('before'));
  const killed = await db.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
  assert.ok(killed.length > 0, 'the store had connections to drop');
  // The pool may hand out a dropped connection once before it notices; the next call connects anew.
  await store.ping().catch((error: StoreError) => assert.equal(error.code, 'store_unavailable'));
  await store.ping();
  assert.equal((await store.getDelivery('before'))?.event, 'push');
  await store.close();
  await assert.rejects(store.ping(), { code: 'store_closed' });
  await assert.rejects(store.insertDelivery(delivery('late')), { code: 'store_closed' });
});

test('reclaimSpace frees nothing and holds nothing back: autovacuum reuses the space', async (t) => {
  const db = await testDatabase(t);
  const store = await db.open();
  assert.equal(await store.reclaimSpace(100), 0);
});
