import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Environment } from '../domain/environments.js';
import type { ApprovalStore, EnvironmentStore, LeaseStore, SignalStore, WorkStore } from '../store/store.js';
import { converge, RetryLater, Superseded } from './converge.js';
import { DEFAULT_LEASE_MS, environmentLease, withLease } from './leases.js';
import type { LiveLogs } from './deployment-log.js';
import type { AppRuntime, ArtifactPort, EngineMetrics, SourcePort } from './ports.js';
import { Wakeup } from '../wakeup.js';

export interface ReconcilerOptions {
  store: EnvironmentStore & SignalStore & LeaseStore & WorkStore & Pick<ApprovalStore, 'approvalFor'>;
  source: SourcePort;
  apps: ReadonlyMap<string, AppRuntime>;
  log: Logger;
  worktreeRoot: string;
  artifactRoot: string;
  /** Absent without GitHub credentials. */
  artifacts?: ArtifactPort;
  /** Environments deployed at the same time, at most. */
  concurrency: number;
  /** An environment's lease lasts this long unrenewed (`engine.lease`). */
  leaseMs?: number;
  pollMs?: number;
  metrics?: Pick<EngineMetrics, 'deployments' | 'deployStartSeconds'>;
  /** Called after a deployment started waiting for its gate. */
  waiting?: () => void;
  /** GitHub credentials exist: fork previews can be approved. */
  canApprove?: boolean;
  /** Running deployments' logs, to follow as they are written. */
  liveLogs?: LiveLogs;
  /** Called after a deployment succeeded (a preview's template may be over its cap now). */
  deployed?: () => void;
}

/** More than any installation runs at once; the query is one indexed scan. */
const UNCONVERGED_PAGE = 100_000;

interface Running {
  generation: number;
  /** The newest generation already checked for being outdated. */
  checked: number;
  /** The newest desired state seen while it runs (null: none newer than its own). */
  newest: Environment | null;
  sha: string | null;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Converges environments to their desired state: one deployment at a time per environment
 * (under its lease, with a fencing token), different environments in parallel up to
 * `concurrency`. A newer desired state cancels a running deployment that is already outdated.
 */
export class Reconciler {
  private readonly holder = `reconciler-${randomUUID()}`;
  private readonly running = new Map<number, Running>();
  /** Environments whose last pass failed: not before this time. */
  private readonly backoff = new Map<number, { until: number; failures: number }>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly wakeup = new Wakeup();
  private stopping = false;
  private loop: Promise<void> | null = null;
  private unlisten: (() => void) | null = null;

  constructor(private readonly options: ReconcilerOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollMs = options.pollMs ?? 1000;
  }

  /** Marks what a crash interrupted (what no replica runs any more), then starts converging: at once when another replica changes desired state, else at each poll. */
  async start(): Promise<void> {
    const interrupted = await this.options.store.interruptDeployments();
    if (interrupted > 0) this.options.log.warn({ interrupted }, 'deployments interrupted by the last stop will run again');
    this.unlisten ??= this.options.store.onWork((kind) => {
      if (kind === 'environments') this.nudge();
    });
    this.loop ??= this.run();
  }

  /** Desired state changed: look now. */
  nudge(): void {
    this.wakeup.nudge();
  }

