/* SQL for deployments and their timeline. Its writes run in serializable transactions (pg-store.ts): they read the deployment or its environment and decide on it. */
import type {
  BeginDeployment,
  CompleteDeployment,
  Deployment,
  DeploymentDetail,
  Fence,
  FinalDeploymentState,
  TimelineEntry,
} from '../../domain/environments.js';
import { StoreError } from '../errors.js';
import type { Sql } from './database.js';
import { addTimeline, DEPLOYMENT_COLUMNS, deploymentById } from './deployment-basics.js';
import { checkFence } from './lease-queries.js';
import { recordDestroyed, recordFinished, recordWaiting } from './notification-events.js';

async function finish(sql: Sql, id: number, state: FinalDeploymentState, message: string, now: number): Promise<void> {
  await sql.run('UPDATE deployments SET state = $1, finished_at = $2 WHERE id = $3 AND finished_at IS NULL', [state, now, id]);
  await addTimeline(sql, id, now, state, message);
}

const unfinished = (sql: Sql, environmentId: number) =>
  sql.column<number>('SELECT id FROM deployments WHERE environment_id = $1 AND finished_at IS NULL ORDER BY id', [environmentId]);

/** Starts a deployment (or records it waiting for its gate); unfinished older ones end inactive. */
export async function beginDeployment(sql: Sql, begin: BeginDeployment, now: number): Promise<Deployment> {
  await checkFence(sql, begin.fence);
  for (const older of await unfinished(sql, begin.environmentId)) await finish(sql, older, 'inactive', 'superseded by a newer deployment', now);
  const waiting = begin.waiting !== undefined;
  const id = (await sql.value<number>(`INSERT INTO deployments (environment_id, generation, sha, ref, trigger, delivery_id,
      github_deployment_id, artifact_run_id, state, created_at, started_at, lease, lease_token)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
  [begin.environmentId, begin.generation, begin.sha, begin.ref, begin.trigger, begin.deliveryId,
    begin.githubDeploymentId ?? null, begin.artifactRunId ?? null, waiting ? 'waiting' : 'in_progress', now, waiting ? null : now,
    begin.fence.lease, begin.fence.token])) as number;
  const what = begin.sha === null ? 'resolving' : `deploying ${begin.sha.slice(0, 12)}`;
  await addTimeline(sql, id, now, waiting ? 'waiting' : 'in_progress', begin.waiting ?? `${what}${begin.ref ? ` ${begin.ref}` : ''}`);
  if (begin.waiting !== undefined && begin.quiet !== true) await recordWaiting(sql, (await deploymentById(sql, id)) as Deployment, begin.waiting, now);
  // The redeploy asked for at this generation or before is under way (one asked since is still to do).
  await sql.run(`UPDATE environments SET state = $1, updated_at = $2, redeploy = CASE WHEN redeploy <= $3 THEN 0 ELSE redeploy END
    WHERE id = $4`, [waiting ? 'waiting' : 'deploying', now, begin.generation, begin.environmentId]);
  return (await deploymentById(sql, id)) as Deployment;
}

/** A waiting deployment's gate opened: it starts now. */
export async function startDeployment(sql: Sql, id: number, message: string, fence: Fence, now: number): Promise<void> {
  await checkFence(sql, fence);
  const current = await deploymentById(sql, id);
  if (current === undefined) throw new StoreError('not_found', `no deployment ${id}`);
  if (current.state !== 'waiting') return;
  await sql.run(`UPDATE deployments SET state = 'in_progress', started_at = $1, lease = $2, lease_token = $3 WHERE id = $4`,
    [now, fence.lease, fence.token, id]);
  await addTimeline(sql, id, now, 'in_progress', message);
  await sql.run(`UPDATE environments SET state = 'deploying', updated_at = $1 WHERE id = $2`, [now, current.environmentId]);
}

export async function completeDeployment(sql: Sql, complete: CompleteDeployment, now: number): Promise<void> {
  await checkFence(sql, complete.fence);
  const current = await deploymentById(sql, complete.id);
  if (current === undefined) throw new StoreError('not_found', `no deployment ${complete.id}`);
  if (current.finishedAt !== null) return;
  await sql.run('UPDATE deployments SET error = $1, log = $2, built_by = $3 WHERE id = $4', [complete.error, complete.log, complete.builtBy ?? null, complete.id]);
  await finish(sql, complete.id, complete.state, complete.error ?? complete.state, now);
  if (complete.state === 'inactive') return;
  if (complete.retry === true) {
    await sql.run(`UPDATE environments SET state = CASE WHEN present THEN 'failed' ELSE state END, updated_at = $1 WHERE id = $2`,
      [now, current.environmentId]);
    return;
  }
  await recordFinished(sql, current, complete, now);
  const ok = complete.state === 'success';
  // A new commit deployed by following the ref clears the quarantine of the one rolled back;
  // a new release starts with no restarts. A success forgets the failed commit; a final
  // failure of a commit given its config remembers both.
  const remember = !ok && complete.config !== undefined && current.sha !== null;
  await sql.run(`UPDATE environments SET observed_generation = greatest(observed_generation, $1),
      observed_sha = CASE WHEN $2 THEN $3 ELSE observed_sha END,
      url = CASE WHEN $2 THEN $4 ELSE url END, built_by = CASE WHEN $2 THEN $5 ELSE built_by END,
      quarantined_sha = CASE WHEN $2 AND pinned_sha IS NULL AND quarantined_sha IS DISTINCT FROM $3 THEN NULL ELSE quarantined_sha END,
      restarts = CASE WHEN $2 THEN 0 ELSE restarts END, last_exit = CASE WHEN $2 THEN NULL ELSE last_exit END,
      slept_at = CASE WHEN $2 THEN NULL ELSE slept_at END, used_at = CASE WHEN $2 THEN $6 ELSE used_at END,
      state = CASE WHEN NOT present THEN state WHEN $2 THEN 'ready' ELSE 'failed' END, updated_at = $6,
      failed_sha = CASE WHEN $2 THEN NULL WHEN $8 THEN $3 ELSE failed_sha END,
      failed_config = CASE WHEN $2 THEN NULL WHEN $8 THEN $9 ELSE failed_config END
    WHERE id = $7`, [current.generation, ok, current.sha, complete.url, complete.builtBy ?? null, now, current.environmentId, remember, complete.config ?? null]);
}

/** The target removed the environment: it is destroyed, its last deployment inactive. */
export async function completeDestroy(sql: Sql, environmentId: number, generation: number, fence: Fence, now: number): Promise<void> {
  await checkFence(sql, fence);
  await recordDestroyed(sql, environmentId, now);
  await sql.run(`UPDATE environments SET state = 'destroyed', url = NULL, slept_at = NULL, built_by = NULL,
      observed_generation = greatest(observed_generation, $1), updated_at = $2
    WHERE id = $3 AND NOT present`, [generation, now, environmentId]);
  // A deployment still waiting for its gate will never run.
  for (const waiting of await unfinished(sql, environmentId)) await finish(sql, waiting, 'inactive', 'environment destroyed', now);
  const last = await sql.value<number>(`SELECT id FROM deployments WHERE environment_id = $1 AND state = 'success'
    ORDER BY id DESC LIMIT 1`, [environmentId]);
  if (last !== undefined) {
    await sql.run("UPDATE deployments SET state = 'inactive' WHERE id = $1", [last]);
    await addTimeline(sql, last, now, 'inactive', 'environment destroyed');
  }
}

/** Ends these deployments `error`, saying why. */
async function interrupt(sql: Sql, ids: number[], message: string, now: number): Promise<number> {
  await sql.run(`UPDATE deployments SET error = $2, state = 'error', finished_at = $3 WHERE id = ANY($1::bigint[])`, [ids, message, now]);
  await sql.run(`INSERT INTO deployment_timeline (deployment_id, at, state, message)
    SELECT id, $2, 'error', $3 FROM unnest($1::bigint[]) AS i(id) ORDER BY id`, [ids, now, message]);
  return ids.length;
}

/**
 * At start: what runs under no live lease any more (its replica crashed or stopped) is marked
 * error, and its environment is tried again; what another replica runs under its lease is left.
 * A deployment waiting for its gate keeps waiting. The leases are read on the database's clock.
 */
export async function interruptDeployments(sql: Sql, now: number): Promise<number> {
  const ids = await sql.column<number>(`SELECT id FROM deployments d WHERE finished_at IS NULL AND state <> 'waiting'
    AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.name = d.lease AND l.token = d.lease_token AND l.expires_at > clock_timestamp())
    ORDER BY id`);
  await interrupt(sql, ids, 'interrupted: slipway stopped during the deployment', now);
  // Deploying, and no deployment of it runs any more (interrupted, or cancelled at a stop): it goes again.
  await sql.run(`UPDATE environments e SET state = 'pending' WHERE state = 'deploying'
    AND NOT EXISTS (SELECT 1 FROM deployments d WHERE d.environment_id = e.id AND d.finished_at IS NULL AND d.state <> 'waiting')`);
  return ids.length;
}

/** The caller took the environment's lease: what still runs there under an earlier tenure is marked error. */
export async function takeOverDeployments(sql: Sql, environmentId: number, fence: Fence, now: number): Promise<number> {
  await checkFence(sql, fence);
  const ids = await sql.column<number>(`SELECT id FROM deployments WHERE environment_id = $1 AND finished_at IS NULL AND state <> 'waiting'
    AND (lease, lease_token) IS DISTINCT FROM ($2, $3::bigint) ORDER BY id`, [environmentId, fence.lease, fence.token]);
  if (ids.length === 0) return 0;
  await interrupt(sql, ids, 'interrupted: the replica running it stopped renewing its lease', now);
  await sql.run(`UPDATE environments SET state = 'pending' WHERE id = $1 AND state = 'deploying'`, [environmentId]);
  return ids.length;
}

export async function getDeployment(sql: Sql, id: number): Promise<DeploymentDetail | null> {
  const row = await deploymentById(sql, id);
  if (row === undefined) return null;
  const timeline = await sql.all<TimelineEntry>('SELECT at, state, message FROM deployment_timeline WHERE deployment_id = $1 ORDER BY at, seq', [id]);
  const log = (await sql.value<string>('SELECT log FROM deployments WHERE id = $1', [id])) ?? '';
  return { ...row, timeline, log };
}

export function listDeployments(sql: Sql, environmentId: number, limit: number): Promise<Deployment[]> {
  return sql.all(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id
    WHERE d.environment_id = $1 ORDER BY d.id DESC LIMIT $2`, [environmentId, limit]);
}

/** Deployments waiting for their gate, oldest first (for gate timeouts). */
export function waitingDeployments(sql: Sql): Promise<Deployment[]> {
  return sql.all(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id
    WHERE d.state = 'waiting' ORDER BY d.id`);
}
