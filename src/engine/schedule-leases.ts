import { randomUUID } from 'node:crypto';
import type { LeaseStore } from '../store/store.js';

/** The lease a store-wide job runs under. */
export const scheduleLease = (job: string): string => `schedule:${job}`;

/**
 * Store-wide jobs (TTL expiry, resync, reporting, notifications…) run on one replica at a time
 * among those sharing a store. Each job has a lease, taken at a run, that the replica holding it
 * keeps renewed a third of its length apart for as long as it lives, between runs too: a replica
 * without it skips its runs. Once the holder stops renewing (stopped, crashed, cut off from the
 * store) the lease runs out, and the next replica whose run comes takes the job over.
 */
export class ScheduleLeases {
  private readonly holder = `schedules-${randomUUID()}`;
  /** The jobs whose lease this replica holds, and when each was last asked for and granted. */
  private readonly held = new Map<string, number>();
  /** The jobs another replica held when last asked, and when: asked again a third of a lease later, not at every loop's turn. */
  private readonly refused = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  private released = false;

  constructor(
    private readonly store: LeaseStore,
    /** `engine.lease` */
    private readonly ttlMs: number,
  ) {}

  /** Whether this replica runs `job` now: takes or renews its lease; false while another replica holds it. Rejects when the store does not answer. */
  async holds(job: string): Promise<boolean> {
    if (this.released) return false;
    const granted = this.held.get(job);
    // Granted this recently, the lease stays this replica's for two thirds of its length at least.
    if (granted !== undefined && Date.now() - granted < this.ttlMs / 3) return true;
    const refused = this.refused.get(job);
    if (refused !== undefined && Date.now() - refused < this.ttlMs / 3) return false;
    return this.take(job);
  }

  /** At a stop, once no job runs any more: the leases go, so other replicas take the jobs over at once. */
  async release(): Promise<void> {
    this.released = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.renewing;
    const jobs = [...this.held.keys()];
    this.held.clear();
    await Promise.all(jobs.map((job) => this.store.releaseLease(scheduleLease(job), this.holder).catch(() => undefined)));
  }

  private async take(job: string): Promise<boolean> {
    const asked = Date.now();
    const token = await this.store.acquireLease(scheduleLease(job), this.holder, this.ttlMs);
    if (token === null || this.released) {
      this.held.delete(job);
      this.refused.set(job, asked);
      return false;
    }
    this.refused.delete(job);
    this.held.set(job, asked);
    this.timer ??= setInterval(() => {
      this.renewing ??= this.renew().finally(() => {
        this.renewing = null;
      });
    }, this.ttlMs / 3).unref();
    return true;
  }

  /** A renewal the store refuses is tried again at the next; a lease another replica took over meanwhile is dropped. */
  private async renew(): Promise<void> {
    for (const job of [...this.held.keys()]) await this.take(job).catch(() => false);
  }
}
