import type Database from 'better-sqlite3';
import type { CiSignal, SignalRecord } from '../../domain/signals.js';

type SignalRow = Omit<CiSignal, 'order'> & { ordId: number; ordAttempt: number; ordPhase: number };

/** SQL for CI signals; runs on the store's worker thread. */
export function createSignalQueries(db: Database.Database) {
  // A report replaces the stored one unless it is older (a late delivery): row values compare left to right.
  const upsert = db.prepare(`INSERT INTO ci_signals (repo, sha, kind, name, app, state, conclusion, url,
      ord_id, ord_attempt, ord_phase, received_at)
    VALUES (@repo, @sha, @kind, @name, @app, @state, @conclusion, @url, @ordId, @ordAttempt, @ordPhase, @receivedAt)
    ON CONFLICT (repo, sha, kind, name) DO UPDATE SET app = excluded.app, state = excluded.state,
      conclusion = excluded.conclusion, url = excluded.url, ord_id = excluded.ord_id,
      ord_attempt = excluded.ord_attempt, ord_phase = excluded.ord_phase, received_at = excluded.received_at
    WHERE (excluded.ord_id, excluded.ord_attempt, excluded.ord_phase) >= (ci_signals.ord_id, ci_signals.ord_attempt, ci_signals.ord_phase)`);
  // Environments whose newest deployment waits on this sha, or failed its gate on it (a re-run may open it).
  const wake = db.prepare(`UPDATE environments SET generation = generation + 1, last_trigger = ?,
      requested_at = coalesce((SELECT received_at FROM deliveries WHERE id = ?), ?), updated_at = ?
    WHERE present = 1 AND app IN (SELECT value FROM json_each(?)) AND id IN (
      SELECT d.environment_id FROM deployments d
      WHERE d.id = (SELECT max(id) FROM deployments WHERE environment_id = d.environment_id)
        AND d.sha = ? AND (d.state = 'waiting' OR (d.state = 'failure' AND d.started_at IS NULL)))`);

  return {
    /** Keeps the signal (unless a newer report of it is stored) and wakes what waits on its sha. */
    recordSignal({ signal, apps }: SignalRecord, deliveryId: string | null, now: number): void {
      const [ordId, ordAttempt, ordPhase] = signal.order;
      const { repo, sha, kind, name, app, state, conclusion, url, receivedAt } = signal;
      const row = { repo, sha, kind, name, app, state, conclusion, url, receivedAt, ordId, ordAttempt, ordPhase };
      const stored = upsert.run(row).changes === 1;
      if (stored && apps.length > 0) wake.run(signal.kind, deliveryId, now, now, JSON.stringify(apps), signal.sha);
    },
    signalsFor(repo: string, sha: string): CiSignal[] {
      const rows = db.prepare(`SELECT repo, sha, kind, name, app, state, conclusion, url, ord_id AS ordId,
          ord_attempt AS ordAttempt, ord_phase AS ordPhase, received_at AS receivedAt
        FROM ci_signals WHERE repo = ? AND sha = ? ORDER BY kind, name`).all(repo, sha) as SignalRow[];
      return rows.map(({ ordId, ordAttempt, ordPhase, ...row }) => ({ ...row, order: [ordId, ordAttempt, ordPhase] }));
    },
  };
}
