/**
 * Records notification events inside the deployment and destroy writes that cause them (the
 * same transaction), so an outcome the store keeps is never without its event, whatever stops
 * slipway afterwards. Each is called before its write changes the environment, whose state
 * then still says what ran before.
 */
import type { CompleteDeployment, Deployment } from '../../domain/environments.js';
import type { NotificationFacts } from '../../domain/notifications.js';
import { destroyedFacts, finishedFacts, waitingFacts, type EventEnvironment } from '../notification-facts.js';
import type { Sql } from './database.js';

const environment = (sql: Sql, id: number) => sql.get<EventEnvironment>(`SELECT app, name, present, state, pr, branch,
    desired_ref AS "desiredRef", observed_sha AS "observedSha", pinned_sha AS "pinnedSha", url, last_trigger AS "lastTrigger",
    destroy_reason AS "destroyReason", rollback_from AS "rollbackFrom", rollback_reason AS "rollbackReason"
  FROM environments WHERE id = $1`, [id]);

async function record(sql: Sql, facts: NotificationFacts): Promise<void> {
  await sql.run('INSERT INTO notification_events (facts, created_at) VALUES ($1, $2)', [JSON.stringify(facts), facts.at]);
}

/** A deployment ended for good (not cancelled, not to be tried again): succeeded, rolled back, or failed. */
export async function recordFinished(sql: Sql, deployment: Deployment, complete: CompleteDeployment, now: number): Promise<void> {
  const env = await environment(sql, deployment.environmentId);
  if (env === undefined) return;
  // Whatever its outcome, the deployment after a rollback is the one that carried it out.
  if (env.rollbackFrom !== null) {
    await sql.run('UPDATE environments SET rollback_from = NULL, rollback_reason = NULL WHERE id = $1', [deployment.environmentId]);
  }
  await record(sql, finishedFacts(deployment, env, complete, now));
}

/** A deployment started waiting for its gate or for approval (`reason`). */
export async function recordWaiting(sql: Sql, deployment: Deployment, reason: string, now: number): Promise<void> {
  const env = await environment(sql, deployment.environmentId);
  if (env !== undefined) await record(sql, waitingFacts(deployment, env, reason, now));
}

/** The target removed an environment asked to be destroyed (once: a second call changes nothing). */
export async function recordDestroyed(sql: Sql, environmentId: number, now: number): Promise<void> {
  const env = await environment(sql, environmentId);
  const facts = env === undefined ? null : destroyedFacts(env, now);
  if (facts !== null) await record(sql, facts);
}
