import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { EngineMetrics } from './ports.js';
import type { DispatchResult, InboxStore, LeaseStore, Store } from '../store/store.js';
import { dispatchDelivery, type Policy } from './dispatch.js';
import { Wakeup } from '../wakeup.js';
import { tryNormalizeText, type Normalized } from '../events/normalize.js';

export const DISPATCHER_LEASE = 'dispatcher';

export interface DispatcherOptions {
  store: InboxStore & LeaseStore & Pick<Store, 'ping'>;
  log: Logger;
  metrics: Pick<EngineMetrics, 'dispatched' | 'dispatchLagSeconds'>;
  /** How many deliveries one pass takes and commits together. */
  batchSize?: number;
  /** How often to look for work nobody nudged us about (another replica's inserts). */
  pollMs?: number;
  leaseMs?: number;
  /** How many parsed payloads ingest may hand over in memory before they are read back instead. */
  handoffLimit?: number;
  policy: Policy;
  /** Called with the results of a batch that changed desired state, recorded CI signals or brought approvals or commands (the engine may have work). */
  onChanged?: (results: DispatchResult[]) => void;
}

/**
 * Takes pending deliveries in arrival order and dispatches them, one batch per transaction.
 * One dispatcher at a time holds the `dispatcher` lease, so replicas sharing a store never
 * apply a delivery twice; a failing store is retried with backoff and loses nothing.
 */
export class Dispatcher {
  private readonly holder = `dispatcher-${randomUUID()}`;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly wakeup = new Wakeup();
  private stopping = false;
  private loop: Promise<void> | null = null;
  private healthy = false;
  /** Payloads normalized at ingest, waiting for dispatch (bounded; the store has them too). */
  private readonly handoff = new Map<string, Normalized>();
  private readonly handoffLimit: number;

  constructor(private readonly options: DispatcherOptions) {
    this.batchSize = options.batchSize ?? 256;
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.handoffLimit = options.handoffLimit ?? 512;
  }

  /** Running and able to reach the store (for /readyz). */
  get running(): boolean {
    return this.loop !== null && !this.stopping && this.healthy;
  }

  start(): void {
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
    this.wakeup.nudge();
    await this.loop;
    await this.options.store.releaseLease(DISPATCHER_LEASE, this.holder).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { store, log } = this.options;
    let failures = 0;
    let leaseUntil = 0;
    while (!this.stopping) {
      try {
        if (Date.now() > leaseUntil - this.leaseMs / 3) {
          const token = await store.acquireLease(DISPATCHER_LEASE, this.holder, this.leaseMs);
          leaseUntil = token === null ? 0 : Date.now() + this.leaseMs;
        }
        this.healthy = true;
        failures = 0;
        if (leaseUntil === 0) {
          await this.wakeup.sleep(this.pollMs);
          continue;
        }
        this.wakeup.take();
        const count = await this.pass();
        if (count < this.batchSize) await this.wakeup.sleep(this.pollMs);
      } catch (error) {
        this.healthy = false;
        failures += 1;
        const delay = Math.min(30_000, 100 * 2 ** failures);
        log.error({ err: error, retryInMs: delay }, 'dispatcher could not reach the store; deliveries stay pending');
        await this.wakeup.sleep(delay);
      }
    }
  }

  private async pass(): Promise<number> {
    const { store, log, metrics } = this.options;
    const batch = await store.pendingDeliveries(this.batchSize);
    if (batch.length === 0) {
      // Nothing pending: whatever is left was dispatched elsewhere (another replica).
      this.handoff.clear();
      return 0;
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
    return batch.length;
  }

  /**
   * Applies the batch in one transaction. When the store refuses it, each delivery is applied
   * alone, in order, so one whose effects the store refuses (twice) fails by itself; when the
   * store does not answer, or even marking that one failed is refused, the store itself is
   * failing and what is left stays pending.
   */
  private async finish(results: DispatchResult[]): Promise<string[]> {
    try {
      return await this.options.store.finishDeliveries(results);
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
      return await store.finishDeliveries([result]);
    } catch {
      await store.ping();
    }
    try {
      return await store.finishDeliveries([result]);
    } catch (error) {
      return store.finishDeliveries([poisoned(result.id, error, log.child({ delivery: result.id }), result.processedAt)]);
    }
  }
}

/** A delivery that could not be dispatched or applied: `failed` with the reason, its payload kept for replay. */
function poisoned(id: string, error: unknown, log: Logger, now: number): DispatchResult {
  const reason = `cannot be applied: ${(error as Error).message}; once the cause is fixed, run slipway replay ${id}`;
  log.error({ err: error }, 'delivery failed; the next deliveries go on');
  return { id, status: 'failed', error: reason, processedAt: now };
}
