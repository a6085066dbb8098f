import type { CiSignal, SignalRecord } from '../../domain/signals.js';
import type { Sql } from './database.js';

type SignalRow = Omit<CiSignal, 'order'> & { ordId: number; ordAttempt: number; ordPhase: number };

/**
 * Keeps the signal unless a newer report of it is stored (a late delivery; row values compare
 * left to right), and wakes the environments whose newest deployment waits on its sha, or
 * failed its gate on it (a re-run may open it).
 */
export async function recordSignal(sql: Sql, { signal, apps }: SignalRecord, deliveryId: string | null, now: number): Promise<void> {
  const [ordId, ordAttempt, ordPhase] = signal.order;
  const { repo, sha, kind, name, app, state, conclusion, url, receivedAt } = signal;
  const stored = await sql.run(`INSERT INTO ci_signals AS s (repo, sha, kind, name, app, state, conclusion, url,
      ord_id, ord_attempt, ord_phase, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
    ON CONFLICT (lower(repo), sha, kind, name) DO UPDATE SET app = excluded.app, state = excluded.state,
      conclusion = excluded.conclusion, url = excluded.url, ord_id = excluded.ord_id,
      ord_attempt = excluded.ord_attempt, ord_phase = excluded.ord_phase, received_at = excluded.received_at
    WHERE (excluded.ord_id, excluded.ord_attempt, excluded.ord_phase) >= (s.ord_id, s.ord_attempt, s.ord_phase)`,
  [repo, sha, kind, name, app, state, conclusion, url, ordId, ordAttempt, ordPhase, receivedAt]);
  if (stored !== 1 || apps.length === 0) return;
  await sql.run(`UPDATE environments SET generation = generation + 1, last_trigger = $1,
      requested_at = coalesce((SELECT received_at FROM deliveries WHERE id = $2), $3), updated_at = $3
    WHERE present AND app = ANY($4::text[]) AND id IN (
      SELECT d.environment_id FROM deployments d
      WHERE d.id = (SELECT max(id) FROM deployments WHERE environment_id = d.environment_id)
        AND d.sha = $5 AND (d.state = 'waiting' OR (d.state = 'failure' AND d.started_at IS NULL)))`,
  [kind, deliveryId, now, apps, sha]);
}

/** The latest report of every CI signal stored for a commit of a repository (any case). */
export async function signalsFor(sql: Sql, repo: string, sha: string): Promise<CiSignal[]> {
  const rows = await sql.all<SignalRow>(`SELECT repo, sha, kind, name, app, state, conclusion, url, ord_id AS "ordId",
      ord_attempt AS "ordAttempt", ord_phase AS "ordPhase", received_at AS "receivedAt"
    FROM ci_signals WHERE lower(repo) = lower($1) AND sha = $2 ORDER BY kind COLLATE "C", name COLLATE "C"`, [repo, sha]);
  return rows.map(({ ordId, ordAttempt, ordPhase, ...row }) => ({ ...row, order: [ordId, ordAttempt, ordPhase] }));
}
