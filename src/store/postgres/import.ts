import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { StoreError } from '../errors.js';
import { EXPORT_FORMAT, EXPORT_VERSION, TABLES, valueProblem, type ColumnType, type Row, type TransferTable } from '../transfer.js';
import { createPool, parseUrl } from './connection.js';
import { Database, type Sql } from './database.js';
import { migrate } from './migrations.js';

/** How each exported type is written into PostgreSQL. */
const CAST: Record<ColumnType, string> = { int: 'bigint', text: 'text', bool: 'boolean', list: 'text[]', bytes: 'bytea', json: 'json' };
/** Tables whose ids PostgreSQL generates: the imported ids are kept, and the sequences set past them. */
const IDENTITY: Record<string, string> = {
  deliveries: 'seq',
  environments: 'id',
  deployments: 'id',
  deployment_timeline: 'seq',
  pr_commands: 'seq',
  notification_events: 'seq',
  notifications: 'seq',
};
/** Rows per INSERT: well under PostgreSQL's 65,535 parameters for the widest table. */
const BATCH = 200;

export interface ImportResult {
  /** The server, as it may be shown. */
  location: string;
  /** Rows written, by table. */
  rows: Record<string, number>;
}

/**
 * Reads a file `slipway export` wrote into the PostgreSQL store at `url`, which it migrates
 * first and which must hold nothing yet: an import never merges into a store in use. All in
 * one transaction: a file that is cut off, damaged or refused by the database writes nothing.
 */
