import type { Logger } from '../logger.js';
import { PRUNE_KINDS, type PruneKind, type RetentionPolicy } from '../store/retention.js';
import type { RetentionStore } from '../store/store.js';

/**
 * Rows one store call removes: a transaction of a few milliseconds, so a delivery that arrives
 * meanwhile waits little. 500 rows quadrupled ingest's p99 during a large removal, 100 left it
 * as it was (bench/retention/ingest.mjs) and still removes about 13,000 deliveries a second.
 */
export const PRUNE_BATCH = 100;
/** Free pages (4 KiB each) one store call gives back to the file system. */
const RECLAIM_PAGES = 2000;

export type RetentionRun = Record<PruneKind, number> & { freePages: number };

/**
 * The retention job: removes what is past its age (store/retention.ts), one small batch per
 * store call. Each call is awaited before the next is sent, so ingest's inserts go in between
 * and a large removal never holds the store for long. The space freed is then given back to
 * the file system, so a store that runs for a year stops growing once its ages are reached.
 */
export class Retention {
  private running: Promise<RetentionRun> | null = null;

  constructor(
    private readonly store: RetentionStore,
    private readonly policy: RetentionPolicy,
    private readonly log: Logger,
    /** slipway is stopping: the run ends after the batch in flight (the next start carries on). */
    private readonly stop: AbortSignal = new AbortController().signal,
    private readonly batch = PRUNE_BATCH,
  ) {}

  /** One run at a time: a call during a run gets that run's result. `now` is the time ages count to. */
  run(now = Date.now()): Promise<RetentionRun> {
    this.running ??= this.prune(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async prune(now: number): Promise<RetentionRun> {
    const removed = Object.fromEntries(PRUNE_KINDS.map((kind) => [kind, 0])) as Record<PruneKind, number>;
    for (const kind of PRUNE_KINDS) {
      let after: number | null = 0;
      while (after !== null && !this.stop.aborted) {
        const step = await this.store.prune({ kind, policy: this.policy, now, after, limit: this.batch });
        removed[kind] += step.removed;
        after = step.next;
      }
    }
    const freePages = await this.reclaim();
    if (PRUNE_KINDS.some((kind) => removed[kind] > 0)) this.log.info({ removed, freePages }, 'removed what is past its retention');
    return { ...removed, freePages };
  }

  /** Until no free page is left, or a call frees none (another writer's pages, say). */
  private async reclaim(): Promise<number> {
    let left = await this.store.reclaimSpace(RECLAIM_PAGES);
    while (left > 0 && !this.stop.aborted) {
      const now = await this.store.reclaimSpace(RECLAIM_PAGES);
      if (now >= left) return now;
      left = now;
    }
    return left;
  }
}
