// Grows a slipway store directly with SQL: `rows` processed deliveries, their arrival spread
// evenly over the `days` before `now`, each with a payload of `payloadBytes` random bytes
// (random, so it does not compress: the bytes a compressed webhook takes).
import Database from 'better-sqlite3';
import { migrate } from '../../dist/store/sqlite/migrations.js';

const DAY = 86_400_000;

/** Makes `file` as a slipway older than incremental auto-vacuum did (auto_vacuum NONE), then seeds it. */
export function seed(file, { rows, days, now, payloadBytes }) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(db);
  const span = days * DAY;
  db.transaction(() => {
    db.prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @rows)
      INSERT INTO deliveries (id, event, action, repository, received_at, status, processed_at)
      SELECT 'seed-' || i, 'pull_request', 'opened', 'acme/web', @start + i * @step, 'processed', @start + i * @step FROM n`)
      .run({ rows, start: now - span, step: Math.floor(span / rows) });
    db.prepare(`INSERT INTO delivery_payloads (seq, encoding, body) SELECT seq, 'br', randomblob(?) FROM deliveries`).run(payloadBytes);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Bytes the store takes on disk: the database and its write-ahead log. */
export function storeBytes(statSync, file) {
  const size = (path) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

export const mb = (bytes) => (bytes / 1024 ** 2).toFixed(1);
