import type Database from 'better-sqlite3';
import type { Environment, EnvironmentChange, Fence, RuntimeStatus } from '../../domain/environments.js';
import { createDeploymentBasics } from './deployment-queries.js';
import { createRollback } from './rollback.js';

const ENV_COLUMNS = `id, app, name, present, desired_ref AS desiredRef, pinned_sha AS pinnedSha, generation,
  observed_generation AS observedGeneration, observed_sha AS observedSha, state, url, pr, branch,
  ttl_ms AS ttlMs, last_commit_at AS lastCommitAt, expires_at AS expiresAt,
  last_trigger AS lastTrigger, last_delivery AS lastDelivery, requested_at AS requestedAt, event_at AS eventAt,
  rule, quarantined_sha AS quarantinedSha, github_deployment_id AS githubDeploymentId, artifact_run_id AS artifactRunId,
  restarts, last_exit AS lastExit, fork,
  created_at AS createdAt, updated_at AS updatedAt`;

type EnvironmentRow = Omit<Environment, 'present' | 'fork'> & { present: number; fork: number; eventAt: number | null };
const toEnvironment = ({ eventAt: _eventAt, ...row }: EnvironmentRow): Environment => ({ ...row, present: row.present === 1, fork: row.fork === 1 });

/**
 * A change from an event older than the newest one applied is stale (a late or replayed
 * delivery). GitHub's times have one-second steps, so on a tie a follow does not undo a
 * destroy: a pull request closed and synchronized within one second stays closed.
 */
function stale(change: EnvironmentChange, current: EnvironmentRow | undefined): boolean {
  if (change.kind !== 'follow' && change.kind !== 'destroy') return false;
  const at = change.eventAt;
  if (at === undefined || at === null || current?.eventAt === undefined || current.eventAt === null) return false;
  if (at < current.eventAt) return true;
  return at === current.eventAt && change.kind === 'follow' && current.present === 0;
}

