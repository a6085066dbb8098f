import type { Fence } from '../../domain/environments.js';
import { StoreError } from '../errors.js';
import type { Sql } from './database.js';

/**
 * Takes or renews a lease in one statement, on the database's clock (replicas' clocks may
 * differ). The upsert locks the lease's row, and its WHERE is checked against the row as the
 * last writer left it, so of replicas racing for a free lease exactly one gets it, whatever
 * the isolation. Renewal keeps the token; a new tenure (first, after expiry or release) gets
 * the next one. Null while another holder has it.
 */
export async function acquireLease(sql: Sql, name: string, holder: string, ttlMs: number): Promise<number | null> {
  const token = await sql.value<number>(`INSERT INTO leases AS l (name, holder, token, expires_at)
      VALUES ($1, $2, 1, clock_timestamp() + $3::bigint * interval '1 millisecond')
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
      token = CASE WHEN l.holder = excluded.holder AND l.expires_at > clock_timestamp() THEN l.token ELSE l.token + 1 END
    WHERE l.holder = excluded.holder OR l.expires_at <= clock_timestamp()
    RETURNING token`, [name, holder, ttlMs]);
  return token ?? null;
}

/** A released lease keeps its row, expired, so the next token still grows. */
export async function releaseLease(sql: Sql, name: string, holder: string): Promise<void> {
  await sql.run(`UPDATE leases SET expires_at = '-infinity' WHERE name = $1 AND holder = $2`, [name, holder]);
}

/**
 * A write that holds a lease checks it first, or fails with `lease_lost`. FOR SHARE keeps the
 * lease row as it is until the write commits: a replica taking the lease over (an UPDATE of
 * that row) waits for it, so no write of an old tenure lands after a new tenure began.
 */
export async function checkFence(sql: Sql, fence: Fence): Promise<void> {
  const held = await sql.value(`SELECT 1 FROM leases WHERE name = $1 AND token = $2 AND expires_at > clock_timestamp() FOR SHARE`,
    [fence.lease, fence.token]);
  if (held === undefined) throw new StoreError('lease_lost', `the lease ${fence.lease} (token ${fence.token}) is no longer held`);
}
