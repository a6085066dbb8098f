import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { EngineMetrics } from './ports.js';
import type { DeliverySummary, DispatchResult, InboxStore, Store, WorkStore } from '../store/store.js';
import { dispatchDelivery, type Policy } from './dispatch.js';
import { Wakeup } from '../wakeup.js';
import { tryNormalizeText, type Normalized } from '../events/normalize.js';
import { DEFAULT_LEASE_MS } from './leases.js';

export interface DispatcherOptions {
  store: InboxStore & WorkStore & Pick<Store, 'ping'>;
  log: Logger;
  metrics: Pick<EngineMetrics, 'dispatched' | 'dispatchLagSeconds'>;
  /** How many deliveries one pass takes and commits together. */
  batchSize?: number;
  /** How often to look for work nobody told us about (another replica's inserts, when the store's word of them was lost). */
  pollMs?: number;
  /** How long a claim on deliveries lasts without renewal (`engine.lease`); another dispatcher takes them over after. */
  claimMs?: number;
  /** How many parsed payloads ingest may hand over in memory before they are read back instead. */
  handoffLimit?: number;
  policy: Policy;
  /** Called with the results of a batch that changed desired state, recorded CI signals or brought approvals or commands (the engine may have work). */
  onChanged?: (results: DispatchResult[]) => void;
}

/**
 * Claims pending deliveries in arrival order and dispatches them, one batch per transaction.
 * Replicas sharing a store each run one: the store's claims keep them from applying a delivery
 * twice, and give each repository's deliveries to one of them at a time, in order (see
 * InboxStore.claimDeliveries). A failing store is retried with backoff and loses nothing.
 */
export class Dispatcher {
  private readonly holder = `dispatcher-${randomUUID()}`;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly claimMs: number;
  private readonly wakeup = new Wakeup();
  private stopping = false;
  private loop: Promise<void> | null = null;
  private unlisten: (() => void) | null = null;
  private healthy = false;
  /** Those waiting for the outcome of the next claim: readiness, while the dispatcher fails. */
  private readonly awaiting = new Set<(reached: boolean) => void>();
  /** Payloads normalized at ingest, waiting for dispatch (bounded; the store has them too). */
  private readonly handoff = new Map<string, Normalized>();
  private readonly handoffLimit: number;

  constructor(private readonly options: DispatcherOptions) {
    this.batchSize = options.batchSize ?? 256;
    this.pollMs = options.pollMs ?? 1000;
    this.claimMs = options.claimMs ?? DEFAULT_LEASE_MS;
    this.handoffLimit = options.handoffLimit ?? 512;
  }

  /** Running and able to reach the store, when it last tried. */
  get running(): boolean {
    return this.loop !== null && !this.stopping && this.healthy;
  }

  /**
   * Whether it runs and reaches the store, asked when the store has just answered someone else
   * (readiness' own ping). A dispatcher whose last claim failed does not wait out its backoff
   * (up to 30 s) then: it claims at once, and this waits up to `waitMs` for how that went.
   */
  async reaches(waitMs: number): Promise<boolean> {
    if (this.loop === null || this.stopping) return false;
    if (this.healthy) return true;
    const outcome = new Promise<boolean>((resolve) => {
      const settle = (reached: boolean) => {
        clearTimeout(timer);
        this.awaiting.delete(settle);
        resolve(reached);
      };
      const timer = setTimeout(() => settle(false), waitMs);
      this.awaiting.add(settle);
    });
    this.wakeup.nudge();
    return outcome;
  }

  /** Starts dispatching: at once when a delivery arrives here or the store tells of one another replica took in, else at each poll. */
  start(): void {
    this.unlisten ??= this.options.store.onWork((kind) => {
      if (kind === 'deliveries') this.wakeup.nudge();
    });
    this.loop ??= this.run();
  }

