/**
 * The facts of the notification events that deployment and destroy writes record, from the
 * deployment and its environment as they were before the write changed them. Each store reads
 * the environment its own way and records what these return in the write's transaction.
 */
import type { CompleteDeployment, Deployment } from '../domain/environments.js';
import type { NotificationFacts } from '../domain/notifications.js';

/** What an event needs of its environment. */
export interface EventEnvironment {
  app: string;
  name: string;
  present: boolean;
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

const of = (deployment: Deployment, env: EventEnvironment) => ({
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

/** A deployment ended for good: succeeded, rolled back (the success of a rollback's deployment), or failed. */
export function finishedFacts(deployment: Deployment, env: EventEnvironment, complete: CompleteDeployment, now: number): NotificationFacts {
  const ok = complete.state === 'success';
  const rolledBack = ok && env.rollbackFrom !== null && deployment.sha !== null && deployment.sha === env.pinnedSha;
  return {
    ...of(deployment, env),
    event: rolledBack ? 'rolled-back' : ok ? 'succeeded' : 'failed',
    fromSha: rolledBack ? env.rollbackFrom : env.observedSha,
    state: complete.state,
    url: ok ? complete.url : env.url,
    error: ok ? null : complete.error,
    reason: rolledBack ? env.rollbackReason : null,
    finishedAt: now,
    at: now,
  };
}

/** A deployment started waiting for its gate or for approval (`reason`). */
export function waitingFacts(deployment: Deployment, env: EventEnvironment, reason: string, now: number): NotificationFacts {
  return { ...of(deployment, env), event: 'waiting', fromSha: env.observedSha, state: 'waiting', url: env.url, error: null, reason, finishedAt: null, at: now };
}

/** The target removed an environment asked to be destroyed; null when it is not one (live, or destroyed already). */
export function destroyedFacts(env: EventEnvironment, now: number): NotificationFacts | null {
  if (env.present || env.state === 'destroyed') return null;
  return {
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
  };
}
