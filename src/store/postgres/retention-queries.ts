import { SIGNAL_RETENTION_MS, type PruneBatch, type PruneKind, type PruneStep } from '../retention.js';
import { walkArrivals, type Arrival } from '../retention-walk.js';
import type { Sql } from './database.js';

/** Environments one deployments batch looks at, so a batch stays short however many there are. */
const ENVIRONMENTS_PER_BATCH = 200;

/** Removes deployments with their timelines. */
async function removeDeployments(sql: Sql, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.run('DELETE FROM deployment_timeline WHERE deployment_id = ANY($1::bigint[])', [ids]);
  await sql.run('DELETE FROM deployments WHERE id = ANY($1::bigint[])', [ids]);
}

/**
 * A deployment beyond the newest `keep` of its environment that finished before `before`, and
 * is neither the newest nor one rollback reads (rollback.ts): the newest success, and the newest
 * success of another sha (the one to go back to when the newest success's sha is the one that failed).
 */
function oldDeployments(sql: Sql, env: number, keep: number, before: number, limit: number): Promise<number[]> {
  return sql.column(`WITH good AS (
      SELECT id, sha FROM deployments WHERE environment_id = $1 AND state = 'success' AND sha IS NOT NULL ORDER BY id DESC LIMIT 1
    ), spared AS (
      SELECT max(id) AS id FROM deployments WHERE environment_id = $1
      UNION ALL SELECT id FROM good
      UNION ALL (SELECT d.id FROM deployments d, good WHERE d.environment_id = $1 AND d.state = 'success' AND d.sha IS NOT NULL
        AND d.sha <> good.sha ORDER BY d.id DESC LIMIT 1)
    )
    SELECT id FROM deployments WHERE environment_id = $1
      AND id <= (SELECT id FROM deployments WHERE environment_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)
      AND finished_at < $3 AND id NOT IN (SELECT id FROM spared WHERE id IS NOT NULL)
    ORDER BY id LIMIT $4`, [env, keep, before, limit]);
}

const prune: Record<PruneKind, (sql: Sql, step: PruneStep) => Promise<PruneBatch>> = {
  payloads: async (sql, { policy, now, after, limit }) => {
    const rows = await sql.all<Arrival>(`SELECT d.seq, d.received_at AS "receivedAt", d.status FROM delivery_payloads p
      JOIN deliveries d ON d.seq = p.seq WHERE p.seq > $1 ORDER BY p.seq LIMIT $2`, [after, limit]);
    const { drop, batch } = walkArrivals(rows, now - policy.deliveries.payloadsMs, limit);
    await sql.run('DELETE FROM delivery_payloads WHERE seq = ANY($1::bigint[])', [drop]);
    return batch;
  },
  deliveries: async (sql, { policy, now, after, limit }) => {
    const rows = await sql.all<Arrival>('SELECT seq, received_at AS "receivedAt", status FROM deliveries WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit]);
    const { drop, batch } = walkArrivals(rows, now - policy.deliveries.rowsMs, limit);
    // Its payload, if still there, goes with it (ON DELETE CASCADE).
    await sql.run('DELETE FROM deliveries WHERE seq = ANY($1::bigint[])', [drop]);
    return batch;
  },
  /** Cursor: environment ids. */
  deployments: async (sql, { policy, now, after, limit }) => {
    const { keep, ageMs } = policy.deployments;
    const environments = await sql.column<number>('SELECT id FROM environments WHERE id > $1 ORDER BY id LIMIT $2', [after, ENVIRONMENTS_PER_BATCH]);
    let removed = 0;
    for (const env of environments) {
      const ids = await oldDeployments(sql, env, keep, now - ageMs, limit - removed);
      await removeDeployments(sql, ids);
      removed += ids.length;
      // Full: this environment may have more, so the next batch starts with it again.
      if (removed === limit) return { removed, next: env - 1 };
    }
    return { removed, next: environments.length < ENVIRONMENTS_PER_BATCH ? null : (environments.at(-1) ?? null) };
  },
  /** Cursor: environment ids. A destroyed environment's deployments go first, then its row; all count toward `limit`. */
  environments: async (sql, { policy, now, after, limit }) => {
    let rows = 0;
    let removed = 0;
    const destroyed = await sql.column<number>(`SELECT id FROM environments WHERE NOT present AND state = 'destroyed' AND updated_at < $1 AND id > $2
      ORDER BY id LIMIT $3`, [now - policy.destroyedEnvironmentsMs, after, limit]);
    for (const env of destroyed) {
      const ids = await sql.column<number>('SELECT id FROM deployments WHERE environment_id = $1 ORDER BY id LIMIT $2', [env, limit - rows]);
      await removeDeployments(sql, ids);
      rows += ids.length;
      if (rows === limit) return { removed, next: env - 1 };
      await sql.run('DELETE FROM environments WHERE id = $1', [env]);
      removed += 1;
      rows += 1;
      if (rows === limit) return { removed, next: env };
    }
    return { removed, next: null };
  },
  /** The partial index on finished_at holds only finished notifications; pending ones are never removed. */
  notifications: async (sql, { policy, now, limit }) => {
    const delivered = now - policy.notifications.deliveredMs;
    const failed = now - policy.notifications.failedMs;
    const removed = await sql.run(`DELETE FROM notifications WHERE seq IN (SELECT seq FROM notifications
      WHERE state <> 'pending' AND finished_at < greatest($1::bigint, $2::bigint)
        AND ((state = 'delivered' AND finished_at < $1) OR (state = 'failed' AND finished_at < $2))
      LIMIT $3)`, [delivered, failed, limit]);
    return { removed, next: removed < limit ? null : 0 };
  },
  /**
   * Of a pull request: a decided command, its comment's id, a fork approval not waiting for a
   * decision, a request for its comment still not carried out (GitHub kept refusing it).
   */
  pullRequests: async (sql, { policy, now, limit }) => {
    const before = now - policy.pullRequestsMs;
    let removed = 0;
    removed += await sql.run(`DELETE FROM pr_commands WHERE ctid IN (SELECT ctid FROM pr_commands
      WHERE state <> 'received' AND decided_at < $1 LIMIT $2)`, [before, limit - removed]);
    removed += await sql.run(`DELETE FROM pr_comments WHERE ctid IN (SELECT ctid FROM pr_comments
      WHERE updated_at < $1 LIMIT $2)`, [before, limit - removed]);
    removed += await sql.run(`DELETE FROM fork_approvals WHERE ctid IN (SELECT ctid FROM fork_approvals
      WHERE state <> 'requested' AND updated_at < $1 LIMIT $2)`, [before, limit - removed]);
    removed += await sql.run(`DELETE FROM comment_requests WHERE seq IN (SELECT seq FROM comment_requests
      WHERE requested_at < $1 LIMIT $2)`, [before, limit - removed]);
    return { removed, next: removed < limit ? null : 0 };
  },
  signals: async (sql, { now, limit }) => {
    const removed = await sql.run(`DELETE FROM ci_signals WHERE ctid IN
      (SELECT ctid FROM ci_signals WHERE received_at < $1 ORDER BY received_at LIMIT $2)`, [now - SIGNAL_RETENTION_MS, limit]);
    return { removed, next: removed < limit ? null : 0 };
  },
};

/**
 * One batch of one kind, oldest first, saying where the next continues. The caller runs it in
 * a serializable transaction: what a batch keeps (a pending delivery, the deployments rollback
 * reads) depends on rows other replicas may be changing.
 */
export function pruneBatch(sql: Sql, step: PruneStep): Promise<PruneBatch> {
  return prune[step.kind](sql, step);
}
