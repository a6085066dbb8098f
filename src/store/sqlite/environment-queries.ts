import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import type {
  BeginDeployment,
  CompleteDeployment,
  Deployment,
  DeploymentDetail,
  Environment,
  EnvironmentChange,
  Fence,
  FinalDeploymentState,
  TimelineEntry,
} from '../environments.js';

const ENV_COLUMNS = `id, app, name, present, desired_ref AS desiredRef, pinned_sha AS pinnedSha, generation,
  observed_generation AS observedGeneration, observed_sha AS observedSha, state, url, pr, branch,
  ttl_ms AS ttlMs, last_commit_at AS lastCommitAt, expires_at AS expiresAt,
  last_trigger AS lastTrigger, last_delivery AS lastDelivery, requested_at AS requestedAt, event_at AS eventAt,
  created_at AS createdAt, updated_at AS updatedAt`;

const DEPLOYMENT_COLUMNS = `d.id, d.environment_id AS environmentId, e.app, e.name AS env, d.generation, d.sha, d.ref,
  d.trigger, d.delivery_id AS deliveryId, d.state, d.error, d.created_at AS createdAt,
  d.started_at AS startedAt, d.finished_at AS finishedAt`;

type EnvironmentRow = Omit<Environment, 'present'> & { present: number; eventAt: number | null };
const toEnvironment = ({ eventAt: _eventAt, ...row }: EnvironmentRow): Environment => ({ ...row, present: row.present === 1 });

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
  const fenceHolds = db.prepare('SELECT 1 FROM leases WHERE name = ? AND token = ? AND expires_at > ?').pluck();
  const timeline = db.prepare('INSERT INTO deployment_timeline (deployment_id, at, state, message) VALUES (?, ?, ?, ?)');
  const deployment = db.prepare(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d
    JOIN environments e ON e.id = d.environment_id WHERE d.id = ?`);

  const checkFence = (fence: Fence, now: number) => {
    if (fenceHolds.get(fence.lease, fence.token, now) === undefined) {
      throw new StoreError('lease_lost', `the lease ${fence.lease} (token ${fence.token}) is no longer held`);
    }
  };
  const finish = (id: number, state: FinalDeploymentState, message: string, now: number) => {
    db.prepare('UPDATE deployments SET state = ?, finished_at = ? WHERE id = ? AND finished_at IS NULL').run(state, now, id);
    timeline.run(id, now, state, message);
  };


  /** The change itself; applyChange checks staleness and records when it was asked. */
  function apply(change: EnvironmentChange, current: EnvironmentRow | undefined, deliveryId: string, now: number): void {
    if (change.kind === 'nudge') {
      if (current === undefined || current.present === 0) return;
      db.prepare('UPDATE environments SET generation = generation + 1, last_trigger = ?, updated_at = ? WHERE id = ?')
        .run(change.trigger, now, current.id);
      return;
    }
    if (change.kind === 'pin') {
      if (current === undefined) {
        db.prepare(`INSERT INTO environments (app, name, pinned_sha, last_commit_at, last_trigger, last_delivery,
          updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(change.app, change.env, change.sha, now, change.trigger, deliveryId, now, now);
        return;
      }
      db.prepare(`UPDATE environments SET pinned_sha = ?, present = 1, generation = generation + 1,
          state = CASE WHEN present = 1 THEN state ELSE 'pending' END,
          last_commit_at = ?, last_trigger = ?, last_delivery = ?, updated_at = ?
        WHERE id = ?`).run(change.sha, now, change.trigger, deliveryId, now, current.id);
      return;
    }
    if (change.kind === 'destroy') {
      if (current === undefined || current.present === 0) return;
      db.prepare(`UPDATE environments SET present = 0, generation = generation + 1, state = 'destroying',
        last_trigger = ?, last_delivery = ?, updated_at = ? WHERE id = ?`).run(change.trigger, deliveryId, now, current.id);
      return;
    }
    const expiresAt = change.ttlMs === null ? null : now + change.ttlMs;
    const fields = [change.ref, change.pr, change.branch, change.ttlMs, now, expiresAt, change.trigger, deliveryId, now];
    if (current === undefined) {
      db.prepare(`INSERT INTO environments (app, name, desired_ref, pr, branch, ttl_ms, last_commit_at, expires_at,
        last_trigger, last_delivery, updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(change.app, change.env, ...fields, now);
      return;
    }
    // Every follow is a nudge: the reconciler resolves the ref again and deploys what it finds.
    db.prepare(`UPDATE environments SET desired_ref = ?, pinned_sha = NULL, pr = ?, branch = ?, ttl_ms = ?,
        last_commit_at = ?, expires_at = ?, last_trigger = ?, last_delivery = ?, updated_at = ?,
        generation = generation + 1, present = 1,
        state = CASE WHEN present = 1 THEN state ELSE 'pending' END
      WHERE id = ?`).run(...fields, current.id);
  }

  return {
    /** Applies one delivery's desired-state changes; called inside finishDeliveries. */
    applyChange(change: EnvironmentChange, deliveryId: string, now: number): void {
      const current = byName.get(change.app, change.env) as EnvironmentRow | undefined;
      if (stale(change, current)) return;
      apply(change, current, deliveryId, now);
      if (change.kind === 'nudge') return;
      const eventAt = 'eventAt' in change ? (change.eventAt ?? null) : null;
      // What the change asked is recorded with when its webhook arrived (deploy latency).
      db.prepare(`UPDATE environments SET event_at = coalesce(max(event_at, ?), event_at, ?),
          requested_at = coalesce((SELECT received_at FROM deliveries WHERE id = ?), ?)
        WHERE app = ? AND name = ? AND last_delivery IS ?`).run(eventAt, eventAt, deliveryId, now, change.app, change.env, deliveryId);
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
    beginDeployment(begin: BeginDeployment, now: number): Deployment {
      checkFence(begin.fence, now);
      for (const older of db.prepare(`SELECT id FROM deployments WHERE environment_id = ? AND finished_at IS NULL`).pluck().all(begin.environmentId) as number[]) {
        finish(older, 'inactive', 'superseded by a newer deployment', now);
      }
      const { lastInsertRowid } = db.prepare(`INSERT INTO deployments (environment_id, generation, sha, ref, trigger, delivery_id,
        state, created_at, started_at) VALUES (?, ?, ?, ?, ?, ?, 'in_progress', ?, ?)`)
        .run(begin.environmentId, begin.generation, begin.sha, begin.ref, begin.trigger, begin.deliveryId, now, now);
      const id = Number(lastInsertRowid);
      const what = begin.sha === null ? 'resolving' : `deploying ${begin.sha.slice(0, 12)}`;
      timeline.run(id, now, 'in_progress', `${what}${begin.ref ? ` ${begin.ref}` : ''}`);
      db.prepare(`UPDATE environments SET state = 'deploying', updated_at = ? WHERE id = ?`).run(now, begin.environmentId);
      return deployment.get(id) as Deployment;
    },
    completeDeployment(complete: CompleteDeployment, now: number): void {
      checkFence(complete.fence, now);
      const current = deployment.get(complete.id) as Deployment | undefined;
      if (current === undefined) throw new StoreError('not_found', `no deployment ${complete.id}`);
      if (current.finishedAt !== null) return;
      db.prepare('UPDATE deployments SET error = ?, log = ? WHERE id = ?').run(complete.error, complete.log, complete.id);
      finish(complete.id, complete.state, complete.error ?? complete.state, now);
      if (complete.state === 'inactive') return;
      if (complete.retry === true) {
        db.prepare(`UPDATE environments SET state = CASE WHEN present = 1 THEN 'failed' ELSE state END, updated_at = ?
          WHERE id = ?`).run(now, current.environmentId);
        return;
      }
      const ok = complete.state === 'success';
      db.prepare(`UPDATE environments SET observed_generation = max(observed_generation, ?),
          observed_sha = CASE WHEN ? THEN ? ELSE observed_sha END,
          url = CASE WHEN ? THEN ? ELSE url END,
          state = CASE WHEN present = 0 THEN state WHEN ? THEN 'ready' ELSE 'failed' END, updated_at = ?
        WHERE id = ?`).run(current.generation, ok ? 1 : 0, current.sha, ok ? 1 : 0, complete.url, ok ? 1 : 0, now, current.environmentId);
    },
    /** The target removed the environment: it is destroyed, its last deployment inactive. */
    completeDestroy(environmentId: number, generation: number, fence: Fence, now: number): void {
      checkFence(fence, now);
      db.prepare(`UPDATE environments SET state = 'destroyed', url = NULL, observed_generation = max(observed_generation, ?),
        updated_at = ? WHERE id = ? AND present = 0`).run(generation, now, environmentId);
      const last = db.prepare(`SELECT id FROM deployments WHERE environment_id = ? AND state = 'success'
        ORDER BY id DESC LIMIT 1`).pluck().get(environmentId) as number | undefined;
      if (last !== undefined) {
        db.prepare("UPDATE deployments SET state = 'inactive' WHERE id = ?").run(last);
        timeline.run(last, now, 'inactive', 'environment destroyed');
      }
    },
    /** After a crash: what was running is marked error, and its environment is tried again. */
    interruptDeployments(now: number): number {
      const ids = db.prepare('SELECT id FROM deployments WHERE finished_at IS NULL').pluck().all() as number[];
      for (const id of ids) {
        db.prepare("UPDATE deployments SET error = 'interrupted: slipway stopped during the deployment' WHERE id = ?").run(id);
        finish(id, 'error', 'interrupted: slipway stopped during the deployment', now);
      }
      db.prepare(`UPDATE environments SET state = 'pending' WHERE state = 'deploying'`).run();
      return ids.length;
    },
    getDeployment(id: number): DeploymentDetail | null {
      const row = deployment.get(id) as Deployment | undefined;
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
    environmentById(id: number): Environment | null {
      const row = byId.get(id) as EnvironmentRow | undefined;
      return row === undefined ? null : toEnvironment(row);
    },
  };
}
