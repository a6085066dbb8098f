/**
 * The notifications outbox. The store records an event (NotificationFacts) in the transaction
 * of the change that causes it; the notifier queues it once per receiver that wants it, each
 * notification with an id of its own that every try sends again (receivers dedupe on it).
 */
import type { NotificationEvent, NotificationFacts } from '../domain/notifications.js';

export const NOTIFICATION_STATES = ['pending', 'delivered', 'failed'] as const;
export type NotificationState = (typeof NOTIFICATION_STATES)[number];

/** An event recorded by the store and not yet queued for its receivers. */
export interface RecordedEvent {
  seq: number;
  facts: NotificationFacts;
}

/** An event's notifications, one per receiver that wants it (none: nobody does). */
export interface QueuedEvent {
  seq: number;
  notifications: { id: string; receiver: string }[];
}

/** One notification to one receiver, and how its delivery goes. Never holds the receiver's URL or secret. */
export interface Notification {
  /** The delivery id receivers get in `X-Slipway-Delivery`, the same on every try. */
  id: string;
  /** The receiver's name in the config. */
  receiver: string;
  event: NotificationEvent;
  app: string;
  environment: string;
  state: NotificationState;
  /** Tries so far. */
  attempts: number;
  createdAt: number;
  /** When the current 24 hours of retries began: when queued, or resent. */
  since: number;
  /** When it is tried next (pending). */
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  /** The receiver's last HTTP status; null when it never answered. */
  lastStatus: number | null;
  /** A short excerpt of the receiver's last answer, with nothing of the URL or secret in it. */
  lastAnswer: string | null;
  /** Why the last try did not deliver it (network error, status, given up). */
  lastError: string | null;
  /** When it was delivered, or failed for good. */
  finishedAt: number | null;
  facts: NotificationFacts;
}

/** The outcome of one try. */
export interface NotificationAttempt {
  id: string;
  at: number;
  /** `pending` with `nextAttemptAt` to try again. */
  state: NotificationState;
  nextAttemptAt?: number;
  status: number | null;
  answer: string | null;
  error: string | null;
}

export interface NotificationQuery {
  state?: NotificationState;
  receiver?: string;
  limit: number;
  /** Only notifications queued before this one (paging, newest first). */
  before?: string;
}
