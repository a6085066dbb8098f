import type Database from 'better-sqlite3';
import type { CompleteDeployment, Deployment } from '../../domain/environments.js';
import type { NotificationFacts } from '../../domain/notifications.js';

interface EnvironmentRow {
  app: string;
  name: string;
  present: number;
  state: string;
  pr: number | null;
  branch: string | null;
  desiredRef: string | null;
  observedSha: string | null;
  pinnedSha: string | null;
  url: string | null;
  lastTrigger: string | null;
  destroyReason: string | null;
  rollbackFrom: string | null;
  rollbackReason: string | null;
}

/**
 * Records notification events inside the deployment and destroy writes that cause them (the
 * same transaction), so an outcome the store keeps is never without its event, whatever stops
 * slipway afterwards. Each is called before its write changes the environment, whose state
 * then still says what ran before.
 */
export function createNotificationEvents(db: Database.Database) {
  const insert = db.prepare('INSERT INTO notification_events (facts, created_at) VALUES (?, ?)');
  const environment = db.prepare(`SELECT app, name, present, state, pr, branch, desired_ref AS desiredRef, observed_sha AS observedSha,
      pinned_sha AS pinnedSha, url, last_trigger AS lastTrigger, destroy_reason AS destroyReason,
      rollback_from AS rollbackFrom, rollback_reason AS rollbackReason
    FROM environments WHERE id = ?`);
  const endRollback = db.prepare('UPDATE environments SET rollback_from = NULL, rollback_reason = NULL WHERE id = ?');
  const record = (facts: NotificationFacts) => insert.run(JSON.stringify(facts), facts.at);
  const of = (deployment: Deployment, env: EnvironmentRow) => ({
    app: deployment.app,
    environment: deployment.env,
    deployment: deployment.id,
    sha: deployment.sha,
    ref: deployment.ref,
    pr: env.pr,
    branch: env.branch,
    trigger: deployment.trigger,
    startedAt: deployment.startedAt,
  });

  return {
    /** A deployment ended for good (not cancelled, not to be tried again): succeeded, rolled back, or failed. */
    finished(deployment: Deployment, complete: CompleteDeployment, now: number): void {
      const env = environment.get(deployment.environmentId) as EnvironmentRow | undefined;
      if (env === undefined) return;
      const ok = complete.state === 'success';
      // Whatever its outcome, the deployment after a rollback is the one that carried it out.
      if (env.rollbackFrom !== null) endRollback.run(deployment.environmentId);
      const rolledBack = ok && env.rollbackFrom !== null && deployment.sha !== null && deployment.sha === env.pinnedSha;
      record({
        ...of(deployment, env),
        event: rolledBack ? 'rolled-back' : ok ? 'succeeded' : 'failed',
        fromSha: rolledBack ? env.rollbackFrom : env.observedSha,
        state: complete.state,
        url: ok ? complete.url : env.url,
        error: ok ? null : complete.error,
        reason: rolledBack ? env.rollbackReason : null,
        finishedAt: now,
        at: now,
      });
    },
    /** A deployment started waiting for its gate or for approval (`reason`). */
    waiting(deployment: Deployment, reason: string, now: number): void {
      const env = environment.get(deployment.environmentId) as EnvironmentRow | undefined;
      if (env === undefined) return;
      record({ ...of(deployment, env), event: 'waiting', fromSha: env.observedSha, state: 'waiting', url: env.url, error: null, reason, finishedAt: null, at: now });
    },
    /** The target removed an environment asked to be destroyed (once: a second call changes nothing). */
    destroyed(environmentId: number, now: number): void {
      const env = environment.get(environmentId) as EnvironmentRow | undefined;
      if (env === undefined || env.present === 1 || env.state === 'destroyed') return;
      record({
        app: env.app,
        environment: env.name,
        event: 'destroyed',
        deployment: null,
        sha: env.observedSha,
        fromSha: null,
        ref: env.desiredRef,
        pr: env.pr,
        branch: env.branch,
        state: 'destroyed',
        url: null,
        error: null,
        reason: env.destroyReason,
        trigger: env.lastTrigger,
        startedAt: null,
        finishedAt: now,
        at: now,
      });
    },
  };
}
