import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import pg from 'pg';
import type { PgOptions } from '../../src/store/postgres/connection.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';

/** The server the PostgreSQL tests use (trust auth); SLIPWAY_TEST_POSTGRES points them elsewhere. */
export const ADMIN_URL = process.env.SLIPWAY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs one statement as the server's administrator, on a connection of its own. */
export async function admin<T = unknown>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  /** The URL of the database, as slipway would be given it. */
  url: string;
  /** Opens a PgStore on the database, closed when the test ends (before the database is dropped). */
  open(options?: PgOptions): Promise<PgStore>;
  /** Runs one statement in the database, on a connection of its own. */
  query<T = unknown>(text: string, values?: unknown[]): Promise<T[]>;
}

/**
 * An empty database of its own for one test, dropped when the test ends (its connections
 * forced off), so tests share nothing and never touch another database of the server.
 */
export async function testDatabase(t: TestContext): Promise<TestDatabase> {
  const name = `slipway_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const stores: PgStore[] = [];
  t.after(async () => {
    await Promise.allSettled(stores.map((store) => store.close()));
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return {
    name,
    url: url.href,
    async open(options) {
      const store = await PgStore.open(url.href, options);
      stores.push(store);
      return store;
    },
    async query(text, values = []) {
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    },
  };
}