  /** A delivery was committed: look now instead of at the next poll. */
  accepted(id: string, normalized: Normalized): void {
    if (this.handoff.size < this.handoffLimit) this.handoff.set(id, normalized);
    this.wakeup.nudge();
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unlisten?.();
    this.wakeup.nudge();
    await this.loop;
    // What it claimed and did not finish (the store failing) goes to another dispatcher at once.
    await this.options.store.releaseDeliveries(this.holder).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { store, log } = this.options;
    let failures = 0;
    while (!this.stopping) {
      try {
        this.wakeup.take();
        const batch = await store.claimDeliveries(this.holder, this.batchSize, this.claimMs);
        this.tried(true);
        failures = 0;
        await this.pass(batch);
        if (batch.length < this.batchSize) await this.wakeup.sleep(this.pollMs);
      } catch (error) {
        this.tried(false);
        failures += 1;
        const delay = Math.min(30_000, 100 * 2 ** failures);
        log.error({ err: error, retryInMs: delay }, 'dispatcher could not reach the store; deliveries stay pending');
        await this.wakeup.sleep(delay);
      }
    }
  }

  /** Records whether its last look reached the store, and tells those waiting to know. */
  private tried(reached: boolean): void {
    this.healthy = reached;
    for (const settle of [...this.awaiting]) settle(reached);
  }

  private async pass(batch: DeliverySummary[]): Promise<void> {
    const { store, log, metrics } = this.options;
    if (batch.length === 0) {
      // Nothing to claim: whatever is left is another replica's to dispatch.
      this.handoff.clear();
      return;
    }
    const unread = batch.filter((delivery) => !this.handoff.has(delivery.id)).map((delivery) => delivery.id);
    const stored = unread.length > 0 ? await store.deliveryPayloads(unread) : new Map<string, string>();
    const now = Date.now();
    const results = batch.map((delivery) => {
      const scoped = log.child({ delivery: delivery.id, event: delivery.event });
      try {
        const normalized = this.handoff.get(delivery.id) ?? tryNormalizeText(delivery.event, stored.get(delivery.id) ?? 'null');
        return dispatchDelivery(delivery, normalized, this.options.policy, scoped, now);
      } catch (error) {
        return poisoned(delivery.id, error, scoped, now);
      } finally {
        this.handoff.delete(delivery.id);
      }
    });
    const applied = new Set(await this.finish(results));
    // A CI signal may have woken a waiting environment in the store.
    const effects = (result: DispatchResult) =>
      result.changes !== undefined || result.signals !== undefined || result.approvals !== undefined || result.commands !== undefined;
    const changed = results.filter((result) => applied.has(result.id) && effects(result));
    if (changed.length > 0) this.options.onChanged?.(changed);
    for (const [index, delivery] of batch.entries()) {
      const result = results[index];
      if (result === undefined || !applied.has(delivery.id)) continue;
      metrics.dispatched.inc({ event: delivery.event, status: result.status });
      metrics.dispatchLagSeconds.observe((now - delivery.receivedAt) / 1000);
    }
  }

  /**
   * Applies the batch in one transaction. When the store refuses it, each delivery is applied
   * alone, in order, so one whose effects the store refuses (twice) fails by itself; when the
   * store does not answer, or even marking that one failed is refused, the store itself is
   * failing and what is left stays pending.
   */
  private async finish(results: DispatchResult[]): Promise<string[]> {
    try {
      return await this.options.store.finishDeliveries(this.holder, results);
    } catch {
      const applied: string[] = [];
      for (const result of results) applied.push(...(await this.finishAlone(result)));
      return applied;
    }
  }

  /** Twice, the store answering in between: a passing store failure is not the delivery's fault. */
  private async finishAlone(result: DispatchResult): Promise<string[]> {
    const { store, log } = this.options;
    try {
      return await store.finishDeliveries(this.holder, [result]);
    } catch {
      await store.ping();
    }
    try {
      return await store.finishDeliveries(this.holder, [result]);
    } catch (error) {
      return store.finishDeliveries(this.holder, [poisoned(result.id, error, log.child({ delivery: result.id }), result.processedAt)]);
    }
  }
}

/** A delivery that could not be dispatched or applied: `failed` with the reason, its payload kept for replay. */
function poisoned(id: string, error: unknown, log: Logger, now: number): DispatchResult {
  const reason = `cannot be applied: ${(error as Error).message}; once the cause is fixed, run slipway replay ${id}`;
  log.error({ err: error }, 'delivery failed; the next deliveries go on');
  return { id, status: 'failed', error: reason, processedAt: now };
}
