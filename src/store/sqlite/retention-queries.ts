import type Database from 'better-sqlite3';
import { SIGNAL_RETENTION_MS, type PruneBatch, type PruneKind, type PruneStep } from '../retention.js';
import { walkArrivals, type Arrival } from '../retention-walk.js';

/** Environments one deployments batch looks at, so a batch stays short however many there are. */
const ENVIRONMENTS_PER_BATCH = 200;

/**
 * SQL for the retention job: each call removes one small batch, oldest first, and says where
 * the next continues, so the transaction it runs in (shared with ingest's inserts) stays short.
 */
export function createRetentionQueries(db: Database.Database) {
  const withPayload = db.prepare(`SELECT d.seq, d.received_at AS receivedAt, d.status FROM delivery_payloads p
    JOIN deliveries d ON d.seq = p.seq WHERE p.seq > ? ORDER BY p.seq LIMIT ?`);
  const dropPayload = db.prepare('DELETE FROM delivery_payloads WHERE seq = ?');
  const arrivals = db.prepare('SELECT seq, received_at AS receivedAt, status FROM deliveries WHERE seq > ? ORDER BY seq LIMIT ?');
  // Its payload, if still there, goes with it (ON DELETE CASCADE).
  const dropDelivery = db.prepare('DELETE FROM deliveries WHERE seq = ?');

  const environmentsAfter = db.prepare('SELECT id FROM environments WHERE id > ? ORDER BY id LIMIT ?').pluck();
  // The newest deployment beyond the `keep` newest of an environment: it and older ones may go.
  const beyondKept = db.prepare('SELECT id FROM deployments WHERE environment_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?').pluck();
  const newest = db.prepare('SELECT max(id) FROM deployments WHERE environment_id = ?').pluck();
  // What rollback reads (rollback.ts): the newest success, and the newest success of another sha
  // (the one to go back to when the newest success's sha is the one that failed).
  const lastGood = db.prepare(`SELECT id, sha FROM deployments WHERE environment_id = ? AND state = 'success' AND sha IS NOT NULL
    ORDER BY id DESC LIMIT 1`);
  const lastGoodOther = db.prepare(`SELECT id FROM deployments WHERE environment_id = ? AND state = 'success' AND sha IS NOT NULL
    AND sha != ? ORDER BY id DESC LIMIT 1`).pluck();
  // -1 for "none": NOT IN with a NULL in its list is never true.
  const oldDeployments = db.prepare(`SELECT id FROM deployments WHERE environment_id = @env AND id <= @upTo AND finished_at < @before
    AND id NOT IN (@a, @b, @c) ORDER BY id LIMIT @limit`).pluck();

  const destroyed = db.prepare(`SELECT id FROM environments WHERE present = 0 AND state = 'destroyed' AND updated_at < ? AND id > ?
    ORDER BY id LIMIT ?`).pluck();
  const deploymentsOf = db.prepare('SELECT id FROM deployments WHERE environment_id = ? ORDER BY id LIMIT ?').pluck();
  const dropEnvironment = db.prepare('DELETE FROM environments WHERE id = ?');

  const dropTimeline = db.prepare('DELETE FROM deployment_timeline WHERE deployment_id = ?');
  const dropDeployment = db.prepare('DELETE FROM deployments WHERE id = ?');
  const removeDeployments = (ids: readonly number[]) => {
    for (const id of ids) {
      dropTimeline.run(id);
      dropDeployment.run(id);
    }
  };

  // The partial index on finished_at holds only finished notifications; pending ones are never removed.
  const dropNotifications = db.prepare(`DELETE FROM notifications WHERE seq IN (SELECT seq FROM notifications
    WHERE state != 'pending' AND finished_at < max(@delivered, @failed)
      AND ((state = 'delivered' AND finished_at < @delivered) OR (state = 'failed' AND finished_at < @failed))
    LIMIT @limit)`);
  // Of a pull request: a decided command, its comment's id, a fork approval not waiting for a
  // decision, a request for its comment still not carried out (GitHub kept refusing it).
  const dropPullRequestRows = [
    db.prepare(`DELETE FROM pr_commands WHERE rowid IN (SELECT rowid FROM pr_commands
      WHERE state != 'received' AND decided_at < ? LIMIT ?)`),
    db.prepare(`DELETE FROM pr_comments WHERE (repo, pr) IN (SELECT repo, pr FROM pr_comments WHERE updated_at < ? LIMIT ?)`),
    db.prepare(`DELETE FROM fork_approvals WHERE rowid IN (SELECT rowid FROM fork_approvals
      WHERE state != 'requested' AND updated_at < ? LIMIT ?)`),
    db.prepare('DELETE FROM comment_requests WHERE seq IN (SELECT seq FROM comment_requests WHERE requested_at < ? LIMIT ?)'),
  ];
  const dropSignals = db.prepare(`DELETE FROM ci_signals WHERE (repo, sha, kind, name) IN
    (SELECT repo, sha, kind, name FROM ci_signals WHERE received_at < ? ORDER BY received_at LIMIT ?)`);

  const prune: Record<PruneKind, (step: PruneStep) => PruneBatch> = {
    payloads: ({ policy, now, after, limit }) => {
      const { drop, batch } = walkArrivals(withPayload.all(after, limit) as Arrival[], now - policy.deliveries.payloadsMs, limit);
      for (const seq of drop) dropPayload.run(seq);
      return batch;
    },
    deliveries: ({ policy, now, after, limit }) => {
      const { drop, batch } = walkArrivals(arrivals.all(after, limit) as Arrival[], now - policy.deliveries.rowsMs, limit);
      for (const seq of drop) dropDelivery.run(seq);
      return batch;
    },
    /**
     * Cursor: environment ids. A deployment goes when it is beyond its environment's newest
     * `keep` and finished before the cutoff, and is neither the newest nor one rollback reads.
     */
    deployments: ({ policy, now, after, limit }) => {
      const { keep, ageMs } = policy.deployments;
      const environments = environmentsAfter.all(after, ENVIRONMENTS_PER_BATCH) as number[];
      let removed = 0;
      for (const env of environments) {
        const upTo = beyondKept.get(env, keep) as number | undefined;
        if (upTo === undefined) continue;
        const good = lastGood.get(env) as { id: number; sha: string } | undefined;
        const other = good === undefined ? undefined : (lastGoodOther.get(env, good.sha) as number | undefined);
        const ids = oldDeployments.all({ env, upTo, before: now - ageMs, a: newest.get(env) as number, b: good?.id ?? -1, c: other ?? -1, limit: limit - removed }) as number[];
        removeDeployments(ids);
        removed += ids.length;
        // Full: this environment may have more, so the next batch starts with it again.
        if (removed === limit) return { removed, next: env - 1 };
      }
      return { removed, next: environments.length < ENVIRONMENTS_PER_BATCH ? null : (environments.at(-1) ?? null) };
    },
    /** Cursor: environment ids. A destroyed environment's deployments go first, then its row; all count toward `limit`. */
    environments: ({ policy, now, after, limit }) => {
      let rows = 0;
      let removed = 0;
      for (const env of destroyed.all(now - policy.destroyedEnvironmentsMs, after, limit) as number[]) {
        const ids = deploymentsOf.all(env, limit - rows) as number[];
        removeDeployments(ids);
        rows += ids.length;
        if (rows === limit) return { removed, next: env - 1 };
        dropEnvironment.run(env);
        removed += 1;
        rows += 1;
        if (rows === limit) return { removed, next: env };
      }
      return { removed, next: null };
    },
    notifications: ({ policy, now, limit }) => {
      const { deliveredMs, failedMs } = policy.notifications;
      const removed = dropNotifications.run({ delivered: now - deliveredMs, failed: now - failedMs, limit }).changes;
      return { removed, next: removed < limit ? null : 0 };
    },
    signals: ({ now, limit }) => {
      const removed = dropSignals.run(now - SIGNAL_RETENTION_MS, limit).changes;
      return { removed, next: removed < limit ? null : 0 };
    },
    pullRequests: ({ policy, now, limit }) => {
      let removed = 0;
      for (const drop of dropPullRequestRows) removed += drop.run(now - policy.pullRequestsMs, limit - removed).changes;
      return { removed, next: removed < limit ? null : 0 };
    },
  };

  return {
    prune(step: PruneStep): PruneBatch {
      return prune[step.kind](step);
    },
    /** Gives up to `pages` free pages back to the file system; resolves to how many free pages are left. */
    reclaimSpace(pages: number): number {
      db.exec(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
      return db.pragma('freelist_count', { simple: true }) as number;
    },
  };
}
