import type { Logger } from '../logger.js';
import { JobRuns, type JobRun } from './job-runs.js';
import type { ScheduleLeases } from './schedule-leases.js';

/**
 * Where a job's runs happen among replicas sharing a store: a `store` job works on what the
 * store holds (or on GitHub for it) and runs on one replica at a time, under its schedule
 * lease; a `replica` job works on what this replica has (its disk, its targets, its router's
 * traffic) and runs on each.
 */
export type JobScope = 'store' | 'replica';

export interface ScheduledJob {
  /** Runs the job now (a store job only where this replica holds its lease). */
  run(): void;
}

export interface SchedulerOptions {
  leases: ScheduleLeases;
  log: Logger;
  /** slipway is stopping: no run starts any more. */
  stop: AbortSignal;
}

/** The engine's background jobs on their timers; the last run of each is recorded (`slipway status`). */
export class Scheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  /** Runs in flight, so a stop can wait for them (they end quickly once `stop` aborts). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly runs = new JobRuns();

  constructor(private readonly options: SchedulerOptions) {}

  /** Runs `task` every `ms`, and whenever the job's `run` is called. */
  every(ms: number, name: string, scope: JobScope, task: () => Promise<unknown>): ScheduledJob {
    const job = { run: () => this.start(name, scope, task) };
    this.timers.push(setInterval(job.run, ms).unref());
    return job;
  }

  /** Runs `job` once, `ms` from now, unless the scheduler stops first. */
  after(ms: number, job: ScheduledJob): void {
    this.timers.push(setTimeout(job.run, ms).unref());
  }

  /** The last run of each job this replica ran. */
  jobRuns(): JobRun[] {
    return this.runs.list();
  }

  /** No timer fires from now. */
  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /** Resolves once the runs in flight have ended. */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private start(name: string, scope: JobScope, task: () => Promise<unknown>): void {
    if (this.options.stop.aborted) return;
    const done = this.attempt(name, scope, task);
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private async attempt(name: string, scope: JobScope, task: () => Promise<unknown>): Promise<void> {
    const { leases, log, stop } = this.options;
    let mine: boolean;
    try {
      mine = scope === 'replica' || (await leases.holds(name));
    } catch (error) {
      // Whether another replica runs it cannot be told: this run is skipped, and shows as failed.
      this.runs.start(name).failed(error);
      if (!stop.aborted) log.error({ err: error, sweep: name }, 'cannot take the schedule lease; the run is skipped');
      return;
    }
    // Another replica runs it this time.
    if (!mine) return;
    const recorded = this.runs.start(name);
    await task().then(
      (value) => recorded.ok(value),
      (error: unknown) => {
        recorded.failed(error);
        if (!stop.aborted) log.error({ err: error, sweep: name }, 'sweep failed');
      },
    );
  }
}
