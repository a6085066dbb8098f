import { randomUUID } from 'node:crypto';
import type { ReceiverConfig } from '../config/schema.js';
import type { NotificationFacts } from '../domain/notifications.js';
import type { Logger } from '../logger.js';
import { matchesGlob } from '../policy/glob.js';
import type { QueuedEvent } from '../store/notifications.js';
import type { NotificationStore, WorkStore } from '../store/store.js';
import { Wakeup } from '../wakeup.js';
import { ReceiverQueue } from './queue.js';
import { render } from './render.js';
import { sampleFacts } from './sample.js';
import { post, type Answer } from './send.js';
import { DEFAULT_TIMING, type NotifyTiming } from './timing.js';

export interface NotifierOptions {
  store: NotificationStore & Pick<WorkStore, 'onWork'>;
  receivers: readonly ReceiverConfig[];
  /** `server.publicUrl`: notifications link to deployment logs there; null sends no log links. */
  publicUrl: string | null;
  log: Logger;
  /** Shorter waits for tests; the defaults otherwise. */
  timing?: Partial<NotifyTiming>;
  /**
   * Whether this replica queues and sends notifications now: replicas sharing a store do it one
   * at a time (the `notifications` schedule lease). Always, when not given.
   */
  turn?: () => Promise<boolean>;
}

/** What `slipway notify test` shows: the receiver's answer to a sample notification. */
export interface TestResult {
  receiver: string;
  format: string;
  /** The delivery id the sample carried. */
  id: string;
  delivered: boolean;
  status: number | null;
  answer: string | null;
  error: string | null;
}

export type ResendOutcome = 'resent' | 'unknown' | 'not_failed' | 'no_receiver';

/** Events read from the store per pass, at most. */
const PAGE = 100;

/** Whether a receiver wants to hear of an event: its `on`, `apps` and `environments` filters. */
export function wants(receiver: ReceiverConfig, facts: NotificationFacts): boolean {
  return receiver.on.includes(facts.event)
    && (receiver.apps === null || receiver.apps.includes(facts.app))
    && (receiver.environments === null || receiver.environments.some((glob) => matchesGlob(glob, facts.environment)));
}

/**
 * Sends notifications from the store's outbox. Deployments record their events as they
 * happen; this queues each for the receivers that want it (a notification each, with its own
 * id) and runs one queue per receiver, so nothing waits for a receiver, a restart loses nothing,
 * and one receiver's backlog never delays another's.
 */
export class Notifier {
  private readonly timing: NotifyTiming;
  private readonly wakeup = new Wakeup();
  private readonly stopped = new AbortController();
  private readonly cut = new AbortController();
  private readonly queues: Map<string, ReceiverQueue>;
  private loop: Promise<void> | null = null;
  private unlisten: (() => void) | null = null;
  private readonly turn: () => Promise<boolean>;

  constructor(private readonly options: NotifierOptions) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.turn = options.turn ?? (() => Promise.resolve(true));
    const queueOptions = {
      store: options.store,
      log: options.log,
      timing: this.timing,
      logUrl: (deployment: number | null) => this.logUrl(deployment),
      cut: this.cut.signal,
      stopped: this.stopped.signal,
      turn: this.turn,
    };
    this.queues = new Map(options.receivers.map((receiver) => [receiver.name, new ReceiverQueue(receiver, queueOptions)]));
  }

  /** The receivers' names, as configured. */
  get receivers(): string[] {
    return [...this.queues.keys()];
  }

  /** Starts sending: at once when events are recorded here or the store tells of some another replica recorded (or a notification it resent), else at each poll. */
  start(): void {
    this.unlisten ??= this.options.store.onWork((kind) => {
      if (kind !== 'notifications') return;
      this.wakeup.nudge();
      for (const queue of this.queues.values()) queue.nudge();
    });
    this.loop ??= this.run();
    for (const queue of this.queues.values()) queue.start();
  }

  /** Deployments or environments changed: queue their events now. */
  nudge(): void {
    this.wakeup.nudge();
  }

  /**
   * A failed notification is tried again now, with 24 hours of retries anew. Not when it is
   * unknown, not failed, or its receiver is no longer in the config (it would wait for nobody).
   */
  async resend(id: string): Promise<ResendOutcome> {
    const notification = await this.options.store.getNotification(id);
    if (notification === null) return 'unknown';
    const queue = this.queues.get(notification.receiver);
    if (queue === undefined) return 'no_receiver';
    if (!(await this.options.store.resendNotification(id))) return 'not_failed';
    queue.nudge();
    return 'resent';
  }

  /** Sends a sample notification to a receiver at once (not through the outbox) and says how it answered; null when there is no such receiver. */
  async test(name: string): Promise<TestResult | null> {
    const receiver = this.queues.get(name)?.receiver;
    if (receiver === undefined) return null;
    const id = randomUUID();
    const answer: Answer = await post(receiver, render(receiver, { id, facts: sampleFacts(Date.now()), logUrl: this.logUrl(null), test: true }), {
      timeoutMs: this.timing.timeoutMs,
      signal: this.cut.signal,
    });
    return {
      receiver: name,
      format: receiver.format,
      id,
      delivered: answer.kind === 'delivered',
      status: answer.status,
      answer: answer.answer,
      error: answer.kind === 'delivered' ? null : answer.error,
    };
  }

  /** Stops: nothing new is sent, a request in flight has a short grace, then is cut; what is left is sent at the next start. */
  async stop(): Promise<void> {
    this.stopped.abort();
    this.unlisten?.();
    this.wakeup.nudge();
    const cut = setTimeout(() => this.cut.abort(), this.timing.stopGraceMs);
    await Promise.all([this.loop, ...[...this.queues.values()].map((queue) => queue.done())]);
    clearTimeout(cut);
    this.cut.abort();
  }

  private async run(): Promise<void> {
    const { store, log } = this.options;
    const abandoned = await store.abandonNotifications(this.receivers, 'its receiver is no longer in the config; add it back and resend').catch((error: unknown) => {
      log.error({ err: error }, 'cannot fail the notifications of receivers gone from the config');
      return 0;
    });
    if (abandoned > 0) log.warn({ notifications: abandoned }, 'notifications for receivers no longer in the config failed; slipway notifications lists them');
    while (!this.stopped.signal.aborted) {
      this.wakeup.take();
      try {
        const full = (await this.turn()) && (await this.queueEvents());
        if (!full) await this.wakeup.sleep(this.timing.pollMs);
      } catch (error) {
        if (this.stopped.signal.aborted) break;
        log.error({ err: error }, 'cannot queue notifications; trying again shortly');
        await this.wakeup.sleep(this.timing.pollMs);
      }
    }
  }

  /** Queues a page of recorded events for the receivers that want them; true when the page was full (more may wait). */
  private async queueEvents(): Promise<boolean> {
    const events = await this.options.store.recordedEvents(PAGE);
    if (events.length === 0) return false;
    const receivers = [...this.queues.values()].map((queue) => queue.receiver);
    const queued: QueuedEvent[] = events.map(({ seq, facts }) => ({
      seq,
      notifications: receivers.filter((receiver) => wants(receiver, facts)).map((receiver) => ({ id: randomUUID(), receiver: receiver.name })),
    }));
    await this.options.store.queueNotifications(queued);
    for (const name of new Set(queued.flatMap((event) => event.notifications.map((n) => n.receiver)))) this.queues.get(name)?.nudge();
    return events.length === PAGE;
  }

  private logUrl(deployment: number | null): string | null {
    return this.options.publicUrl === null || deployment === null ? null : `${this.options.publicUrl}/deployments/${deployment}`;
  }
}
