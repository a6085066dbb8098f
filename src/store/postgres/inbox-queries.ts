import { decompressPayload } from '../payloads.js';
import type { Backlog, Delivery, DeliveryQuery, DeliverySummary, HookRecord, NewDelivery } from '../store.js';
import type { Sql } from './database.js';
import { whereOf } from './filters.js';

const SUMMARY_COLUMNS = `seq, id, event, action, hook_id AS "hookId", target_type AS "targetType",
  target_id AS "targetId", repository, received_at AS "receivedAt", status, error,
  processed_at AS "processedAt"`;

/** A delivery as ingest hands it over, its payload compressed already. */
export type CompressedDelivery = Omit<NewDelivery, 'payload'> & { body: Buffer };

const INSERT_COLUMNS = ['id', 'event', 'action', 'hook_id', 'target_type', 'target_id', 'repository', 'received_at'] as const;
const INSERT_TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'bigint'] as const;

/**
 * One multi-row insert of a group commit's deliveries, in arrival order (their seq follows it).
 * A delivery whose id is stored already, or came earlier in the same batch, is left out.
 * Resolves to the ids inserted.
 */
export async function insertDeliveries(sql: Sql, deliveries: readonly CompressedDelivery[]): Promise<Set<string>> {
  const columns = (d: CompressedDelivery) => [d.id, d.event, d.action, d.hookId, d.targetType, d.targetId, d.repository, d.receivedAt];
  const arrays = INSERT_COLUMNS.map((_, index) => deliveries.map((d) => columns(d)[index]));
  const unnest = INSERT_TYPES.map((type, index) => `$${index + 1}::${type}[]`).join(', ');
  const body = INSERT_COLUMNS.length + 1;
  const ids = await sql.column<string>(`WITH input AS (
      SELECT * FROM unnest(${unnest}, $${body}::bytea[]) WITH ORDINALITY AS i(${INSERT_COLUMNS.join(', ')}, body, ord)
    ), first AS (
      SELECT DISTINCT ON (id) * FROM input ORDER BY id, ord
    ), inserted AS (
      INSERT INTO deliveries (${INSERT_COLUMNS.join(', ')})
      SELECT ${INSERT_COLUMNS.join(', ')} FROM first ORDER BY ord
      ON CONFLICT (id) DO NOTHING RETURNING seq, id
    ), payloads AS (
      INSERT INTO delivery_payloads (seq, encoding, body)
      SELECT inserted.seq, 'br', first.body FROM inserted JOIN first USING (id)
    )
    SELECT id FROM inserted`, [...arrays, deliveries.map((d) => d.body)]);
  return new Set(ids);
}

export async function getDelivery(sql: Sql, id: string): Promise<Delivery | null> {
  const row = await sql.get<DeliverySummary & { body: Buffer | null }>(`SELECT ${SUMMARY_COLUMNS}, p.body FROM deliveries d
    LEFT JOIN delivery_payloads p USING (seq) WHERE d.id = $1`, [id]);
  if (row === undefined) return null;
  const { body, ...summary } = row;
  return { ...summary, payload: body === null ? null : decompressPayload(body) };
}

export async function deliveryPayloads(sql: Sql, ids: string[]): Promise<Map<string, string>> {
  const rows = await sql.all<{ id: string; body: Buffer }>(`SELECT d.id, p.body FROM unnest($1::text[]) WITH ORDINALITY AS asked(id, ord)
    JOIN deliveries d ON d.id = asked.id JOIN delivery_payloads p ON p.seq = d.seq ORDER BY asked.ord`, [ids]);
  return new Map(rows.map((row) => [row.id, decompressPayload(row.body)]));
}

export async function listDeliveries(sql: Sql, query: DeliveryQuery): Promise<DeliverySummary[]> {
  const { clause, values } = whereOf([
    ['event = ?', query.event],
    ['status = ?', query.status],
    ['lower(repository) = lower(?)', query.repository],
    ['seq < ?', query.beforeSeq],
  ]);
  return sql.all(`SELECT ${SUMMARY_COLUMNS} FROM deliveries ${clause} ORDER BY seq DESC LIMIT $${values.length + 1}`, [...values, query.limit]);
}

