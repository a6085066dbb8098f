import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Status } from '../../src/status.js';
import { loadMigrations } from '../../src/store/postgres/migrations.js';
import { fails, ok, runCli, startServer } from '../helpers/cli.js';
import { testDatabase } from '../helpers/postgres.js';
import { SECRET } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { deliver } from '../helpers/webhook.js';

// The PostgreSQL store through the built CLI, as an operator runs it: migrate, serve on it,
// status, export from SQLite and import, and what is refused. The server trusts local
// connections, so a password in the URL is accepted and ignored: it must show nowhere.

const PASSWORD = 'hunter2-pw';
/** The test database's URL with a password in it. */
const withPassword = (url: string) => url.replace('postgres@', `postgres:${PASSWORD}@`);

function configFile(dir: string, text: string): string {
  const file = join(dir, 'slipway.yaml');
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

function noPassword(...outputs: string[]): void {
  for (const output of outputs) assert.ok(!output.includes(PASSWORD), `the password shows in:\n${output}`);
}

test('slipway migrate applies what is missing once, says so, and refuses a schema a newer slipway made, as serve does, in one line', async (t) => {
  const db = await testDatabase(t);
  const url = withPassword(db.url);
  const migrations = loadMigrations();
  const latest = Math.max(...migrations.map((migration) => migration.version));
  const first = await runCli(['migrate', '--store', url]);
  const applied = migrations.map((migration) => `applied migration ${migration.version} (${migration.name})\n`).join('');
  assert.equal(ok(first).replace(/slipway_test_\w+/, 'DB'), `${applied}postgres://postgres:***@127.0.0.1:5432/DB is at schema version ${latest}\n`);
  const again = await runCli(['migrate'], { env: { SLIPWAY_STORE_URL: url } });
  assert.equal(ok(again).replace(/slipway_test_\w+/, 'DB'), `postgres://postgres:***@127.0.0.1:5432/DB is up to date: schema version ${latest}\n`);

  await db.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)`, [latest + 1]);
  const newer = new RegExp(`^slipway: the PostgreSQL database's schema is at version ${latest + 1}, newer than this slipway knows \\(version ${latest}\\): a newer slipway migrated it; run that version or a later one\n$`);
  const migrate = await runCli(['migrate', '--store', url]);
  fails(migrate, 1, newer);
  const home = tempDir(t);
  const serve = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--config', configFile(home, `store:\n  dataDir: data\n  url: ${url}\n`)]);
  fails(serve, 1, newer);
  // Before it opened the store it warned that replicas would each generate secrets of their own.
  assert.match(serve.stdout, /"unset":\["github\.webhookSecret \(or SLIPWAY_WEBHOOK_SECRET\)","server\.apiToken \(or SLIPWAY_API_TOKEN\)"\],"msg":"with a PostgreSQL store, set these for every replica alike/);
  noPassword(first.stdout, again.stdout, migrate.stderr, serve.stdout, serve.stderr);

  const sqlite = await runCli(['migrate', '--config', configFile(tempDir(t), 'store:\n  dataDir: data\n')]);
  assert.match(ok(sqlite), /the store is SQLite in .*data: slipway migrates it when it opens it, nothing to do here/);
  fails(await runCli(['migrate', '--store', 'mysql://root:hunter2-pw@db/x']), 2, /^slipway: --store must be a postgres:\/\/ or postgresql:\/\/ URL/);
  const down = await runCli(['migrate', '--store', `postgres://postgres:${PASSWORD}@127.0.0.1:1/none`]);
  fails(down, 1, /^slipway: PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/none is unavailable: connect ECONNREFUSED/);
  noPassword(down.stderr);
});

test('serve on PostgreSQL from the config: the log, slipway status and validate show the store without its password; backup refuses it', async (t) => {
  const db = await testDatabase(t);
  const home = tempDir(t);
  const config = configFile(home, `store:\n  dataDir: data\n  url: ${withPassword(db.url)}\ngithub:\n  webhookSecret: ${SECRET}\nserver:\n  apiToken: token-1\n`);
  const validated = await runCli(['validate', '--config', config]);
  assert.match(ok(validated), /slipway\.yaml: valid, 0 apps/);

  const server = await startServer(t, ['--config', config]);
  assert.doesNotMatch(server.output(), /set these for every replica alike/, 'the secrets are set: no warning');
  const answer = await deliver(server.url, { event: 'ping', payload: { zen: 'hi', hook_id: 1, hook: { type: 'Repository', id: 1, events: ['*'] } } });
  assert.equal(answer.status, 202, answer.body);
  assert.deepEqual((await db.query<{ id: string }>('SELECT id FROM deliveries')).map((row) => row.id), [answer.id], 'the delivery is in PostgreSQL');
  assert.match(server.output(), /"kind":"postgres","location":"postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/slipway_test_\w+"/);

  const env = { SLIPWAY_API_TOKEN: 'token-1' };
  const status = await runCli(['status', '--url', server.url], { env });
  assert.match(ok(status), /REPLICA\s+HOST\s+PID\s+STARTED\s+LAST HEARTBEAT\s+PROCESS APPS\n\S+\s+\S+\s+\d+\s+\d{4}-/);
  const json = ok(await runCli(['status', '--url', server.url, '--json'], { env }));
  assert.equal((JSON.parse(json) as Status).replicas.length, 1);

  const backup = await runCli(['backup', join(home, 'b.db'), '--config', config]);
  fails(backup, 1, /slipway backup works on the SQLite store in store\.dataDir, but this slipway's store is PostgreSQL \(store\.url is set\): use pg_dump/);
  const bad = await runCli(['validate', '--config', configFile(tempDir(t), `store:\n  url: mysql://root:${PASSWORD}@db/x\n`)]);
  fails(bad, 1, /slipway\.yaml:2 store\.url: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  noPassword(validated.stdout, server.output(), status.stdout, json, backup.stderr, bad.stderr, bad.stdout);
});

test('export a running SQLite slipway, import into PostgreSQL, and a slipway started on PostgreSQL with --store has its deliveries and takes more', async (t) => {
  const home = tempDir(t);
  const sqliteConfig = configFile(home, `store:\n  dataDir: data\ngithub:\n  webhookSecret: ${SECRET}\nserver:\n  apiToken: token-2\n`);
  const sqlite = await startServer(t, ['--config', sqliteConfig]);
  const ids: string[] = [];
  for (let n = 0; n < 5; n += 1) {
    const answer = await deliver(sqlite.url, { event: 'ping', payload: { zen: `n${n}`, hook_id: 1, hook: { type: 'Repository', id: 1, events: ['*'] } } });
    assert.equal(answer.status, 202);
    ids.push(answer.id);
  }
  const file = join(tempDir(t), 'move.jsonl');
  const exported = await runCli(['export', file, '--config', sqliteConfig]);
  assert.match(ok(exported), /^exported the store of .*data \(schema \d+\) to .*move\.jsonl: 0 environments, 0 deployments, 5 deliveries, \d+ other rows\nimport it with: slipway import .*move\.jsonl --store URL\n$/);

  const db = await testDatabase(t);
  const url = withPassword(db.url);
  fails(await runCli(['import', file]), 2, /slipway import writes into a PostgreSQL store: pass --store URL, or set SLIPWAY_STORE_URL or store\.url/);
  const imported = await runCli(['import', file, '--store', url]);
  assert.match(ok(imported), /^imported .*move\.jsonl into postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/slipway_test_\w+: 0 environments, 0 deployments, 5 deliveries/);
  const twice = await runCli(['import', file, '--store', url]);
  fails(twice, 1, /is not empty \(it has deliveries, delivery_payloads, hooks\): slipway import writes only into an empty store; nothing was imported/);
  noPassword(imported.stdout, imported.stderr, twice.stderr);

  const pgHome = tempDir(t);
  const pg = await startServer(t, ['--config', configFile(pgHome, `store:\n  dataDir: data\ngithub:\n  webhookSecret: ${SECRET}\n`), '--store', url], { env: { SLIPWAY_API_TOKEN: 'token-3' } });
  const listed = await pg.api('GET', '/api/deliveries?limit=50');
  assert.deepEqual(((listed.json() as { deliveries: { id: string }[] }).deliveries).map((delivery) => delivery.id).sort(), [...ids].sort());
  assert.equal((await deliver(pg.url, { event: 'ping', payload: { zen: 'after', hook_id: 1, hook: { type: 'Repository', id: 1, events: ['*'] } } })).status, 202);
  noPassword(pg.output());
});
