// PostgreSQL for the benchmarks: each run makes databases of its own on one server and drops
// them afterwards, as the tests do.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the benchmarks use unless told otherwise (`--admin`), as the tests do. */
export const ADMIN_URL = process.env.SLIPWAY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** One statement on a connection of its own; resolves with the rows. */
export async function query(url, text, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** `url` with its password hidden, for messages. */
export function shown(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}

/**
 * Databases `slipway_bench_<random>` on the server `adminUrl` reaches (connected to as a user
 * who may create databases): `create()` resolves with the new one's URL, `dropAll()` drops every
 * one made so far (WITH FORCE: a replica still connected does not keep it).
 */
export function benchDatabases(adminUrl) {
  const names = [];
  return {
    /** Fails with a message naming the server when it does not answer. */
    async check() {
      try {
        await query(adminUrl, 'SELECT 1');
      } catch (error) {
        throw new Error(`PostgreSQL at ${shown(adminUrl)} does not answer (${error.code ?? error.message}): start it, or name another server with --admin`);
      }
    },
    async create() {
      const name = `slipway_bench_${randomBytes(5).toString('hex')}`;
      await query(adminUrl, `CREATE DATABASE ${name}`);
      names.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.href;
    },
    async dropAll() {
      for (const name of names.splice(0)) await query(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    },
  };
}
