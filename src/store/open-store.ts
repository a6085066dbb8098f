import type { ReplicaStore, RouteStore } from './replicas.js';
import type { Store } from './store.js';

/** Where the store is: PostgreSQL at `url` when one is given, else SQLite in `dataDir`. */
export interface StoreWhere {
  url: string | null;
  dataDir: string;
}

export interface OpenedStore {
  store: Store;
  kind: 'sqlite' | 'postgres';
  /** Where it is, as logs may show it: the data folder, or the URL without its password. */
  location: string;
  /** The replicas sharing it; null for SQLite, whose data folder belongs to one process. */
  replicas: (ReplicaStore & RouteStore) | null;
}

/**
 * Opens (and migrates) the store slipway runs on; `notice` hears what an SQLite store says at
 * open before work that takes long. Each kind is loaded only when used: a
 * slipway on SQLite never loads the PostgreSQL driver, and the other way round.
 */
export async function openStore(where: StoreWhere, notice: (message: string) => void = () => {}): Promise<OpenedStore> {
  if (where.url !== null) {
    const { PgStore } = await import('./postgres/pg-store.js');
    const store = await PgStore.open(where.url);
    return { store, kind: 'postgres', location: store.location, replicas: store };
  }
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return { store: await SqliteStore.open(where.dataDir, notice), kind: 'sqlite', location: where.dataDir, replicas: null };
}
