/**
 * How long the store keeps what piles up while slipway runs for months: webhook deliveries,
 * finished deployments with their logs, destroyed environments, finished notifications and
 * CI signals. The retention job removes what is past its age in small batches.
 */

/** Why a delivery has no payload any more (a delivery row outlives its payload). */
export const PAYLOAD_REMOVED = 'its payload was removed when it grew older than retention.deliveries.payloads';

/** Ages in milliseconds, as the config's `retention:` gives them. */
export interface RetentionPolicy {
  deliveries: {
    /** A delivery's payload (the bulk of the store) is removed this long after it arrived; its row stays. */
    payloadsMs: number;
    /** The row itself, which answers a redelivery of its GUID as a duplicate, is removed this long after it arrived. */
    rowsMs: number;
  };
  deployments: {
    /** The newest this many finished deployments of each environment are kept, however old. */
    keep: number;
    /** Beyond those, a deployment (with its log and timeline) is removed this long after it finished. */
    ageMs: number;
  };
  /** A destroyed environment, and all that hangs off it, is removed this long after it was destroyed. */
  destroyedEnvironmentsMs: number;
  /**
   * A pull request's comment id, fork approval and decided commands are forgotten this long
   * after their last change (a comment is found again by its marker, a fork asks again), and a
   * request to bring its comment up to date that GitHub kept refusing this long after it was asked.
   */
  pullRequestsMs: number;
  notifications: {
    /** A delivered notification is removed this long after it was delivered. */
    deliveredMs: number;
    /** A notification that failed for good is removed this long after it failed (until then it can be resent). */
    failedMs: number;
  };
}

/** CI signals are kept this long: longer than any gate waits (timeouts are at most 24 days). */
export const SIGNAL_RETENTION_MS = 30 * 86_400_000;

/** What the retention job removes, in this order (rows before payloads: a row takes its payload along), each kind oldest first. */
export const PRUNE_KINDS = ['deliveries', 'payloads', 'deployments', 'environments', 'notifications', 'signals', 'pullRequests'] as const;
export type PruneKind = (typeof PRUNE_KINDS)[number];

/** One batch of one kind: what it asks the store to remove. */
export interface PruneStep {
  kind: PruneKind;
  policy: RetentionPolicy;
  /** The time ages count to (ms): `Date.now()`, or a test's clock. */
  now: number;
  /** Where the previous batch of this run stopped (0 for the first batch). */
  after: number;
  /** At most this many rows of the kind's main table are removed (rows hanging off them go too). */
  limit: number;
}

export interface PruneBatch {
  /** Rows of the kind's main table removed. */
  removed: number;
  /** Where the next batch continues; null when nothing more of this kind is due. */
  next: number | null;
}
