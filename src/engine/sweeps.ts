import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Environment, EnvironmentChange } from '../domain/environments.js';
import type { EnvironmentStore, LeaseStore } from '../store/store.js';
import type { RunningEnvironment, Target } from '../targets/target.js';
import type { AppRuntime } from './ports.js';
import { DEFAULT_LEASE_MS, environmentLease, withLease } from './leases.js';
import { ruleOf } from '../policy/rules.js';

/**
 * The periodic work beside the reconciler: TTL expiry, resync (every live environment
 * converges again, so drift and missed pushes heal), the orphan sweep (what a target
 * runs that the store does not know is destroyed; what it runs at another commit than the
 * store recorded converges again) and gate timeouts.
 */
export class Sweeps {
  private readonly holder = `sweeps-${randomUUID()}`;
  private orphanSweep: Promise<string[]> | null = null;

  constructor(
    private readonly store: EnvironmentStore & LeaseStore,
    private readonly apps: ReadonlyMap<string, AppRuntime>,
    private readonly log: Logger,
    /** Called after desired state changed. */
    private readonly changed: () => void,
    /** slipway is stopping: the orphan sweep destroys nothing more, and stops a destroy in flight. */
    private readonly stop: AbortSignal = new AbortController().signal,
    /** An orphan's destroy holds its environment's lease this long (`engine.lease`), renewed while it runs. */
    private readonly leaseMs = DEFAULT_LEASE_MS,
  ) {}

  async expire(): Promise<number> {
    const expired = await this.store.expiredEnvironments();
    if (expired.length === 0) return 0;
    await this.store.changeEnvironments(
      expired.map((env) => ({ kind: 'destroy', app: env.app, env: env.name, reason: 'ttl expired', trigger: 'ttl' })),
      'ttl',
    );
    this.log.info({ environments: expired.map((env) => `${env.app}/${env.name}`) }, 'destroying environments whose TTL ran out');
    this.changed();
    return expired.length;
  }

  /** Environments whose deployment waited for its gate too long converge again: their gate fails. */
  async gateTimeouts(now = Date.now()): Promise<number> {
    const changes: EnvironmentChange[] = [];
    for (const deployment of await this.store.waitingDeployments()) {
      const app = this.apps.get(deployment.app);
      const env = app === undefined ? null : await this.store.getEnvironment(deployment.app, deployment.env);
      const gate = app === undefined || env === null ? null : ruleOf(app, env)?.gate;
      if (gate == null || now < deployment.createdAt + gate.timeoutMs) continue;
      changes.push({ kind: 'nudge', app: deployment.app, env: deployment.env, trigger: 'gate.timeout', periodic: true });
    }
    if (changes.length === 0) return 0;
    await this.store.changeEnvironments(changes, 'gate');
    this.changed();
    return changes.length;
  }

  /** A commit that failed is not deployed again by it (`periodic`): only a new commit, a config change or a command does. */
  async resync(): Promise<number> {
    const live = (await this.store.listEnvironments()).filter((env) => env.present);
    await this.store.changeEnvironments(
      live.map((env) => ({ kind: 'nudge', app: env.app, env: env.name, trigger: 'resync', periodic: true })),
      'resync',
    );
    if (live.length > 0) this.changed();
    return live.length;
  }

  /**
   * Destroys what targets run for no environment the store knows. Each one is looked up again
   * holding its environment's lease (the reconciler's), so one created or being deployed since
   * the list was read is left alone. One sweep at a time: a call during a sweep gets its result.
   */
  orphans(): Promise<string[]> {
    this.orphanSweep ??= this.sweepOrphans().finally(() => {
      this.orphanSweep = null;
    });
    return this.orphanSweep;
  }

  private async sweepOrphans(): Promise<string[]> {
    const live = (await this.store.listEnvironments()).filter((env) => env.present);
    const known = new Map(live.map((env) => [`${env.app}/${env.name}`, env]));
    const destroyed: string[] = [];
    const targets = new Set([...this.apps.values()].map((app) => app.target));
    for (const target of targets) {
      for (const running of await target.list()) {
        const key = `${running.app}/${running.env}`;
        if (this.stop.aborted) return destroyed;
        const env = known.get(key);
        if (env !== undefined) {
          if (running.sha !== null && drifted(env, running.sha)) await this.redeployDrifted(target, running);
          continue;
        }
        const lease = environmentLease(running.app, running.env);
        const outcome = await withLease(this.store, lease, this.holder, this.leaseMs, async ({ signal }) => {
          if (await this.tracked(running.app, running.env)) return false;
          this.log.warn({ app: running.app, env: running.env }, 'destroying an environment the store does not know (orphan)');
          await target.destroy({
            app: running.app,
            env: running.env,
            workdir: null,
            vars: this.apps.get(running.app)?.vars ?? {},
            log: () => undefined,
            signal: AbortSignal.any([signal, this.stop, AbortSignal.timeout(10 * 60_000)]),
          });
          return true;
        });
        if (outcome?.value === true) destroyed.push(key);
      }
    }
    return destroyed;
  }

  /**
   * The target runs another sha than the store says was deployed, and nothing deploys it now:
   * the store is older than what runs (restored from a backup, say). It converges again, its
   * desired sha deployed even where that sha is what runs, so the store's record is true again.
   */
  private async redeployDrifted(target: Target, running: RunningEnvironment): Promise<void> {
    const lease = environmentLease(running.app, running.env);
    const outcome = await withLease(this.store, lease, this.holder, this.leaseMs, async () => {
      // Under the lease no deployment runs: look again, at both sides.
      const env = await this.store.getEnvironment(running.app, running.env);
      if (env === null || !env.present) return false;
      const now = (await target.list()).find((found) => found.app === running.app && found.env === running.env);
      if (now?.sha === null || now?.sha === undefined || !drifted(env, now.sha)) return false;
      this.log.warn({ app: env.app, env: env.name, runs: now.sha, recorded: env.observedSha }, 'the target runs another commit than the store recorded: converging it again');
      await this.store.changeEnvironments([{ kind: 'nudge', app: env.app, env: env.name, trigger: 'drift', redeploy: true }], 'drift');
      return true;
    });
    if (outcome?.value === true) this.changed();
  }

  /** The store has it now: live, or being destroyed by the reconciler. */
  private async tracked(app: string, name: string): Promise<boolean> {
    const env = await this.store.getEnvironment(app, name);
    return env !== null && (env.present || env.state !== 'destroyed');
  }
}

/**
 * Only an environment the store says is ready at its desired state can be told apart from what
 * runs: after a failed deployment a target may hold the failed sha (the command target records
 * a deploy before running it), and deploying that again is what the retry rule forbids.
 */
function drifted(env: Environment, runningSha: string): boolean {
  return env.state === 'ready' && env.observedGeneration === env.generation && runningSha !== env.observedSha;
}
