import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { formatSize } from '../../config/size.js';

/** `PRAGMA auto_vacuum` value for INCREMENTAL. */
const INCREMENTAL = 2;

/**
 * Pages freed by the retention job go back to the file system (`PRAGMA incremental_vacuum`),
 * so a store that runs for a year stops growing once its ages are reached and shrinks after a
 * burst. Run before `journal_mode` is set: a new database then gets it as it is created. An
 * older one is rewritten once with VACUUM (bench/README.md says how long that takes; it needs
 * as much free disk as the database's size).
 */
export function useIncrementalVacuum(db: Database.Database, notice: (message: string) => void): void {
  db.pragma('auto_vacuum = INCREMENTAL');
  if (db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return;
  // Minutes for a large store, and nothing answers meanwhile: say so before it starts.
  const size = statSync(db.name).size;
  notice(`rewriting the store (${formatSize(size)}) once with VACUUM, so that the space retention frees goes back to the file system; ` +
    `about 35 s per GB, needing as much free disk again; slipway answers once it is done`);
  db.exec('VACUUM');
}
