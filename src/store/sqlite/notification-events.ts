import type Database from 'better-sqlite3';
import type { CompleteDeployment, Deployment } from '../../domain/environments.js';
import type { NotificationFacts } from '../../domain/notifications.js';
import { destroyedFacts, finishedFacts, waitingFacts, type EventEnvironment } from '../notification-facts.js';

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
  const read = (id: number): EventEnvironment | undefined => {
    const row = environment.get(id) as (Omit<EventEnvironment, 'present'> & { present: number }) | undefined;
    return row === undefined ? undefined : { ...row, present: row.present === 1 };
  };

  return {
    /** A deployment ended for good (not cancelled, not to be tried again): succeeded, rolled back, or failed. */
    finished(deployment: Deployment, complete: CompleteDeployment, now: number): void {
      const env = read(deployment.environmentId);
      if (env === undefined) return;
      // Whatever its outcome, the deployment after a rollback is the one that carried it out.
      if (env.rollbackFrom !== null) endRollback.run(deployment.environmentId);
      record(finishedFacts(deployment, env, complete, now));
    },
    /** A deployment started waiting for its gate or for approval (`reason`). */
    waiting(deployment: Deployment, reason: string, now: number): void {
      const env = read(deployment.environmentId);
      if (env !== undefined) record(waitingFacts(deployment, env, reason, now));
    },
    /** The target removed an environment asked to be destroyed (once: a second call changes nothing). */
    destroyed(environmentId: number, now: number): void {
      const env = read(environmentId);
      const facts = env === undefined ? null : destroyedFacts(env, now);
      if (facts !== null) record(facts);
    },
  };
}
