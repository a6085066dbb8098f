import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { createNotificationEvents } from './notification-events.js';
import type {
  BeginDeployment,
  CompleteDeployment,
  Deployment,
  DeploymentDetail,
  Fence,
  FinalDeploymentState,
  TimelineEntry,
} from '../../domain/environments.js';

export const DEPLOYMENT_COLUMNS = `d.id, d.environment_id AS environmentId, e.app, e.name AS env, d.generation, d.sha, d.ref,
  d.trigger, d.delivery_id AS deliveryId, d.github_deployment_id AS githubDeploymentId,
  d.artifact_run_id AS artifactRunId, d.state, d.error, d.built_by AS builtBy, d.created_at AS createdAt,
  d.started_at AS startedAt, d.finished_at AS finishedAt`;

/** The timeline and fencing that environment and deployment writes share. */
export function createDeploymentBasics(db: Database.Database) {
  const fenceHolds = db.prepare('SELECT 1 FROM leases WHERE name = ? AND token = ? AND expires_at > ?').pluck();
  const timeline = db.prepare('INSERT INTO deployment_timeline (deployment_id, at, state, message) VALUES (?, ?, ?, ?)');
  const byId = db.prepare(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id WHERE d.id = ?`);
  return {
    checkFence(fence: Fence, now: number): void {
      if (fenceHolds.get(fence.lease, fence.token, now) === undefined) {
        throw new StoreError('lease_lost', `the lease ${fence.lease} (token ${fence.token}) is no longer held`);
      }
    },
    /** Adds a line to a deployment's timeline, in the deployment's current state. */
    note(id: number, message: string, now: number): void {
      const state = db.prepare('SELECT state FROM deployments WHERE id = ?').pluck().get(id) as string | undefined;
      if (state !== undefined) timeline.run(id, now, state, message);
    },
    timeline,
    deployment: (id: number) => byId.get(id) as Deployment | undefined,
  };
}

/** SQL for deployments and their timeline; runs on the store's worker thread. */
export function createDeploymentQueries(db: Database.Database) {
  const { checkFence, timeline, deployment } = createDeploymentBasics(db);
  const events = createNotificationEvents(db);
  const finish = (id: number, state: FinalDeploymentState, message: string, now: number) => {
    db.prepare('UPDATE deployments SET state = ?, finished_at = ? WHERE id = ? AND finished_at IS NULL').run(state, now, id);
    timeline.run(id, now, state, message);
  };
  // A deployment waiting for its gate runs nothing: it keeps waiting, for whoever holds the lease next.
  const orphaned = db.prepare(`SELECT id FROM deployments d WHERE finished_at IS NULL AND state != 'waiting'
    AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.name = d.lease AND l.token = d.lease_token AND l.expires_at > ?) ORDER BY id`).pluck();
  const earlierTenure = db.prepare(`SELECT id FROM deployments WHERE environment_id = ? AND finished_at IS NULL AND state != 'waiting'
    AND (lease IS NOT ? OR lease_token IS NOT ?) ORDER BY id`).pluck();
  // Deploying, and no deployment of it runs any more (interrupted, or cancelled at a stop): it goes again.
  const idle = db.prepare(`UPDATE environments SET state = 'pending' WHERE state = 'deploying'
    AND NOT EXISTS (SELECT 1 FROM deployments d WHERE d.environment_id = environments.id AND d.finished_at IS NULL AND d.state != 'waiting')`);
  /** Ends these deployments `error`, saying why. */
  const interrupt = (ids: number[], message: string, now: number): number => {
    for (const id of ids) {
      db.prepare('UPDATE deployments SET error = ? WHERE id = ?').run(message, id);
      finish(id, 'error', message, now);
    }
    return ids.length;
  };

  return {
    beginDeployment(begin: BeginDeployment, now: number): Deployment {
      checkFence(begin.fence, now);
      for (const older of db.prepare(`SELECT id FROM deployments WHERE environment_id = ? AND finished_at IS NULL`).pluck().all(begin.environmentId) as number[]) {
        finish(older, 'inactive', 'superseded by a newer deployment', now);
      }
      const waiting = begin.waiting !== undefined;
      const { lastInsertRowid } = db.prepare(`INSERT INTO deployments (environment_id, generation, sha, ref, trigger, delivery_id,
          github_deployment_id, artifact_run_id, state, created_at, started_at, lease, lease_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(begin.environmentId, begin.generation, begin.sha, begin.ref, begin.trigger, begin.deliveryId,
          begin.githubDeploymentId ?? null, begin.artifactRunId ?? null, waiting ? 'waiting' : 'in_progress', now, waiting ? null : now,
          begin.fence.lease, begin.fence.token);
      const id = Number(lastInsertRowid);
      const what = begin.sha === null ? 'resolving' : `deploying ${begin.sha.slice(0, 12)}`;
      timeline.run(id, now, waiting ? 'waiting' : 'in_progress', begin.waiting ?? `${what}${begin.ref ? ` ${begin.ref}` : ''}`);
      if (begin.waiting !== undefined && begin.quiet !== true) events.waiting(deployment(id) as Deployment, begin.waiting, now);
      // The redeploy asked for at this generation or before is under way (one asked since is still to do).
      db.prepare(`UPDATE environments SET state = ?, updated_at = ?, redeploy = CASE WHEN redeploy <= ? THEN 0 ELSE redeploy END
        WHERE id = ?`).run(waiting ? 'waiting' : 'deploying', now, begin.generation, begin.environmentId);
      return deployment(id) as Deployment;
    },
    /** A waiting deployment's gate opened: it starts now. */
    startDeployment(id: number, message: string, fence: Fence, now: number): void {
      checkFence(fence, now);
      const current = deployment(id);
      if (current === undefined) throw new StoreError('not_found', `no deployment ${id}`);
      if (current.state !== 'waiting') return;
      db.prepare(`UPDATE deployments SET state = 'in_progress', started_at = ?, lease = ?, lease_token = ? WHERE id = ?`).run(now, fence.lease, fence.token, id);
      timeline.run(id, now, 'in_progress', message);
      db.prepare(`UPDATE environments SET state = 'deploying', updated_at = ? WHERE id = ?`).run(now, current.environmentId);
    },
    completeDeployment(complete: CompleteDeployment, now: number): void {
      checkFence(complete.fence, now);
      const current = deployment(complete.id);
      if (current === undefined) throw new StoreError('not_found', `no deployment ${complete.id}`);
      if (current.finishedAt !== null) return;
      db.prepare('UPDATE deployments SET error = ?, log = ?, built_by = ? WHERE id = ?').run(complete.error, complete.log, complete.builtBy ?? null, complete.id);
      finish(complete.id, complete.state, complete.error ?? complete.state, now);
      if (complete.state === 'inactive') return;
      if (complete.retry === true) {
        db.prepare(`UPDATE environments SET state = CASE WHEN present = 1 THEN 'failed' ELSE state END, updated_at = ?
          WHERE id = ?`).run(now, current.environmentId);
        return;
      }
      events.finished(current, complete, now);
      const ok = complete.state === 'success';
      // A new commit deployed by following the ref clears the quarantine of the one rolled back;
      // a new release starts with no restarts.
      db.prepare(`UPDATE environments SET observed_generation = max(observed_generation, @generation),
          observed_sha = CASE WHEN @ok THEN @sha ELSE observed_sha END,
          url = CASE WHEN @ok THEN @url ELSE url END, built_by = CASE WHEN @ok THEN @builtBy ELSE built_by END,
          quarantined_sha = CASE WHEN @ok AND pinned_sha IS NULL AND quarantined_sha IS NOT @sha THEN NULL ELSE quarantined_sha END,
          restarts = CASE WHEN @ok THEN 0 ELSE restarts END, last_exit = CASE WHEN @ok THEN NULL ELSE last_exit END,
          slept_at = CASE WHEN @ok THEN NULL ELSE slept_at END, used_at = CASE WHEN @ok THEN @now ELSE used_at END,
          state = CASE WHEN present = 0 THEN state WHEN @ok THEN 'ready' ELSE 'failed' END, updated_at = @now
        WHERE id = @id`).run({
        generation: current.generation, ok: ok ? 1 : 0, sha: current.sha, url: complete.url, builtBy: complete.builtBy ?? null, now, id: current.environmentId,
      });
      // A success forgets the failed commit; a final failure of a commit given its config remembers both.
      if (ok) db.prepare('UPDATE environments SET failed_sha = NULL, failed_config = NULL WHERE id = ?').run(current.environmentId);
      else if (complete.config !== undefined && current.sha !== null) {
        db.prepare('UPDATE environments SET failed_sha = ?, failed_config = ? WHERE id = ?').run(current.sha, complete.config, current.environmentId);
      }
    },
    /** The target removed the environment: it is destroyed, its last deployment inactive. */
    completeDestroy(environmentId: number, generation: number, fence: Fence, now: number): void {
      checkFence(fence, now);
      events.destroyed(environmentId, now);
      db.prepare(`UPDATE environments SET state = 'destroyed', url = NULL, slept_at = NULL, built_by = NULL, observed_generation = max(observed_generation, ?),
        updated_at = ? WHERE id = ? AND present = 0`).run(generation, now, environmentId);
      // A deployment still waiting for its gate will never run.
      for (const waiting of db.prepare(`SELECT id FROM deployments WHERE environment_id = ? AND finished_at IS NULL`).pluck().all(environmentId) as number[]) {
        finish(waiting, 'inactive', 'environment destroyed', now);
      }
      const last = db.prepare(`SELECT id FROM deployments WHERE environment_id = ? AND state = 'success'
        ORDER BY id DESC LIMIT 1`).pluck().get(environmentId) as number | undefined;
      if (last !== undefined) {
        db.prepare("UPDATE deployments SET state = 'inactive' WHERE id = ?").run(last);
        timeline.run(last, now, 'inactive', 'environment destroyed');
      }
    },
    /**
     * At start: what runs under no live lease any more is marked error, and its environment is
     * tried again. The worker expired every lease when it opened the store (one process has it),
     * so after a crash that is everything that was running.
     */
    interruptDeployments(now: number): number {
      const interrupted = interrupt(orphaned.all(now) as number[], 'interrupted: slipway stopped during the deployment', now);
      idle.run();
      return interrupted;
    },
    /** The caller took the environment's lease: what still runs there under an earlier tenure is marked error. */
    takeOverDeployments(environmentId: number, fence: Fence, now: number): number {
      checkFence(fence, now);
      const interrupted = interrupt(earlierTenure.all(environmentId, fence.lease, fence.token) as number[], 'interrupted: the replica running it stopped renewing its lease', now);
      if (interrupted > 0) db.prepare(`UPDATE environments SET state = 'pending' WHERE id = ? AND state = 'deploying'`).run(environmentId);
      return interrupted;
    },
    getDeployment(id: number): DeploymentDetail | null {
      const row = deployment(id);
      if (row === undefined) return null;
      const entries = db.prepare('SELECT at, state, message FROM deployment_timeline WHERE deployment_id = ? ORDER BY at, rowid')
        .all(id) as TimelineEntry[];
      const log = db.prepare('SELECT log FROM deployments WHERE id = ?').pluck().get(id) as string;
      return { ...row, timeline: entries, log };
    },
    listDeployments(environmentId: number, limit: number): Deployment[] {
      return db.prepare(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id
        WHERE d.environment_id = ? ORDER BY d.id DESC LIMIT ?`).all(environmentId, limit) as Deployment[];
    },
    /** Deployments waiting for their gate, oldest first (for gate timeouts). */
    waitingDeployments(): Deployment[] {
      return db.prepare(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id
        WHERE d.state = 'waiting' ORDER BY d.id`).all() as Deployment[];
    },
  };
}
