import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, linkSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { EXPORT_FORMAT, EXPORT_VERSION, TABLES, type ColumnType, type ExportEnd, type ExportHeader, type TransferTable } from '../transfer.js';
import { backupStore } from './backup.js';
import { migrate } from './migrations.js';

/** The order rows are read in: their ids, or the order they were written in (rowid) where they have none. */
const ORDER: Record<string, string> = {
  deliveries: 'seq',
  delivery_payloads: 'seq',
  hooks: 'id',
  environments: 'id',
  deployments: 'id',
  deployment_timeline: 'rowid',
  ci_signals: 'repo, sha, kind, name',
  pr_comments: 'repo, pr',
  recovery_positions: 'hook',
  redeliveries: 'guid',
  fork_approvals: 'rowid',
  pr_commands: 'rowid',
  notification_events: 'seq',
  notifications: 'seq',
};

export interface ExportResult {
  file: string;
  schema: number;
  rows: Record<string, number>;
}

/**
 * Writes the store of `dataDir` to `file` in the export format (transfer.ts), for `slipway
 * import` into PostgreSQL. It reads a copy made with SQLite's online backup (backup.ts), so a
 * running slipway is neither stopped nor slowed: the file holds what was committed when the
 * export began. The copy is migrated to this slipway's schema first, so an older store
 * exports as this version reads it. The file is written beside `file` and takes its name
 * only when whole; an existing `file` is never replaced.
 */
export async function exportStore(dataDir: string, file: string): Promise<ExportResult> {
  const target = resolve(file);
  if (existsSync(target)) throw new StoreError('export_exists', `${file} already exists; remove it or name another file`);
  const copy = join(dataDir, `.export-${randomBytes(6).toString('hex')}.db`);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const { schema } = await backupStore(dataDir, copy);
    const db = new Database(copy);
    try {
      migrate(db);
      const rows = await writeRows(db, temp, schema);
      linkOnce(temp, target, file);
      return { file: target, schema, rows };
    } finally {
      db.close();
    }
  } finally {
    rmSync(copy, { force: true });
    rmSync(temp, { force: true });
  }
}

async function writeRows(db: Database.Database, temp: string, schema: number): Promise<Record<string, number>> {
  // It holds what the store does: webhook payloads, deployment logs.
  const handle = await open(temp, 'wx', 0o600);
  const out = handle.createWriteStream({ autoClose: false });
  const write = async (value: object) => {
    if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
  };
  try {
    const header: ExportHeader = { format: EXPORT_FORMAT, version: EXPORT_VERSION, source: 'sqlite', schema, exportedAt: Date.now() };
    await write(header);
    const rows: Record<string, number> = {};
    for (const table of TABLES) {
      let count = 0;
      for (const row of readTable(db, table)) {
        await write({ table: table.name, row });
        count += 1;
      }
      rows[table.name] = count;
    }
    const end: ExportEnd = { end: true, rows };
    await write(end);
    out.end();
    await once(out, 'finish');
    await handle.sync();
    return rows;
  } finally {
    out.destroy();
    await handle.close().catch(() => undefined);
  }
}

function* readTable(db: Database.Database, table: TransferTable): Generator<Record<string, unknown>> {
  const names = table.columns.map(([name]) => name);
  const statement = db.prepare(`SELECT ${names.map((name) => `"${name}"`).join(', ')} FROM ${table.name} ORDER BY ${ORDER[table.name] ?? 'rowid'}`);
  for (const raw of statement.iterate() as Iterable<Record<string, unknown>>) {
    yield Object.fromEntries(table.columns.map(([name, type]) => [name, portable(type, raw[name])]));
  }
}

/** A value as SQLite keeps it, as the export format writes it. */
function portable(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'bool':
      return value === 1;
    case 'list':
      return JSON.parse(value as string) as unknown;
    case 'bytes':
      return (value as Buffer).toString('base64');
    default:
      return value;
  }
}

/** Gives the finished file its name; fails, keeping nothing, when the name was taken meanwhile. */
function linkOnce(temp: string, target: string, file: string): void {
  try {
    linkSync(temp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new StoreError('export_exists', `${file} already exists; remove it or name another file`);
    throw error;
  }
}
