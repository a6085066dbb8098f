import type Database from 'better-sqlite3';

/**
 * Numbered migrations, applied in order, each once. A landed migration is never edited:
 * add the next number instead.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'inbox',
    sql: `
      CREATE TABLE deliveries (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT    NOT NULL UNIQUE,
        event        TEXT    NOT NULL,
        action       TEXT,
        hook_id      TEXT,
        target_type  TEXT,
        target_id    TEXT,
        repository   TEXT,
        received_at  INTEGER NOT NULL,
        status       TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processed', 'ignored', 'failed')),
        error        TEXT,
        processed_at INTEGER
      );
      -- The dispatcher's queue. Listing by event or status walks seq backwards instead of
      -- keeping two more indexes that every insert and status change would write.
      CREATE INDEX deliveries_pending ON deliveries (seq) WHERE status = 'pending';

      -- Payloads apart from the rows whose status changes, so a status update rewrites a
      -- few bytes, not the payload. 'br' is Brotli of the JSON text.
      CREATE TABLE delivery_payloads (
        seq      INTEGER PRIMARY KEY REFERENCES deliveries (seq) ON DELETE CASCADE,
        encoding TEXT    NOT NULL CHECK (encoding IN ('br')),
        body     BLOB    NOT NULL
      );

      CREATE TABLE hooks (
        id         TEXT    PRIMARY KEY,
        type       TEXT,
        events     TEXT    NOT NULL,
        repository TEXT,
        seen_at    INTEGER NOT NULL
      );

      CREATE TABLE leases (
        name       TEXT    PRIMARY KEY,
        holder     TEXT    NOT NULL,
        token      INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
];

/** Applies what is missing; running it again is harmless. Returns the versions applied. */
export function migrate(db: Database.Database): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
    done.push(migration.version);
  }
  return done;
}
