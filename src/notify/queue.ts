import type { ReceiverConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { Notification } from '../store/notifications.js';
import type { NotificationStore } from '../store/store.js';
import { Wakeup } from '../wakeup.js';
import type { Outgoing } from './message.js';
import { render } from './render.js';
import { post, type Answer } from './send.js';
import { nextTry, type NotifyTiming } from './timing.js';

export interface QueueOptions {
  store: Pick<NotificationStore, 'nextNotification' | 'recordAttempt'>;
  log: Logger;
  timing: NotifyTiming;
  /** The log page of a deployment, or null. */
  logUrl: (deployment: number | null) => string | null;
  /** Aborts the request in flight (slipway stops, after a grace). */
  cut: AbortSignal;
  /** Ends the loop between requests. */
  stopped: AbortSignal;
  /** Whether this replica sends notifications now (replicas sharing a store send them one at a time). */
  turn: () => Promise<boolean>;
}

/**
 * One receiver's queue: its pending notifications in order, one request at a time, so a
 * receiver that is slow or down holds up only its own. A failed try waits its backoff before
 * the next (the notifications behind it wait too: the receiver hears of events in order).
 */
export class ReceiverQueue {
  private readonly wakeup = new Wakeup();
  private loop: Promise<void> | null = null;
  /** Failed tries in a row: the first is logged, and the receiver answering again. */
  private failing = 0;

  constructor(
    readonly receiver: ReceiverConfig,
    private readonly options: QueueOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Something was queued or resent: look now. */
  nudge(): void {
    this.wakeup.nudge();
  }

  /** Resolves once the loop has ended (after `stopped` aborts). */
  async done(): Promise<void> {
    this.wakeup.nudge();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { store, timing, stopped, log, turn } = this.options;
    while (!stopped.aborted) {
      this.wakeup.take();
      try {
        const next = (await turn()) ? await store.nextNotification(this.receiver.name) : null;
        const wait = next === null ? timing.pollMs : Math.min(timing.pollMs, next.nextAttemptAt - Date.now());
        if (next === null || wait > 0) await this.wakeup.sleep(wait);
        else await this.attempt(next);
      } catch (error) {
        if (stopped.aborted) break;
        log.error({ err: error, receiver: this.receiver.name }, 'cannot read or record notifications; trying again shortly');
        await this.wakeup.sleep(timing.pollMs);
      }
    }
  }

  private async attempt(notification: Notification): Promise<void> {
    const { timing, cut, log } = this.options;
    const outgoing: Outgoing = { id: notification.id, facts: notification.facts, logUrl: this.options.logUrl(notification.facts.deployment) };
    let answer: Answer;
    try {
      answer = await post(this.receiver, render(this.receiver, outgoing), { timeoutMs: timing.timeoutMs, signal: cut });
    } catch (error) {
      // Cut by a stop: nothing is recorded, and the next start sends it again (same id).
      if (cut.aborted) return;
      throw error;
    }
    const at = Date.now();
    const fields = { receiver: this.receiver.name, notification: notification.id, event: notification.event, status: answer.status };
    if (answer.kind === 'delivered') {
      if (this.failing > 0) log.info({ ...fields, failedTries: this.failing }, 'the receiver takes notifications again');
      this.failing = 0;
      return this.options.store.recordAttempt({ id: notification.id, at, state: 'delivered', status: answer.status, answer: answer.answer, error: null });
    }
    this.failing += 1;
    const next = answer.kind === 'retry' ? nextTry(notification.attempts + 1, answer.retryAfterMs, notification.since, at, timing) : null;
    if (next !== null && answer.kind === 'retry') {
      if (this.failing === 1) log.warn({ ...fields, reason: answer.error, retryInMs: next - at }, 'the receiver did not take a notification; trying again with backoff');
      return this.options.store.recordAttempt({ id: notification.id, at, state: 'pending', nextAttemptAt: next, status: answer.status, answer: answer.answer, error: answer.error });
    }
    const error = answer.kind === 'retry' ? `gave up after ${hours(timing.windowMs)} of tries; last: ${answer.error}` : answer.error;
    log.warn({ ...fields, reason: error }, `the notification failed for good; resend it with: slipway notifications resend ${notification.id}`);
    await this.options.store.recordAttempt({ id: notification.id, at, state: 'failed', status: answer.status, answer: answer.answer, error });
  }
}

const hours = (ms: number) => (ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : `${Math.round(ms / 1000)} s`);
