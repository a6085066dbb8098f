import type { RetentionPolicy } from '../store/retention.js';
import { duration, formatDuration } from './duration.js';
import { always, isRecord, strict, wholeNumber } from './fields.js';

const DAY = 86_400_000;

/**
 * GitHub lets a delivery be redelivered for 3 days (missed-webhook recovery asks within them):
 * a delivery's row must outlive that, or a redelivery would be applied a second time.
 */
const REDELIVERY_WINDOW_MS = 3 * DAY;

const deliveries = strict({
  /** The payload, the bulk of the store. */
  payloads: duration().default(30 * DAY),
  /** The row without its payload: a redelivery of its GUID is still answered as a duplicate. */
  rows: duration().default(90 * DAY),
}).superRefine((value, ctx) => {
  if (!isRecord(value) || typeof value.rows !== 'number') return;
  if (value.rows < REDELIVERY_WINDOW_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['rows'],
      message: `must be at least ${formatDuration(REDELIVERY_WINDOW_MS)}: GitHub redelivers a delivery for that long, and a row removed sooner lets a redelivery apply twice`,
    });
  } else if (typeof value.payloads === 'number' && value.rows < value.payloads) {
    ctx.addIssue({
      code: 'custom',
      path: ['rows'],
      message: `must be at least retention.deliveries.payloads (${formatDuration(value.payloads)}): a payload goes with its row, so it cannot be kept longer`,
    });
  }
}, { when: always }).transform(({ payloads, rows }) => ({ payloadsMs: payloads, rowsMs: rows }));

const deployments = strict({
  /** The newest this many of each environment are kept however old. */
  keep: wholeNumber(1, 1_000_000).default(100),
  /** Beyond those, removed this long after they finished. */
  age: duration().default(90 * DAY),
}).transform(({ keep, age }) => ({ keep, ageMs: age }));

const notifications = strict({
  delivered: duration().default(7 * DAY),
  /** Until then `slipway notifications resend` can send it again. */
  failed: duration().default(30 * DAY),
}).transform(({ delivered, failed }) => ({ deliveredMs: delivered, failedMs: failed }));

/** `retention:` how long the store keeps what piles up while slipway runs (store/retention.ts). */
export const retentionSchema = strict({
  deliveries: deliveries.prefault({}),
  deployments: deployments.prefault({}),
  /** A destroyed environment, with its deployments and their logs, this long after it was destroyed. */
  destroyedEnvironments: duration().default(90 * DAY),
  notifications: notifications.prefault({}),
  /** A pull request's comment id, fork approval and decided commands, this long after their last change. */
  pullRequests: duration().default(90 * DAY),
}).transform(({ destroyedEnvironments, pullRequests, ...rest }): RetentionPolicy => ({
  ...rest,
  destroyedEnvironmentsMs: destroyedEnvironments,
  pullRequestsMs: pullRequests,
}));
