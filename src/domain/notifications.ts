/**
 * What slipway tells receivers outside GitHub (chat, any HTTP endpoint): the events, and the
 * facts the store records about each one in the transaction of the change that causes it.
 */

/**
 * `failed` covers a deployment that failed or could not get its code, and a gate that failed
 * or timed out (it never started); `waiting` a deployment that started waiting for its gate or
 * for approval; `rolled-back` the success of the deployment that carried a rollback out.
 */
export const NOTIFICATION_EVENTS = ['succeeded', 'failed', 'rolled-back', 'destroyed', 'waiting'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** What a receiver hears when its config does not say (`on:`). */
export const DEFAULT_NOTIFICATION_EVENTS: readonly NotificationEvent[] = ['succeeded', 'failed', 'rolled-back'];

/** One event as it happened, kept as it was: a notification sent a day later says the same. */
export interface NotificationFacts {
  event: NotificationEvent;
  app: string;
  environment: string;
  /** The deployment it is about; null for an environment destroyed. */
  deployment: number | null;
  /** The sha deployed, tried, or waiting; for a rollback the sha it went back to. */
  sha: string | null;
  /** The sha the environment ran before (a rollback: the sha it went back from); null when none. */
  fromSha: string | null;
  ref: string | null;
  pr: number | null;
  branch: string | null;
  /** The deployment's state (`success`, `failure`, `error`, `waiting`), or `destroyed`. */
  state: string;
  /** The environment's URL after a success. */
  url: string | null;
  /** Why a deployment failed. */
  error: string | null;
  /** Why it was destroyed or rolled back, or what it waits for. */
  reason: string | null;
  /** What asked for it: `push`, `pull_request.closed`, `api.rollback`, `ttl`… */
  trigger: string | null;
  /** Times in ms; null when it never started (a failed gate) or has not finished (waiting). */
  startedAt: number | null;
  finishedAt: number | null;
  /** When the event happened (ms). */
  at: number;
}
