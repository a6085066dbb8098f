import type { Config } from '../config/schema.js';
import { storeUrlProblem } from '../config/store-url.js';
import { SlipwayError } from '../errors.js';
import type { StoreWhere } from '../store/open-store.js';
import { UsageError } from './args.js';

export const STORE_OPTION = { store: { type: 'string' } } as const;

export const STORE_HELP = `  --store URL    the PostgreSQL store, postgres://user@host:5432/db (default: $SLIPWAY_STORE_URL,
                 else store.url; without any, SQLite in store.dataDir). The password is best
                 left out of the URL (the process list shows arguments): PGPASSWORD or ~/.pgpass`;

/**
 * Where the store is: --store, else $SLIPWAY_STORE_URL, else the config's store.url (which the
 * config checked already), else SQLite in store.dataDir. A bad URL is refused naming where it
 * came from, never repeating it (it may carry a password).
 */
export function storeWhere(flag: string | undefined, config: Config, env: NodeJS.ProcessEnv = process.env): StoreWhere {
  const given = flag !== undefined ? { url: flag, source: '--store' } : env.SLIPWAY_STORE_URL ? { url: env.SLIPWAY_STORE_URL, source: 'SLIPWAY_STORE_URL' } : null;
  if (given !== null) {
    const problem = storeUrlProblem(given.url);
    if (problem !== null) throw new UsageError(`${given.source} ${problem}`);
  }
  return { url: given?.url ?? config.store.url ?? null, dataDir: config.store.dataDir };
}

/**
 * `backup` and `restore` copy the SQLite file in store.dataDir: with a PostgreSQL store that
 * file is not slipway's store (an old one, or none), so they refuse and say what does the job.
 */
export function refuseUnlessSqlite(command: string, config: Config, env: NodeJS.ProcessEnv = process.env): void {
  const source = env.SLIPWAY_STORE_URL ? 'SLIPWAY_STORE_URL' : config.store.url !== undefined ? 'store.url' : null;
  if (source === null) return;
  const tool = command === 'backup' ? 'pg_dump (for example: pg_dump --format=custom --file=slipway.dump "$SLIPWAY_STORE_URL")' : 'pg_restore, with every replica stopped';
  throw new SlipwayError('store_not_sqlite', `slipway ${command} works on the SQLite store in store.dataDir, but this slipway's store is PostgreSQL (${source} is set): use ${tool}`);
}