export async function importStore(url: string, file: string): Promise<ImportResult> {
  const target = parseUrl(url);
  await migrate(url);
  const db = new Database(createPool(url, { poolSize: 1, queryTimeoutMs: 0 }), target);
  try {
    const rows = await db.session(async (sql) => {
      await sql.run('BEGIN');
      try {
        const counted = await importLocked(sql, file, target.shown);
        await sql.run('COMMIT');
        return counted;
      } catch (error) {
        await sql.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    return { location: target.shown, rows };
  } finally {
    await db.close();
  }
}

async function importLocked(sql: Sql, file: string, shown: string): Promise<Record<string, number>> {
  // Nothing else writes these tables until the import commits: a slipway started meanwhile waits.
  await sql.run(`LOCK TABLE ${TABLES.map((table) => table.name).join(', ')} IN EXCLUSIVE MODE`);
  const used = await sql.column<string>(TABLES.map((table) => `SELECT '${table.name}' WHERE EXISTS (SELECT 1 FROM ${table.name})`).join(' UNION ALL '));
  if (used.length > 0) {
    throw new StoreError('import_not_empty', `the PostgreSQL store at ${shown} is not empty (it has ${used.join(', ')}): slipway import writes only into an empty store; nothing was imported`);
  }
  const reader = new ExportReader(file);
  const batch = new Batch(sql);
  for await (const { table, row } of reader.rows()) await batch.add(table, row);
  await batch.flush();
  const expected = reader.expected();
  for (const table of TABLES) {
    if ((expected[table.name] ?? 0) !== batch.counts[table.name]) {
      throw new StoreError('import_bad_file', `${file} says it holds ${expected[table.name] ?? 0} rows of ${table.name} but has ${batch.counts[table.name] ?? 0}; nothing was imported`);
    }
    const identity = IDENTITY[table.name];
    if (identity !== undefined) {
      await sql.run(`SELECT setval(pg_get_serial_sequence('${table.name}', '${identity}'), max(${identity})) FROM ${table.name} HAVING count(*) > 0`);
    }
  }
  return batch.counts;
}

/** Rows gathered per table and written in multi-row INSERTs, in the order they came. */
class Batch {
  readonly counts: Record<string, number> = Object.fromEntries(TABLES.map((table) => [table.name, 0]));
  private table: TransferTable | null = null;
  private rows: Row[] = [];

  constructor(private readonly sql: Sql) {}

  async add(table: TransferTable, row: Row): Promise<void> {
    if (this.table !== table || this.rows.length >= BATCH) await this.flush();
    this.table = table;
    this.rows.push(row);
  }

  async flush(): Promise<void> {
    const { table, rows } = this;
    this.rows = [];
    if (table === null || rows.length === 0) return;
    const values: unknown[] = [];
    const tuples = rows.map((row) => `(${table.columns.map(([name, type]) => {
      values.push(pgValue(type, row[name]));
      return `$${values.length}::${CAST[type]}`;
    }).join(', ')})`);
    const columns = table.columns.map(([name]) => `"${name}"`).join(', ');
    try {
      await this.sql.run(`INSERT INTO ${table.name} (${columns}) OVERRIDING SYSTEM VALUE VALUES ${tuples.join(', ')}`, values);
    } catch (error) {
      throw new StoreError('import_refused', `the database refused rows of ${table.name}: ${(error as Error).message}; nothing was imported`);
    }
    this.counts[table.name] = (this.counts[table.name] ?? 0) + rows.length;
  }
}

function pgValue(type: ColumnType, value: unknown): unknown {
  return type === 'bytes' && typeof value === 'string' ? Buffer.from(value, 'base64') : value;
}

/** The export file line by line, each checked: its header first, rows of known tables in order, its end last. */
class ExportReader {
  private end: Record<string, number> | null = null;

  constructor(private readonly file: string) {}

  /** The row counts the file's end line gives; call once the rows are read. */
  expected(): Record<string, number> {
    if (this.end === null) throw this.bad(null, 'it ends before its last line: the export was cut off');
    return this.end;
  }

  async *rows(): AsyncGenerator<{ table: TransferTable; row: Row }> {
    const lines = createInterface({ input: createReadStream(this.file), crlfDelay: Infinity });
    let number = 0;
    let order = 0;
    try {
      for await (const line of lines) {
        number += 1;
        const value = this.parse(line, number);
        if (number === 1) {
          this.checkHeader(value, number);
          continue;
        }
        if (this.end !== null) throw this.bad(number, 'there are lines after the end line');
        if (value.end === true) {
          this.end = counts(value.rows);
          if (this.end === null) throw this.bad(number, 'the end line has no row counts');
          continue;
        }
        const table = TABLES.findIndex((candidate) => candidate.name === value.table);
        if (table === -1) throw this.bad(number, `unknown table ${JSON.stringify(value.table)}; expected one of: ${TABLES.map((candidate) => candidate.name).join(', ')}`);
        if (table < order) throw this.bad(number, `rows of ${String(value.table)} come after those of a later table`);
        order = table;
        const spec = TABLES[table] as TransferTable;
        yield { table: spec, row: this.checkRow(spec, value.row, number) };
      }
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError('import_unreadable', `cannot read ${this.file}: ${(error as Error).message}`);
    }
    if (number === 0) throw this.bad(null, 'it is empty');
  }

  private parse(line: string, number: number): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw this.bad(number, 'it is not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.bad(number, 'expected a JSON object');
    return value as Record<string, unknown>;
  }

  private checkHeader(value: Record<string, unknown>, number: number): void {
    if (value.format !== EXPORT_FORMAT) throw this.bad(number, `it is not a file "slipway export" wrote (no "format": "${EXPORT_FORMAT}" header)`);
    if (value.version !== EXPORT_VERSION) {
      throw this.bad(number, `its format version is ${String(value.version)}, this slipway reads version ${EXPORT_VERSION}: import it with the slipway that exported it`);
    }
  }

  private checkRow(table: TransferTable, row: unknown, number: number): Row {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw this.bad(number, `a row of ${table.name} must be a JSON object`);
    const given = row as Row;
    const known = new Set(table.columns.map(([name]) => name));
    const unknown = Object.keys(given).find((name) => !known.has(name));
    if (unknown !== undefined) throw this.bad(number, `${table.name} has no column ${JSON.stringify(unknown)}`);
    for (const [name, type] of table.columns) {
      if (!(name in given)) throw this.bad(number, `the row of ${table.name} lacks ${name}`);
      const problem = valueProblem(type, given[name]);
      if (problem !== null) throw this.bad(number, `${table.name}.${name}: ${problem}`);
    }
    return given;
  }

  private bad(line: number | null, message: string): StoreError {
    return new StoreError('import_bad_file', `${this.file}${line === null ? '' : `:${line}`} cannot be imported: ${message}; nothing was imported`);
  }
}

function counts(value: unknown): Record<string, number> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const entries = Object.entries(value);
  return entries.every(([, count]) => Number.isSafeInteger(count)) ? Object.fromEntries(entries) as Record<string, number> : null;
}
