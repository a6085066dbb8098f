import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../errors.js';
import { createPool, parseUrl, type PgOptions } from './connection.js';
import { Database, type Sql } from './database.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Where the numbered migrations are: `NNN_name.sql` beside this module. The build copies them
 * from src/ (scripts/copy-sql.mjs), since the TypeScript compiler copies only what it compiles.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

const FILE = /^(\d+)_([\w-]+)\.sql$/;

/** The migrations in order of their number. A landed migration is never edited: add the next number instead. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    throw new StoreError('store_migrations', `the PostgreSQL migrations are missing (${(error as Error).message}): the build copies src/store/postgres/migrations/*.sql beside the compiled store`);
  }
  const migrations = files.flatMap((file) => {
    const match = FILE.exec(file);
    return match === null ? [] : [{ version: Number(match[1]), name: match[2] ?? file, sql: readFileSync(`${dir}/${file}`, 'utf8') }];
  }).sort((a, b) => a.version - b.version);
  const repeated = migrations.find((migration, index) => migrations[index - 1]?.version === migration.version);
  if (repeated !== undefined) throw new StoreError('store_migrations', `two PostgreSQL migrations have the number ${repeated.version} in ${dir}`);
  if (migrations.length === 0) throw new StoreError('store_migrations', `no PostgreSQL migrations in ${dir}`);
  return migrations;
}

/** A fixed key for pg_advisory_lock ('slipmigr'): replicas that start together migrate one after another. */
const MIGRATION_LOCK = '8317138543439341426';

/**
 * Applies what is missing, each migration in its own transaction, under an advisory lock so
 * that replicas starting together apply each once. A database that recorded a migration this
 * code does not know (a newer slipway migrated it) is refused. Returns the versions applied.
 */
export async function applyMigrations(db: Database, migrations: readonly Migration[] = loadMigrations()): Promise<number[]> {
  return db.session(async (sql) => {
    await sql.run(`SELECT pg_advisory_lock(${MIGRATION_LOCK}::bigint)`);
    try {
      return await applyLocked(sql, migrations);
    } finally {
      await sql.run(`SELECT pg_advisory_unlock(${MIGRATION_LOCK}::bigint)`);
    }
  });
}

async function applyLocked(sql: Sql, migrations: readonly Migration[]): Promise<number[]> {
  await sql.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at BIGINT  NOT NULL
  )`);
  const recorded = new Set(await sql.column<number>('SELECT version FROM schema_migrations ORDER BY version'));
  const known = new Set(migrations.map((migration) => migration.version));
  const unknown = [...recorded].filter((version) => !known.has(version));
  if (unknown.length > 0) {
    const latest = Math.max(...known);
    throw new StoreError(
      'store_schema_newer',
      `the PostgreSQL database's schema is at version ${Math.max(...unknown)}, newer than this slipway knows (version ${latest}): a newer slipway migrated it; run that version or a later one`,
    );
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (recorded.has(migration.version)) continue;
    await sql.run('BEGIN');
    try {
      await sql.run(migration.sql);
      await sql.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
      await sql.run('COMMIT');
    } catch (error) {
      await sql.run('ROLLBACK').catch(() => undefined);
      throw new StoreError('store_migrations', `PostgreSQL migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`);
    }
    applied.push(migration.version);
  }
  return applied;
}

/**
 * Brings the database at `url` to this slipway's schema on a connection of its own and
 * disconnects (at start, and `slipway migrate`); resolves to the versions applied. A migration
 * may take long on a big database: no time bound but the connection's.
 */
export async function migrate(url: string, options: PgOptions = {}): Promise<number[]> {
  const target = parseUrl(url);
  const db = new Database(createPool(url, { ...options, poolSize: 1, queryTimeoutMs: 0 }), target);
  try {
    return await applyMigrations(db);
  } finally {
    await db.close();
  }
}
