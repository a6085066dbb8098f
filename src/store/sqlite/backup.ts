import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { lockDataDir } from './lock.js';
import { MIGRATIONS } from './migrations.js';
import { DATABASE_FILE, LOCK_FILE } from './sqlite-store.js';

/** Pages copied per step: all of them, so the copy is one read transaction (see backupStore). */
const ALL_PAGES = 0x7fffffff;
/** Where restore keeps the store it replaced. */
export const REPLACED_SUFFIX = '.before-restore';

export interface BackupResult {
  file: string;
  bytes: number;
  /** The newest migration the copy holds. */
  schema: number;
}

/**
 * Copies the store of `dataDir` to `file` while a slipway may be running on it, without the
 * server's help: SQLite's online backup, copying every page in one step, reads one snapshot
 * (a WAL reader never blocks the writer), so the copy holds exactly the transactions
 * committed before it began: every webhook answered 202 by then. With a slipway running it
 * reads through a read-only connection; with none, it takes the data folder's lock so none
 * starts meanwhile. The copy is written beside `file` and checked before it takes that name,
 * so a failed backup never leaves a partial file there; an existing `file` is kept unless
 * `force`.
 */
export async function backupStore(dataDir: string, file: string, force = false): Promise<BackupResult> {
  const source = join(dataDir, DATABASE_FILE);
  if (!existsSync(source)) throw new StoreError('no_store', `there is no slipway store at ${source}; check store.dataDir in the config`);
  const target = resolve(file);
  if (!force && existsSync(target)) throw new StoreError('backup_exists', `${file} already exists; pass --force to overwrite it`);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  await copyStore(source, temp, { lockDir: dataDir }).catch((error: unknown) => {
    removeDatabase(temp);
    throw new StoreError('backup_failed', `cannot write the backup ${file}: ${reason(error)}`);
  });
  try {
    const { schema } = checkStore(temp, file);
    syncFile(temp);
    if (force) {
      renameSync(temp, target);
    } else {
      // link fails when the name was taken meanwhile: an existing file is never replaced.
      linkSync(temp, target);
      rmSync(temp);
    }
    syncFile(dirname(target));
    return { file: target, bytes: statSync(target).size, schema };
  } catch (error) {
    removeDatabase(temp);
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new StoreError('backup_exists', `${file} already exists; pass --force to overwrite it`);
    throw error;
  }
}

export interface RestoreResult {
  schema: number;
  /** Where the store it replaced was kept; null when the data folder had none. */
  replaced: string | null;
}

/**
 * Puts the backup `file` in place of the store of `dataDir`. Refused while a slipway holds the
 * data folder, and for a file that is not a sound slipway store of a schema this slipway knows.
 * The store it replaces is kept as `slipway.db.before-restore` (one copy, the last replaced).
 * The next start migrates the copy if it is older, and converges: the reconciler brings the
 * environments it knows to their desired state and the orphan sweep destroys what it does not.
 */
export async function restoreStore(dataDir: string, file: string): Promise<RestoreResult> {
  if (!existsSync(file)) throw new StoreError('no_backup', `there is no file ${file} to restore`);
  const { schema } = checkStore(file, file);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(join(dataDir, LOCK_FILE));
  try {
    const store = join(dataDir, DATABASE_FILE);
    const temp = join(dataDir, `.restore-${randomBytes(6).toString('hex')}.tmp`);
    await copyStore(resolve(file), temp, { readonly: true }).catch((error: unknown) => {
      removeDatabase(temp);
      throw new StoreError('restore_failed', `cannot copy ${file} into ${dataDir}: ${reason(error)}`);
    });
    syncFile(temp);
    let replaced: string | null = null;
    if (existsSync(store)) {
      replaced = `${store}${REPLACED_SUFFIX}`;
      removeDatabase(replaced);
      // Through SQLite, so what the old store's write-ahead log holds is in the kept copy.
      await copyStore(store, replaced, {});
      syncFile(replaced);
    }
    // The old store's log must go first: left beside the new file, SQLite would replay it there.
    removeDatabase(store, JOURNALS);
    renameSync(temp, store);
    syncFile(dataDir);
    return { schema, replaced };
  } finally {
    unlock();
  }
}

/**
 * Refuses a file that is not a slipway store: not SQLite, damaged, without slipway's
 * migrations table, or made by a newer slipway than this one. Returns its schema version.
 */
export function checkStore(path: string, name: string): { schema: number } {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new StoreError('not_a_store', `${name} cannot be opened: ${reason(error)}`);
  }
  try {
    const problems = (() => {
      try {
        return db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
      } catch (error) {
        throw new StoreError('not_a_store', `${name} is not a slipway store: ${reason(error)}`);
      }
    })();
    if (problems.length !== 1 || problems[0]?.integrity_check !== 'ok') {
      throw new StoreError('not_a_store', `${name} is damaged (SQLite's integrity check: ${problems.slice(0, 3).map((row) => row.integrity_check).join('; ')})`);
    }
    const table = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).get();
    const schema = table === undefined ? null : (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null);
    if (schema === null) throw new StoreError('not_a_store', `${name} is an SQLite database but not a slipway store (it has no slipway migrations)`);
    const known = Math.max(...MIGRATIONS.map((migration) => migration.version));
    if (schema > known) {
      throw new StoreError('store_too_new', `${name} was made by a newer slipway (schema ${schema}; this slipway knows up to ${known}); restore it with that version or a later one`);
    }
    return { schema };
  } finally {
    db.close();
  }
}

/**
 * SQLite's online backup of `source` into the new file `dest`, in one step, made a single
 * file (rollback journal: a WAL-mode copy read later would grow -wal and -shm files beside
 * it). `lockDir`: the data folder the source belongs to, whose lock is taken when no slipway
 * holds it (the copy then reads through an ordinary connection, which leaves no -wal or -shm
 * file behind); while a slipway holds it, a read-only connection reads beside it.
 */
async function copyStore(source: string, dest: string, options: { lockDir?: string; readonly?: boolean }): Promise<void> {
  const unlock = options.lockDir === undefined ? null : tryLock(options.lockDir);
  const readonly = options.readonly === true || (options.lockDir !== undefined && unlock === null);
  const db = new Database(source, { readonly, fileMustExist: true });
  try {
    await db.backup(dest, { progress: () => ALL_PAGES });
  } finally {
    db.close();
    unlock?.();
  }
  const copy = new Database(dest, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  // It holds what the store does: webhook payloads, deployment logs.
  chmodSync(dest, 0o600);
}

/** The data folder's lock, or null when a running slipway holds it. */
function tryLock(dataDir: string): (() => void) | null {
  try {
    return lockDataDir(join(dataDir, LOCK_FILE));
  } catch (error) {
    if (error instanceof StoreError && error.code === 'store_locked') return null;
    throw error;
  }
}

/** The files SQLite makes beside a database. */
const JOURNALS = ['-wal', '-shm', '-journal'];

/** A database file and the journal files SQLite may have made beside it (or only those). */
function removeDatabase(path: string, suffixes = ['', ...JOURNALS]): void {
  for (const suffix of suffixes) {
    try {
      rmSync(`${path}${suffix}`, { force: true });
    } catch (error) {
      // A path that cannot be (under a file, say) holds nothing to remove.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    }
  }
}

/** Flushes a file (or a folder's entries) to disk. */
function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