  /** Cancels running deployments (they end inactive and run again at the next start) and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unlisten?.();
    this.wakeup.nudge();
    for (const run of this.running.values()) run.controller.abort(new Superseded('cancelled: slipway is stopping; it runs again at the next start'));
    await this.loop;
    await Promise.all([...this.running.values()].map((run) => run.done));
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.wakeup.take();
      try {
        // All of them: a bounded page could be filled by environments in backoff or of an app
        // no longer configured, and starve the rest.
        const pending = await this.options.store.unconvergedEnvironments(UNCONVERGED_PAGE);
        for (const env of pending) this.consider(env);
      } catch (error) {
        this.options.log.error({ err: error }, 'reconciler cannot read the store');
      }
      await this.wakeup.sleep(this.pollMs);
    }
  }

  private consider(env: Environment): void {
    const current = this.running.get(env.id);
    if (current !== undefined) {
      if (env.generation > current.generation && !env.present) current.controller.abort(new Superseded('cancelled: a destroy superseded it'));
      else if (env.generation > current.checked) {
        current.checked = env.generation;
        current.newest = env;
        void this.cancelIfOutdated(env, current);
      }
      return;
    }
    const wait = this.backoff.get(env.id);
    if (wait !== undefined && wait.until > Date.now()) return;
    if (this.running.size >= this.options.concurrency) return;
    const app = this.options.apps.get(env.app);
    if (app === undefined) return;
    const controller = new AbortController();
    const entry: Running = { generation: env.generation, checked: env.generation, newest: null, sha: null, controller, done: Promise.resolve() };
    entry.done = this.pass(env, app, entry).then((held) => {
      this.running.delete(env.id);
      // A slot is free, and a newer generation may have come meanwhile: look again now. Not
      // when another replica holds the lease: looking again at once would only find it held.
      if (held) this.nudge();
    });
    this.running.set(env.id, entry);
  }

  /**
   * A newer generation arrived while deploying: cancel the attempt when the newest desired state
   * is another sha (a pin or rollback elsewhere, or its ref resolving to another commit).
   */
  private async cancelIfOutdated(env: Environment, current: Running): Promise<void> {
    const app = this.options.apps.get(env.app);
    if (app === undefined || current.sha === null) return;
    const wanted = env.pinnedSha ?? (env.desiredRef === null ? null : await this.options.source.resolve(app.remoteUrl, env.desiredRef, { signal: current.controller.signal }).catch(() => null));
    if (wanted !== null && wanted !== current.sha) current.controller.abort(new Superseded('cancelled: a newer desired state superseded it'));
  }

  /** Resolves to whether it held the environment's lease (false: another replica has it). */
  private async pass(env: Environment, app: AppRuntime, entry: Running): Promise<boolean> {
    const { store, log } = this.options;
    try {
      // Renewed while the attempt runs; once lost (another replica may take over), the attempt stops.
      const held = await withLease(store, environmentLease(env.app, env.name), this.holder, this.leaseMs, async ({ fence, signal, held: holdsLease }) => {
        // A new tenure: what a replica that stopped renewing the lease left running ends, and goes again below.
        const interrupted = await store.takeOverDeployments(env.id, fence);
        if (interrupted > 0) log.warn({ app: env.app, env: env.name, interrupted }, 'took over the environment from a replica that stopped renewing its lease: its deployment ended error, and it deploys again');
        // Read again under the lease: the listing may predate a pass that converged it meanwhile,
        // and its stale redeploy flag would deploy the same sha twice.
        const fresh = await store.getEnvironment(env.app, env.name);
        if (fresh === null || fresh.id !== env.id || fresh.generation <= fresh.observedGeneration) return;
        await converge(fresh, {
          store,
          source: this.options.source,
          app,
          fence,
          worktreeRoot: this.options.worktreeRoot,
          artifactRoot: this.options.artifactRoot,
          ...(this.options.artifacts ? { artifacts: this.options.artifacts } : {}),
          log: log.child({ app: env.app }),
          signal: AbortSignal.any([entry.controller.signal, signal]),
          holdsLease,
          ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
          ...(this.options.waiting ? { waiting: this.options.waiting } : {}),
          canApprove: this.options.canApprove === true,
          ...(this.options.liveLogs ? { liveLogs: this.options.liveLogs } : {}),
          ...(this.options.deployed ? { deployed: this.options.deployed } : {}),
          resolved: (sha) => {
            entry.sha = sha;
            // A newer desired state seen while this attempt was still resolving its own.
            if (entry.newest !== null) void this.cancelIfOutdated(entry.newest, entry);
          },
        });
      });
      this.backoff.delete(env.id);
      return held !== null;
    } catch (error) {
      const failures = (this.backoff.get(env.id)?.failures ?? 0) + 1;
      const delay = Math.min(300_000, 1000 * 2 ** failures);
      this.backoff.set(env.id, { until: Date.now() + delay, failures });
      if (error instanceof RetryLater) log.warn({ app: env.app, env: env.name, retryInMs: delay }, 'will try the environment again');
      else log.error({ err: error, app: env.app, env: env.name, retryInMs: delay }, 'environment could not be converged');
      return true;
    }
  }
}
