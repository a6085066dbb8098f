import type Database from 'better-sqlite3';
import type { Environment, EnvironmentChange, Fence, RuntimeStatus } from '../../domain/environments.js';
import { isStale } from '../staleness.js';
import { createDeploymentBasics } from './deployment-queries.js';
import { createRollback } from './rollback.js';

export const ENV_COLUMNS = `id, app, name, present, desired_ref AS desiredRef, pinned_sha AS pinnedSha, generation,
  observed_generation AS observedGeneration, observed_sha AS observedSha, state, url, pr, branch,
  ttl_ms AS ttlMs, last_commit_at AS lastCommitAt, expires_at AS expiresAt,
  last_trigger AS lastTrigger, last_delivery AS lastDelivery, requested_at AS requestedAt, event_at AS eventAt,
  rule, quarantined_sha AS quarantinedSha, github_deployment_id AS githubDeploymentId, artifact_run_id AS artifactRunId,
  restarts, last_exit AS lastExit, built_by AS builtBy, fork, keep, redeploy, head_sha AS headSha, held, slept_at AS sleptAt, wakes, used_at AS usedAt,
  failed_sha AS failedSha, failed_config AS failedConfig,
  created_at AS createdAt, updated_at AS updatedAt`;

type Flag = 'present' | 'fork' | 'keep' | 'redeploy';
/**
 * A row as read: flags are 0 or 1, but for `redeploy`, which is the generation the newest
 * redeploy was asked at (0: none), so that only a deployment of that generation or a later
 * one clears it, not one a periodic nudge made older; the head last named, and whether a
 * command holds it destroyed, stay in the store.
 */
