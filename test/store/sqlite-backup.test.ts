import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { backupStore, checkStore, REPLACED_SUFFIX, restoreStore } from '../../src/store/sqlite/backup.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { DATABASE_FILE, LOCK_FILE, SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { delivery } from './contract/inbox.js';
import { tempDir } from '../helpers/temp.js';

const LATEST = Math.max(...MIGRATIONS.map((migration) => migration.version));

/** A data folder whose store holds the deliveries `ids`, closed again. */
async function storeWith(t: TestContext, ids: string[]): Promise<string> {
  const dataDir = join(tempDir(t), 'data');
  const store = await SqliteStore.open(dataDir);
  for (const id of ids) await store.insertDelivery(delivery(id));
  await store.close();
  return dataDir;
}

async function deliveryIds(dataDir: string): Promise<string[]> {
  const store = await SqliteStore.open(dataDir);
  try {
    return (await store.listDeliveries({ limit: 100 })).map((found) => found.id).sort();
  } finally {
    await store.close();
  }
}

function refusedWith(code: string, message: RegExp) {
  return (error: unknown) => {
    assert.equal((error as { code?: string }).code, code, String(error));
    assert.match((error as Error).message, message);
    return true;
  };
}

test('a backup restores into another data folder with all it held; the store it replaced is kept', async (t) => {
  const dataDir = await storeWith(t, ['a', 'b']);
  const file = join(tempDir(t), 'backup.db');
  const result = await backupStore(dataDir, file);
  assert.equal(result.schema, LATEST);
  assert.ok(result.bytes > 0);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'only its owner reads it, as the store');
  assert.deepEqual(readdirSync(join(file, '..')), ['backup.db'], 'a single file: no temporary copy or journal left beside it');
  assert.ok(!existsSync(join(dataDir, LOCK_FILE)), 'the lock the backup took is given back');

  const other = await storeWith(t, ['z']);
  const restored = await restoreStore(other, file);
  assert.deepEqual(restored, { schema: LATEST, replaced: join(other, `${DATABASE_FILE}${REPLACED_SUFFIX}`) });
  assert.deepEqual(await deliveryIds(other), ['a', 'b']);
  assert.deepEqual(checkStore(join(other, `${DATABASE_FILE}${REPLACED_SUFFIX}`), 'kept').schema, LATEST);
});

test('a restore into an empty data folder makes it', async (t) => {
  const file = join(tempDir(t), 'backup.db');
  await backupStore(await storeWith(t, ['a']), file);
  const fresh = join(tempDir(t), 'new', 'data');
  assert.deepEqual(await restoreStore(fresh, file), { schema: LATEST, replaced: null });
  assert.deepEqual(await deliveryIds(fresh), ['a']);
});

test('backup keeps an existing file unless forced', async (t) => {
  const dataDir = await storeWith(t, ['a']);
  const file = join(tempDir(t), 'backup.db');
  writeFileSync(file, 'precious');
  await assert.rejects(backupStore(dataDir, file), refusedWith('backup_exists', /already exists; pass --force/));
  assert.deepEqual(readdirSync(join(file, '..')), ['backup.db']);
  await backupStore(dataDir, file, true);
  assert.equal(checkStore(file, file).schema, LATEST);
});

test('backup refuses a data folder without a store, and a destination it cannot write, leaving nothing behind', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(backupStore(join(dir, 'nothing'), join(dir, 'b.db')), refusedWith('no_store', /no slipway store at .*slipway\.db/));
  const dataDir = await storeWith(t, ['a']);
  await assert.rejects(backupStore(dataDir, join(dir, 'missing', 'b.db')), refusedWith('backup_failed', /cannot write the backup .*missing/));
  writeFileSync(join(dir, 'plain'), 'a file, not a folder');
  await assert.rejects(backupStore(dataDir, join(dir, 'plain', 'b.db')), refusedWith('backup_failed', /cannot write the backup/));
  assert.deepEqual(readdirSync(dir), ['plain']);
});

test('restore refuses a missing file, a file that is not a store, and a store of a newer slipway, and changes nothing', async (t) => {
  const dataDir = await storeWith(t, ['kept']);
  const dir = tempDir(t);
  await assert.rejects(restoreStore(dataDir, join(dir, 'none.db')), refusedWith('no_backup', /no file .*none\.db/));
  writeFileSync(join(dir, 'text.db'), 'hello, not a database '.repeat(100));
  await assert.rejects(restoreStore(dataDir, join(dir, 'text.db')), refusedWith('not_a_store', /text\.db is not a slipway store/));
  const other = new Database(join(dir, 'other.db'));
  other.exec('CREATE TABLE notes (text TEXT)');
  other.close();
  await assert.rejects(restoreStore(dataDir, join(dir, 'other.db')), refusedWith('not_a_store', /not a slipway store \(it has no slipway migrations\)/));
  const newer = join(dir, 'newer.db');
  await backupStore(dataDir, newer);
  const db = new Database(newer);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST + 1, 'future', Date.now());
  db.close();
  await assert.rejects(restoreStore(dataDir, newer), refusedWith('store_too_new', new RegExp(`newer slipway \\(schema ${LATEST + 1}; this slipway knows up to ${LATEST}\\)`)));
  assert.deepEqual(await deliveryIds(dataDir), ['kept']);
  assert.ok(!existsSync(join(dataDir, `${DATABASE_FILE}${REPLACED_SUFFIX}`)));
});

test('restore refuses while a slipway holds the data folder', async (t) => {
  const dataDir = await storeWith(t, ['kept']);
  const file = join(tempDir(t), 'backup.db');
  await backupStore(dataDir, file);
  // Another live process holds the lock: our parent stands in for a running slipway.
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, LOCK_FILE), `${process.ppid}\n`);
  await assert.rejects(restoreStore(dataDir, file), refusedWith('store_locked', new RegExp(`in use by another slipway \\(pid ${process.ppid}\\)`)));
  assert.equal(readdirSync(dataDir).filter((name) => name.endsWith('.tmp')).length, 0);
});
