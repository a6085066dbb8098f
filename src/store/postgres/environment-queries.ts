import type { Environment, EnvironmentChange, Fence, RuntimeStatus } from '../../domain/environments.js';
import { isStale } from '../staleness.js';
import type { Sql } from './database.js';
import { note } from './deployment-basics.js';
import { checkFence } from './lease-queries.js';
import { rollback } from './rollback.js';

export const ENV_COLUMNS = `id, app, name, present, desired_ref AS "desiredRef", pinned_sha AS "pinnedSha", generation,
  observed_generation AS "observedGeneration", observed_sha AS "observedSha", state, url, pr, branch,
  ttl_ms AS "ttlMs", last_commit_at AS "lastCommitAt", expires_at AS "expiresAt",
  last_trigger AS "lastTrigger", last_delivery AS "lastDelivery", requested_at AS "requestedAt", event_at AS "eventAt",
  rule, quarantined_sha AS "quarantinedSha", github_deployment_id AS "githubDeploymentId", artifact_run_id AS "artifactRunId",
  restarts, last_exit AS "lastExit", built_by AS "builtBy", fork, keep, redeploy, head_sha AS "headSha", held,
  slept_at AS "sleptAt", wakes, used_at AS "usedAt", failed_sha AS "failedSha", failed_config AS "failedConfig",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * A row as read: `redeploy` is the generation the newest redeploy was asked at (0: none), so that
 * only a deployment of that generation or a later one clears it, not one a periodic nudge made
 * older; the head last named, and whether a command holds it destroyed, stay in the store.
 */
export type EnvironmentRow = Omit<Environment, 'redeploy'> & { redeploy: number; eventAt: number | null; headSha: string | null; held: boolean };

/** A ready environment whose release was stopped for idling reads as `sleeping`. */
export const toEnvironment = ({ eventAt: _eventAt, headSha: _headSha, held: _held, ...row }: EnvironmentRow): Environment => ({
  ...row,
  redeploy: row.redeploy > 0,
  state: row.state === 'ready' && row.sleptAt !== null ? 'sleeping' : row.state,
});

const byName = (sql: Sql, app: string, name: string) =>
  sql.get<EnvironmentRow>(`SELECT ${ENV_COLUMNS} FROM environments WHERE app = $1 AND name = $2`, [app, name]);
const followingRef = (sql: Sql, app: string, rule: string, ref: string) =>
  sql.get<EnvironmentRow>(`SELECT ${ENV_COLUMNS} FROM environments
    WHERE app = $1 AND rule = $2 AND desired_ref = $3 AND present ORDER BY id LIMIT 1`, [app, rule, ref]);

/**
 * The environment a change is about: the one of its name, except for environments made per
 * ref by a template (`br-{branch}`). A follow of a ref with no live environment of its name
 * finds the live one of the same rule that follows that ref under another name, so an upgrade
 * neither orphans nor duplicates it. A destroy of a ref takes only the environment that
 * follows that ref: the one of its name, else that one.
 */
async function locate(sql: Sql, change: EnvironmentChange): Promise<EnvironmentRow | undefined> {
  const named = await byName(sql, change.app, change.env);
  if (change.kind === 'destroy' && change.ref !== undefined) {
    if (named?.present === true && named.desiredRef === change.ref) return named;
    return change.rule === undefined ? undefined : followingRef(sql, change.app, change.rule, change.ref);
  }
  if (change.kind !== 'follow' || named?.present === true || change.rule?.includes('{') !== true) return named;
  return (await followingRef(sql, change.app, change.rule, change.ref)) ?? named;
}

/** The change itself; applyChange checks staleness and records when it was asked. */
async function apply(sql: Sql, change: EnvironmentChange, current: EnvironmentRow | undefined, deliveryId: string, now: number): Promise<void> {
  switch (change.kind) {
    case 'nudge':
      if (current === undefined || !current.present) return;
      // Only a periodic sweep leaves a failed commit alone (see Environment.failedSha).
      await sql.run(`UPDATE environments SET generation = generation + 1, last_trigger = $1, updated_at = $2,
          failed_sha = CASE WHEN $3 THEN failed_sha END, redeploy = CASE WHEN $4 THEN generation + 1 ELSE redeploy END WHERE id = $5`,
      [change.trigger, now, change.periodic === true, change.redeploy === true, current.id]);
      return;
    case 'rollback':
      return rollback(sql, change, current, deliveryId, now);
    case 'note': {
      const linked = await sql.value<number>(`SELECT d.id FROM deployments d JOIN environments e ON e.id = d.environment_id
        WHERE d.github_deployment_id = $1 AND e.app = $2 AND e.name = $3 ORDER BY d.id DESC LIMIT 1`, [change.githubDeploymentId, change.app, change.env]);
      if (linked !== undefined) await note(sql, linked, change.message, now);
      return;
    }
    case 'pin':
      return pin(sql, change, current, deliveryId, now);
    case 'destroy':
      if (current === undefined || !current.present) return;
      await sql.run(`UPDATE environments SET present = false, generation = generation + 1, state = 'destroying', held = $1,
        last_trigger = $2, last_delivery = $3, updated_at = $4, destroy_reason = $5 WHERE id = $6`,
      [change.hold === true, change.trigger, deliveryId, now, change.reason, current.id]);
      return;
    case 'command':
      return command(sql, change, current, deliveryId, now);
    case 'follow':
      return follow(sql, change, current, deliveryId, now);
  }
}

async function pin(sql: Sql, change: Extract<EnvironmentChange, { kind: 'pin' }>, current: EnvironmentRow | undefined, deliveryId: string, now: number): Promise<void> {
  const pinned = [change.sha, change.githubDeploymentId ?? null, change.artifactRunId ?? null];
  if (current === undefined) {
    await sql.run(`INSERT INTO environments (app, name, rule, pinned_sha, github_deployment_id, artifact_run_id,
      last_commit_at, last_trigger, last_delivery, updated_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7, $7)`,
    [change.app, change.env, change.rule ?? null, ...pinned, now, change.trigger, deliveryId]);
    return;
  }
  await sql.run(`UPDATE environments SET pinned_sha = $1, github_deployment_id = $2, artifact_run_id = $3,
      rule = coalesce($4, rule), present = true, generation = generation + 1, failed_sha = NULL,
      state = CASE WHEN present THEN state ELSE 'pending' END,
      last_commit_at = $5, last_trigger = $6, last_delivery = $7, updated_at = $5
    WHERE id = $8`, [...pinned, change.rule ?? null, now, change.trigger, deliveryId, current.id]);
}

/**
 * A follow. The TTL counts from a new commit: a follow that names the head the last one named
 * (a label or title change, the sweep) leaves it. One that names the head `/slipway destroy`
 * destroyed at does not bring the environment back; the next push does.
 */
async function follow(sql: Sql, change: Extract<EnvironmentChange, { kind: 'follow' }>, current: EnvironmentRow | undefined, deliveryId: string, now: number): Promise<void> {
  if (change.keep !== undefined && current !== undefined) await sql.run('UPDATE environments SET keep = $1 WHERE id = $2', [change.keep, current.id]);
  if (current?.present === false && current.held && change.shaHint !== null && change.shaHint === current.headSha) return;
  if (change.clearQuarantine === true && current !== undefined) {
    await sql.run('UPDATE environments SET quarantined_sha = NULL WHERE id = $1', [current.id]);
  }
  // $1 ref, $2 pr, $3 branch, $4 ttl, $5 sha, $6 trigger, $7 delivery, $8 now, $9 rule, $10 fork
  const fields = [change.ref, change.pr, change.branch, change.ttlMs, change.shaHint, change.trigger, deliveryId, now, change.rule ?? null, change.fork ?? null];
  if (current === undefined) {
    await sql.run(`INSERT INTO environments (desired_ref, pr, branch, ttl_ms, last_commit_at, expires_at, head_sha,
      last_trigger, last_delivery, updated_at, rule, fork, keep, created_at, app, name) VALUES ($1, $2, $3, $4, $8, $8 + $4::bigint,
      $5, $6, $7, $8, $9, coalesce($10::boolean, false), $11, $8, $12, $13)`, [...fields, change.keep === true, change.app, change.env]);
    return;
  }
  const fresh = !current.present || change.shaHint === null || change.shaHint !== current.headSha;
  // Every follow is a nudge: the reconciler resolves the ref again and deploys what it finds. A new
  // commit never brings the expiry closer than a /slipway extend put it; a changed TTL counts anew.
  await sql.run(`UPDATE environments SET desired_ref = $1, pinned_sha = NULL, github_deployment_id = NULL,
      artifact_run_id = NULL, pr = $2, branch = $3,
      last_commit_at = CASE WHEN $11 THEN $8 ELSE last_commit_at END,
      expires_at = CASE WHEN $4::bigint IS NULL THEN NULL
        WHEN $11 AND present AND ttl_ms IS NOT DISTINCT FROM $4 THEN greatest(coalesce(expires_at, 0), $8 + $4)
        WHEN $11 THEN $8 + $4
        WHEN ttl_ms IS NOT DISTINCT FROM $4 THEN expires_at
        ELSE coalesce(last_commit_at, $8) + $4 END,
      ttl_ms = $4, head_sha = coalesce($5, head_sha), held = false,
      last_trigger = $6, last_delivery = $7, updated_at = $8, rule = coalesce($9, rule), fork = coalesce($10, fork),
      generation = generation + 1, present = true, failed_sha = NULL,
      state = CASE WHEN present THEN state ELSE 'pending' END
    WHERE id = $12`, [...fields, fresh, current.id]);
}

/** A command on a live environment: its TTL counts from now, and what the command asks is recorded. */
async function command(sql: Sql, change: Extract<EnvironmentChange, { kind: 'command' }>, current: EnvironmentRow | undefined, deliveryId: string, now: number): Promise<void> {
  if (current === undefined || !current.present) return;
  // A redeploy follows the head again: a pin or a rollback ends, a quarantine lifts.
  await sql.run(`UPDATE environments SET last_commit_at = $1,
      expires_at = CASE WHEN ttl_ms IS NULL AND expires_at IS NULL THEN NULL
        ELSE greatest(coalesce(expires_at, 0), $1 + coalesce(ttl_ms, 0)) + $2 END,
      keep = keep OR $3, redeploy = CASE WHEN $4 THEN generation + 1 ELSE redeploy END, generation = generation + CASE WHEN $4 THEN 1 ELSE 0 END,
      pinned_sha = CASE WHEN $4 AND desired_ref IS NOT NULL THEN NULL ELSE pinned_sha END,
      github_deployment_id = CASE WHEN $4 AND desired_ref IS NOT NULL THEN NULL ELSE github_deployment_id END,
      artifact_run_id = CASE WHEN $4 AND desired_ref IS NOT NULL THEN NULL ELSE artifact_run_id END,
      quarantined_sha = CASE WHEN $4 THEN NULL ELSE quarantined_sha END,
      last_trigger = CASE WHEN $4 THEN $5 ELSE last_trigger END,
      last_delivery = CASE WHEN $4 THEN $6 ELSE last_delivery END, updated_at = $1
    WHERE id = $7`, [now, change.extendMs ?? 0, change.keep === true, change.redeploy === true, change.trigger, deliveryId, current.id]);
}

/** Applies one desired-state change (a delivery's, a command's, or one from outside); the caller's transaction is serializable. */
export async function applyChange(sql: Sql, change: EnvironmentChange, deliveryId: string, now: number): Promise<void> {
  const current = await locate(sql, change);
  if (isStale(change, current)) return;
  await apply(sql, change, current, deliveryId, now);
  if (change.kind === 'nudge' || change.kind === 'note') return;
  const id = current?.id ?? (await byName(sql, change.app, change.env))?.id ?? null;
  const eventAt = 'eventAt' in change ? (change.eventAt ?? null) : null;
  // What the change asked is recorded with when its webhook arrived (deploy latency).
  await sql.run(`UPDATE environments SET event_at = coalesce(greatest(event_at, $1), $1),
      requested_at = coalesce((SELECT received_at FROM deliveries WHERE id = $2), $3)
    WHERE id = $4 AND last_delivery IS NOT DISTINCT FROM $2`, [eventAt, deliveryId, now, id]);
}

export async function getEnvironment(sql: Sql, app: string, name: string): Promise<Environment | null> {
  const row = await byName(sql, app, name);
  return row === undefined ? null : toEnvironment(row);
}

export async function listEnvironments(sql: Sql, includeDestroyed: boolean): Promise<Environment[]> {
  const where = includeDestroyed ? '' : "WHERE state <> 'destroyed'";
  return (await sql.all<EnvironmentRow>(`SELECT ${ENV_COLUMNS} FROM environments ${where} ORDER BY app COLLATE "C", name COLLATE "C"`)).map(toEnvironment);
}

/** Environments whose desired state the reconciler has not reached yet. */
export async function unconvergedEnvironments(sql: Sql, limit: number): Promise<Environment[]> {
  return (await sql.all<EnvironmentRow>(`SELECT ${ENV_COLUMNS} FROM environments WHERE generation > observed_generation ORDER BY id LIMIT $1`, [limit]))
    .map(toEnvironment);
}

/** Live environments whose TTL ran out; a kept one never expires. */
export async function expiredEnvironments(sql: Sql, now: number): Promise<Environment[]> {
  return (await sql.all<EnvironmentRow>(`SELECT ${ENV_COLUMNS} FROM environments WHERE present AND NOT keep AND expires_at <= $1 ORDER BY id`, [now]))
    .map(toEnvironment);
}

/** The reconciler found nothing to change: the generation is reached as it is. */
export async function markConverged(sql: Sql, environmentId: number, generation: number, fence: Fence, now: number): Promise<void> {
  await checkFence(sql, fence);
  // A redeploy asked for after this generation is still to do.
  await sql.run(`UPDATE environments SET observed_generation = greatest(observed_generation, $1),
      state = CASE WHEN present AND state IN ('pending', 'deploying') THEN 'ready' ELSE state END, updated_at = $2,
      redeploy = CASE WHEN redeploy <= $1 THEN 0 ELSE redeploy END
    WHERE id = $3`, [generation, now, environmentId]);
}

/** A target's report on a running release; a release that keeps crashing fails its environment. */
export async function recordRuntime(sql: Sql, status: RuntimeStatus, now: number): Promise<void> {
  const current = await byName(sql, status.app, status.env);
  if (current === undefined || !current.present) return;
  await sql.run(`UPDATE environments SET restarts = $1, last_exit = $2, updated_at = $3,
      state = CASE WHEN $4 THEN 'failed' ELSE state END WHERE id = $5`, [status.restarts, status.lastExit, now, status.crashed, current.id]);
  if (!status.crashed) return;
  const latest = await sql.value<number>('SELECT id FROM deployments WHERE environment_id = $1 ORDER BY id DESC LIMIT 1', [current.id]);
  const exit = status.lastExit === null ? '' : ` (last exit: ${status.lastExit})`;
  if (latest !== undefined) await note(sql, latest, `the process keeps crashing and is no longer restarted after ${status.restarts} restarts${exit}`, now);
}

/** Its release was stopped for idling (it stays ready, reading as sleeping), or started again by a request. */
export async function markSleeping(sql: Sql, environmentId: number, asleep: boolean, fence: Fence, now: number): Promise<void> {
  await checkFence(sql, fence);
  if (asleep) await sql.run('UPDATE environments SET slept_at = $1, updated_at = $1 WHERE id = $2 AND present', [now, environmentId]);
  else {
    await sql.run(`UPDATE environments SET slept_at = NULL, wakes = wakes + 1, used_at = $1, updated_at = $1
      WHERE id = $2 AND slept_at IS NOT NULL`, [now, environmentId]);
  }
}

/**
 * Requests through the router reached these environments (by app and name) at these times;
 * older times change nothing. One statement: each row's condition is checked as the last
 * writer left it, so replicas recording uses at once keep the newest.
 */
export async function recordUse(sql: Sql, uses: { app: string; env: string; at: number }[]): Promise<void> {
  if (uses.length === 0) return;
  await sql.run(`UPDATE environments e SET used_at = u.at
    FROM (SELECT app, env, max(at) AS at FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(app, env, at) GROUP BY app, env) u
    WHERE e.app = u.app AND e.name = u.env AND e.present AND (e.used_at IS NULL OR e.used_at < u.at)`,
  [uses.map((use) => use.app), uses.map((use) => use.env), uses.map((use) => use.at)]);
}