/** SQL for environments and deployments; runs on the store's worker thread. */
export function createEnvironmentQueries(db: Database.Database) {
  const byName = db.prepare(`SELECT ${ENV_COLUMNS} FROM environments WHERE app = ? AND name = ?`);
  const byId = db.prepare(`SELECT ${ENV_COLUMNS} FROM environments WHERE id = ?`);
  const followingRef = db.prepare(`SELECT ${ENV_COLUMNS} FROM environments
    WHERE app = ? AND rule = ? AND desired_ref = ? AND present = 1 ORDER BY id LIMIT 1`);

  /**
   * The environment a change is about: the one of its name, except for environments made per
   * ref by a template (`br-{branch}`). A follow of a ref with no live environment of its name
   * finds the live one of the same rule that follows that ref under another name (named before
   * names were unique per ref), so an upgrade neither orphans nor duplicates it. A destroy of a
   * ref takes only the environment that follows that ref: the one of its name, else that one.
   */
  function locate(change: EnvironmentChange): EnvironmentRow | undefined {
    const named = byName.get(change.app, change.env) as EnvironmentRow | undefined;
    if (change.kind === 'destroy' && change.ref !== undefined) {
      if (named?.present === 1 && named.desiredRef === change.ref) return named;
      return change.rule === undefined ? undefined : (followingRef.get(change.app, change.rule, change.ref) as EnvironmentRow | undefined);
    }
    if (change.kind !== 'follow' || named?.present === 1 || change.rule?.includes('{') !== true) return named;
    return (followingRef.get(change.app, change.rule, change.ref) as EnvironmentRow | undefined) ?? named;
  }
  const { checkFence, note } = createDeploymentBasics(db);
  const rollback = createRollback(db, note);

  /** The change itself; applyChange checks staleness and records when it was asked. */
  function apply(change: EnvironmentChange, current: EnvironmentRow | undefined, deliveryId: string, now: number): void {
    if (change.kind === 'nudge') {
      if (current === undefined || current.present === 0) return;
      db.prepare('UPDATE environments SET generation = generation + 1, last_trigger = ?, updated_at = ? WHERE id = ?')
        .run(change.trigger, now, current.id);
      return;
    }
    if (change.kind === 'rollback') return rollback(change, current, deliveryId, now);
    if (change.kind === 'note') {
      const linked = db.prepare(`SELECT d.id FROM deployments d JOIN environments e ON e.id = d.environment_id
        WHERE d.github_deployment_id = ? AND e.app = ? AND e.name = ? ORDER BY d.id DESC LIMIT 1`)
        .pluck().get(change.githubDeploymentId, change.app, change.env) as number | undefined;
      if (linked !== undefined) note(linked, change.message, now);
      return;
    }
    if (change.kind === 'pin') {
      const pinned = [change.sha, change.githubDeploymentId ?? null, change.artifactRunId ?? null];
      if (current === undefined) {
        db.prepare(`INSERT INTO environments (app, name, rule, pinned_sha, github_deployment_id, artifact_run_id,
          last_commit_at, last_trigger, last_delivery, updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(change.app, change.env, change.rule ?? null, ...pinned, now, change.trigger, deliveryId, now, now);
        return;
      }
      db.prepare(`UPDATE environments SET pinned_sha = ?, github_deployment_id = ?, artifact_run_id = ?,
          rule = coalesce(?, rule), present = 1, generation = generation + 1,
          state = CASE WHEN present = 1 THEN state ELSE 'pending' END,
          last_commit_at = ?, last_trigger = ?, last_delivery = ?, updated_at = ?
        WHERE id = ?`).run(...pinned, change.rule ?? null, now, change.trigger, deliveryId, now, current.id);
      return;
    }
    if (change.kind === 'destroy') {
      if (current === undefined || current.present === 0) return;
      db.prepare(`UPDATE environments SET present = 0, generation = generation + 1, state = 'destroying',
        last_trigger = ?, last_delivery = ?, updated_at = ? WHERE id = ?`).run(change.trigger, deliveryId, now, current.id);
      return;
    }
    const expiresAt = change.ttlMs === null ? null : now + change.ttlMs;
    const fields = [change.ref, change.pr, change.branch, change.ttlMs, now, expiresAt, change.trigger, deliveryId, now, change.rule ?? null, change.fork === undefined ? null : Number(change.fork)];
    if (change.clearQuarantine === true && current !== undefined) {
      db.prepare('UPDATE environments SET quarantined_sha = NULL WHERE id = ?').run(current.id);
    }
    if (current === undefined) {
      db.prepare(`INSERT INTO environments (app, name, desired_ref, pr, branch, ttl_ms, last_commit_at, expires_at,
        last_trigger, last_delivery, updated_at, rule, fork, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, 0), ?)`)
        .run(change.app, change.env, ...fields, now);
      return;
    }
    // Every follow is a nudge: the reconciler resolves the ref again and deploys what it finds.
    db.prepare(`UPDATE environments SET desired_ref = ?, pinned_sha = NULL, github_deployment_id = NULL,
        artifact_run_id = NULL, pr = ?, branch = ?, ttl_ms = ?,
        last_commit_at = ?, expires_at = ?, last_trigger = ?, last_delivery = ?, updated_at = ?, rule = coalesce(?, rule), fork = coalesce(?, fork),
        generation = generation + 1, present = 1,
        state = CASE WHEN present = 1 THEN state ELSE 'pending' END
      WHERE id = ?`).run(...fields, current.id);
  }

  return {
    /** Applies one delivery's desired-state changes; called inside finishDeliveries. */
    applyChange(change: EnvironmentChange, deliveryId: string, now: number): void {
      const current = locate(change);
      if (stale(change, current)) return;
      apply(change, current, deliveryId, now);
      if (change.kind === 'nudge' || change.kind === 'note') return;
      const id = current?.id ?? (byName.get(change.app, change.env) as EnvironmentRow | undefined)?.id;
      const eventAt = 'eventAt' in change ? (change.eventAt ?? null) : null;
      // What the change asked is recorded with when its webhook arrived (deploy latency).
      db.prepare(`UPDATE environments SET event_at = coalesce(max(event_at, ?), event_at, ?),
          requested_at = coalesce((SELECT received_at FROM deliveries WHERE id = ?), ?)
        WHERE id = ? AND last_delivery IS ?`).run(eventAt, eventAt, deliveryId, now, id ?? null, deliveryId);
    },
    getEnvironment(app: string, name: string): Environment | null {
      const row = byName.get(app, name) as EnvironmentRow | undefined;
      return row === undefined ? null : toEnvironment(row);
    },
    listEnvironments(includeDestroyed: boolean): Environment[] {
      const where = includeDestroyed ? '' : "WHERE state != 'destroyed'";
      return (db.prepare(`SELECT ${ENV_COLUMNS} FROM environments ${where} ORDER BY app, name`).all() as EnvironmentRow[]).map(toEnvironment);
    },
    /** Environments whose desired state the reconciler has not reached yet. */
    unconvergedEnvironments(limit: number): Environment[] {
      return (db.prepare(`SELECT ${ENV_COLUMNS} FROM environments WHERE generation > observed_generation ORDER BY id LIMIT ?`)
        .all(limit) as EnvironmentRow[]).map(toEnvironment);
    },
    /** Live environments whose TTL ran out. */
    expiredEnvironments(now: number): Environment[] {
      return (db.prepare(`SELECT ${ENV_COLUMNS} FROM environments WHERE present = 1 AND expires_at <= ?`)
        .all(now) as EnvironmentRow[]).map(toEnvironment);
    },
    /** The reconciler found nothing to change: the generation is reached as it is. */
    markConverged(environmentId: number, generation: number, fence: Fence, now: number): void {
      checkFence(fence, now);
      db.prepare(`UPDATE environments SET observed_generation = max(observed_generation, ?),
          state = CASE WHEN present = 1 AND state IN ('pending', 'deploying') THEN 'ready' ELSE state END, updated_at = ?
        WHERE id = ?`).run(generation, now, environmentId);
    },
    /** A target's report on a running release; a release that keeps crashing fails its environment. */
    recordRuntime(status: RuntimeStatus, now: number): void {
      const current = byName.get(status.app, status.env) as EnvironmentRow | undefined;
      if (current === undefined || current.present === 0) return;
      db.prepare(`UPDATE environments SET restarts = ?, last_exit = ?, updated_at = ?,
          state = CASE WHEN ? THEN 'failed' ELSE state END WHERE id = ?`)
        .run(status.restarts, status.lastExit, now, status.crashed ? 1 : 0, current.id);
      if (!status.crashed) return;
      const latest = db.prepare('SELECT id FROM deployments WHERE environment_id = ? ORDER BY id DESC LIMIT 1').pluck().get(current.id) as number | undefined;
      const exit = status.lastExit === null ? '' : ` (last exit: ${status.lastExit})`;
      if (latest !== undefined) note(latest, `the process keeps crashing and is no longer restarted after ${status.restarts} restarts${exit}`, now);
    },
    environmentById(id: number): Environment | null {
      const row = byId.get(id) as EnvironmentRow | undefined;
      return row === undefined ? null : toEnvironment(row);
    },
  };
}