export type EnvironmentRow = Omit<Environment, Flag> & Record<Flag, number> & { eventAt: number | null; headSha: string | null; held: number };
/** A ready environment whose release was stopped for idling reads as `sleeping` (see migration 9). */
export const toEnvironment = ({ eventAt: _eventAt, headSha: _headSha, held: _held, ...row }: EnvironmentRow): Environment => ({
  ...row,
  present: row.present === 1,
  fork: row.fork === 1,
  keep: row.keep === 1,
  redeploy: row.redeploy > 0,
  state: row.state === 'ready' && row.sleptAt !== null ? 'sleeping' : row.state,
});

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
      // Only a periodic sweep leaves a failed commit alone (see Environment.failedSha).
      db.prepare(`UPDATE environments SET generation = generation + 1, last_trigger = ?, updated_at = ?,
          failed_sha = CASE WHEN ? THEN failed_sha END, redeploy = CASE WHEN ? THEN generation + 1 ELSE redeploy END WHERE id = ?`)
        .run(change.trigger, now, change.periodic === true ? 1 : 0, change.redeploy === true ? 1 : 0, current.id);
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
          rule = coalesce(?, rule), present = 1, generation = generation + 1, failed_sha = NULL,
          state = CASE WHEN present = 1 THEN state ELSE 'pending' END,
          last_commit_at = ?, last_trigger = ?, last_delivery = ?, updated_at = ?
        WHERE id = ?`).run(...pinned, change.rule ?? null, now, change.trigger, deliveryId, now, current.id);
      return;
    }
    if (change.kind === 'destroy') {
      if (current === undefined || current.present === 0) return;
      db.prepare(`UPDATE environments SET present = 0, generation = generation + 1, state = 'destroying', held = ?,
        last_trigger = ?, last_delivery = ?, updated_at = ?, destroy_reason = ? WHERE id = ?`)
        .run(change.hold === true ? 1 : 0, change.trigger, deliveryId, now, change.reason, current.id);
      return;
    }
    if (change.kind === 'command') return command(change, current, deliveryId, now);
    follow(change, current, deliveryId, now);
  }

  /**
   * A follow. The TTL counts from a new commit: a follow that names the head the last one named
   * (a label or title change, the sweep) leaves it. One that names the head `/slipway destroy`
   * destroyed at does not bring the environment back; the next push does.
   */
  function follow(change: Extract<EnvironmentChange, { kind: 'follow' }>, current: EnvironmentRow | undefined, deliveryId: string, now: number): void {
    if (change.keep !== undefined && current !== undefined) db.prepare('UPDATE environments SET keep = ? WHERE id = ?').run(Number(change.keep), current.id);
    if (current?.present === 0 && current.held === 1 && change.shaHint !== null && change.shaHint === current.headSha) return;
    if (change.clearQuarantine === true && current !== undefined) {
      db.prepare('UPDATE environments SET quarantined_sha = NULL WHERE id = ?').run(current.id);
    }
    const fields = {
      ref: change.ref, pr: change.pr, branch: change.branch, ttl: change.ttlMs, sha: change.shaHint, trigger: change.trigger,
      delivery: deliveryId, now, rule: change.rule ?? null, fork: change.fork === undefined ? null : Number(change.fork),
    };
    if (current === undefined) {
      db.prepare(`INSERT INTO environments (app, name, desired_ref, pr, branch, ttl_ms, last_commit_at, expires_at, head_sha,
        last_trigger, last_delivery, updated_at, rule, fork, keep, created_at) VALUES (@app, @env, @ref, @pr, @branch, @ttl, @now,
        @now + @ttl, @sha, @trigger, @delivery, @now, @rule, coalesce(@fork, 0), @keep, @now)`)
        .run({ ...fields, app: change.app, env: change.env, keep: change.keep === true ? 1 : 0 });
      return;
    }
    const fresh = current.present === 0 || change.shaHint === null || change.shaHint !== current.headSha ? 1 : 0;
    // Every follow is a nudge: the reconciler resolves the ref again and deploys what it finds. A new
    // commit never brings the expiry closer than a /slipway extend put it; a changed TTL counts anew.
    db.prepare(`UPDATE environments SET desired_ref = @ref, pinned_sha = NULL, github_deployment_id = NULL,
        artifact_run_id = NULL, pr = @pr, branch = @branch,
        last_commit_at = CASE WHEN @fresh THEN @now ELSE last_commit_at END,
        expires_at = CASE WHEN @ttl IS NULL THEN NULL
          WHEN @fresh AND present = 1 AND ttl_ms IS @ttl THEN max(coalesce(expires_at, 0), @now + @ttl)
          WHEN @fresh THEN @now + @ttl
          WHEN ttl_ms IS @ttl THEN expires_at
          ELSE coalesce(last_commit_at, @now) + @ttl END,
        ttl_ms = @ttl, head_sha = coalesce(@sha, head_sha), held = 0,
        last_trigger = @trigger, last_delivery = @delivery, updated_at = @now, rule = coalesce(@rule, rule), fork = coalesce(@fork, fork),
        generation = generation + 1, present = 1, failed_sha = NULL,
        state = CASE WHEN present = 1 THEN state ELSE 'pending' END
      WHERE id = @id`).run({ ...fields, fresh, id: current.id });
  }

  /** A command on a live environment: its TTL counts from now, and what the command asks is recorded. */
  function command(change: Extract<EnvironmentChange, { kind: 'command' }>, current: EnvironmentRow | undefined, deliveryId: string, now: number): void {
    if (current === undefined || current.present === 0) return;
    // A redeploy follows the head again: a pin or a rollback ends, a quarantine lifts.
    db.prepare(`UPDATE environments SET last_commit_at = @now,
        expires_at = CASE WHEN ttl_ms IS NULL AND expires_at IS NULL THEN NULL
          ELSE max(coalesce(expires_at, 0), @now + coalesce(ttl_ms, 0)) + @extend END,
        keep = max(keep, @keep), redeploy = CASE WHEN @redeploy THEN generation + 1 ELSE redeploy END, generation = generation + @redeploy,
        pinned_sha = CASE WHEN @redeploy AND desired_ref IS NOT NULL THEN NULL ELSE pinned_sha END,
        github_deployment_id = CASE WHEN @redeploy AND desired_ref IS NOT NULL THEN NULL ELSE github_deployment_id END,
        artifact_run_id = CASE WHEN @redeploy AND desired_ref IS NOT NULL THEN NULL ELSE artifact_run_id END,
        quarantined_sha = CASE WHEN @redeploy THEN NULL ELSE quarantined_sha END,
        last_trigger = CASE WHEN @redeploy THEN @trigger ELSE last_trigger END,
        last_delivery = CASE WHEN @redeploy THEN @delivery ELSE last_delivery END, updated_at = @now
      WHERE id = @id`).run({
      now, extend: change.extendMs ?? 0, keep: change.keep === true ? 1 : 0, redeploy: change.redeploy === true ? 1 : 0,
      trigger: change.trigger, delivery: deliveryId, id: current.id,
    });
  }

  return {
    /** Applies one delivery's desired-state changes; called inside finishDeliveries. */
    applyChange(change: EnvironmentChange, deliveryId: string, now: number): void {
      const current = locate(change);
      if (isStale(change, current && { eventAt: current.eventAt, present: current.present === 1 })) return;
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
    /** Live environments whose TTL ran out; a kept one never expires. */
    expiredEnvironments(now: number): Environment[] {
      return (db.prepare(`SELECT ${ENV_COLUMNS} FROM environments WHERE present = 1 AND keep = 0 AND expires_at <= ?`)
        .all(now) as EnvironmentRow[]).map(toEnvironment);
    },
    /** The reconciler found nothing to change: the generation is reached as it is. */
    markConverged(environmentId: number, generation: number, fence: Fence, now: number): void {
      checkFence(fence, now);
      // A redeploy asked for after this generation is still to do.
      db.prepare(`UPDATE environments SET observed_generation = max(observed_generation, ?),
          state = CASE WHEN present = 1 AND state IN ('pending', 'deploying') THEN 'ready' ELSE state END, updated_at = ?,
          redeploy = CASE WHEN redeploy <= ? THEN 0 ELSE redeploy END
        WHERE id = ?`).run(generation, now, generation, environmentId);
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
    /** Its release was stopped for idling (it stays ready, reading as sleeping), or started again by a request. */
    markSleeping(environmentId: number, asleep: boolean, fence: Fence, now: number): void {
      checkFence(fence, now);
      if (asleep) db.prepare('UPDATE environments SET slept_at = ?, updated_at = ? WHERE id = ? AND present = 1').run(now, now, environmentId);
      else {
        db.prepare(`UPDATE environments SET slept_at = NULL, wakes = wakes + 1, used_at = ?, updated_at = ?
          WHERE id = ? AND slept_at IS NOT NULL`).run(now, now, environmentId);
      }
    },
    /** Requests through the router reached these environments (by app and name) at these times; older times change nothing. */
    recordUse(uses: { app: string; env: string; at: number }[]): void {
      const touch = db.prepare('UPDATE environments SET used_at = ? WHERE app = ? AND name = ? AND present = 1 AND (used_at IS NULL OR used_at < ?)');
      for (const use of uses) touch.run(use.at, use.app, use.env, use.at);
    },
    environmentById(id: number): Environment | null {
      const row = byId.get(id) as EnvironmentRow | undefined;
      return row === undefined ? null : toEnvironment(row);
    },
  };
}