/** The database's clock in ms: claims, like leases, expire by it, whatever the replicas' clocks say. */
const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/**
 * Claims pending deliveries for `holder` (InboxStore.claimDeliveries says the rules). Run in a
 * transaction of its own: the advisory lock makes claimers take turns, so two never read the
 * same claims as free; rows a finishing transaction holds are skipped (SKIP LOCKED), and a
 * delivery with an earlier pending one of its repository left out is not claimed, so each
 * repository's claimed deliveries are its oldest pending ones.
 */
export async function claimDeliveries(sql: Sql, holder: string, limit: number, ttlMs: number): Promise<DeliverySummary[]> {
  await sql.run(`SELECT pg_advisory_xact_lock(hashtext('slipway.claim_deliveries'))`);
  return sql.all(`WITH held AS (
      SELECT DISTINCT lower(repository) AS repository FROM deliveries
      WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_by <> $1 AND claim_expires > ${NOW_MS}
    ), candidates AS (
      SELECT d.seq, lower(d.repository) AS repository FROM deliveries d
      WHERE d.status = 'pending' AND NOT EXISTS (SELECT 1 FROM held h WHERE h.repository IS NOT DISTINCT FROM lower(d.repository))
      ORDER BY d.seq LIMIT $2
      FOR UPDATE OF d SKIP LOCKED
    ), claimable AS (
      SELECT c.seq FROM candidates c WHERE NOT EXISTS (SELECT 1 FROM deliveries e
        WHERE e.status = 'pending' AND lower(e.repository) IS NOT DISTINCT FROM c.repository AND e.seq < c.seq
          AND e.seq NOT IN (SELECT seq FROM candidates))
    ), claimed AS (
      UPDATE deliveries SET claimed_by = $1, claim_expires = ${NOW_MS} + $3
      WHERE seq IN (SELECT seq FROM claimable) RETURNING ${SUMMARY_COLUMNS}
    )
    SELECT * FROM claimed ORDER BY seq`, [holder, limit, ttlMs]);
}

/** Gives up `holder`'s claims on pending deliveries. */
export async function releaseDeliveries(sql: Sql, holder: string): Promise<void> {
  await sql.run(`UPDATE deliveries SET claimed_by = NULL, claim_expires = NULL WHERE status = 'pending' AND claimed_by = $1`, [holder]);
}

/** Marks a pending delivery `holder` claimed done; false when it is not pending or another holder took it over. */
export async function finishDelivery(sql: Sql, holder: string, id: string, status: string, error: string | null, processedAt: number): Promise<boolean> {
  return (await sql.run(`UPDATE deliveries SET status = $1, error = $2, processed_at = $3, claimed_by = NULL, claim_expires = NULL
    WHERE id = $4 AND status = 'pending' AND claimed_by = $5`, [status, error, processedAt, id, holder])) === 1;
}

export async function upsertHook(sql: Sql, hook: HookRecord): Promise<void> {
  await sql.run(`INSERT INTO hooks (id, type, events, repository, seen_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (id) DO UPDATE SET type = excluded.type, events = excluded.events,
      repository = excluded.repository, seen_at = excluded.seen_at`, [hook.id, hook.type, hook.events, hook.repository, hook.seenAt]);
}

/** Marks a delivery pending again, so the dispatcher applies it anew (replay). */
export async function requeueDelivery(sql: Sql, id: string): Promise<boolean> {
  return (await sql.run(`UPDATE deliveries SET status = 'pending', error = NULL, processed_at = NULL,
      claimed_by = NULL, claim_expires = NULL
    WHERE id = $1 AND status <> 'pending'`, [id])) === 1;
}

export async function backlog(sql: Sql): Promise<Backlog> {
  return (await sql.get<Backlog>(`SELECT count(*) AS pending, min(received_at) AS "oldestReceivedAt"
    FROM deliveries WHERE status = 'pending'`)) as Backlog;
}

export async function listHooks(sql: Sql): Promise<HookRecord[]> {
  return sql.all('SELECT id, type, events, repository, seen_at AS "seenAt" FROM hooks ORDER BY id');
}
