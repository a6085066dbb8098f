import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Environment } from '../domain/environments.js';
import type { Logger } from '../logger.js';
import { ruleOf } from '../policy/rules.js';
import type { EnvironmentStore, EnvironmentUse, LeaseStore } from '../store/store.js';
import { DEFAULT_LEASE_MS, environmentLease, withLease } from './leases.js';
import type { AppRuntime, EngineMetrics } from './ports.js';

/** A wake waits this long at most for a deployment holding the environment's lease. */
const WAKE_WAIT_MS = 60_000;
/** How often a waiting wake asks for the lease again. */
const LEASE_RETRY_MS = 50;

/** The slice of the router the sleeper uses: when requests came, what a route is, and how requests wake environments. */
export interface RouterActivity {
  /** Requests' last times per environment since the last call. */
  takeUses(): EnvironmentUse[];
  /** What the environment's route is now (`sleeping`: a request would wake it; `ready`: its release serves). */
  routeKind(app: string, env: string): string | undefined;
  setWaker(waker: (app: string, env: string) => Promise<void>): void;
}

/** The sleep sweep runs a quarter of the shortest `sleepAfter` apart, from 0.5 s to 30 s. */
export function sleepCheckInterval(apps: Iterable<AppRuntime>): number {
  const after = [...apps].flatMap((app) => app.environments.flatMap((env) => (env.sleepAfterMs === null ? [] : [env.sleepAfterMs])));
  return Math.min(30_000, Math.max(500, Math.min(...after, 120_000) / 4));
}

/**
 * Puts environments to sleep and wakes them: an environment with `sleepAfter` and no request
 * through the router for that long has its release stopped (its worktree and build kept); a
 * template's `track.pullRequests.max` keeps at most that many previews awake, the least
 * recently used (requests, then deploys) sleeping first. A request to a sleeping environment
 * wakes it. A kept environment (`/slipway keep`, the `slipway:keep` label) never sleeps. Each
 * sleep and wake holds the environment's lease, like a deployment.
 */
export class Sleeper {
  /** Each sleep or wake holds the lease as a holder of its own: one holder would renew another's lease, not wait for it. */
  private holder(): string {
    return `sleeper-${randomUUID()}`;
  }
  private sweeping: Promise<string[]> | null = null;
  /** Idle time counts from here at the latest: before this start no request could be seen. */
  private readonly since = Date.now();

  constructor(
    private readonly store: EnvironmentStore & LeaseStore,
    private readonly apps: ReadonlyMap<string, AppRuntime>,
    private readonly router: RouterActivity,
    private readonly log: Logger,
    private readonly metrics: Pick<EngineMetrics, 'wakes' | 'wakeSeconds'>,
    /** slipway is stopping: nothing more is put to sleep, and a waiting wake gives up. */
    private readonly stop: AbortSignal,
    /** An environment went to sleep or woke (its pull request's comment shows it). */
    private readonly changed: (env: Environment) => void = () => undefined,
    /** A sleep or a wake holds the environment's lease this long (`engine.lease`), renewed while it runs. */
    private readonly leaseMs = DEFAULT_LEASE_MS,
  ) {
    router.setWaker((app, env) => this.wake(app, env));
  }

  /** Records the router's requests, then puts idle environments to sleep and keeps every template under its cap. Returns what went to sleep. */
  sweep(now = Date.now()): Promise<string[]> {
    // One at a time: a sweep slower than its interval is not run twice over.
    this.sweeping ??= this.sweepOnce(now).finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweepOnce(now: number): Promise<string[]> {
    await this.settleStates();
    const slept: string[] = [];
    for (const env of await this.awake()) {
      const after = this.ruleOf(env)?.sleepAfterMs ?? null;
      if (after === null || now - Math.max(lastUse(env), this.since) < after) continue;
      if (await this.sleepOne(env, `no request for ${Math.round(after / 1000)}s`)) slept.push(`${env.app}/${env.name}`);
    }
    return [...slept, ...(await this.enforceCaps())];
  }

  /**
   * Makes the store say what the router does, where a slipway killed between a target's sleep
   * or wake and recording it left them apart: a route that sleeps is a sleeping environment, a
   * route that serves an awake one.
   */
  private async settleStates(): Promise<void> {
    for (const env of await this.store.listEnvironments()) {
      if (!env.present || !this.canSleep(env)) continue;
      const kind = this.router.routeKind(env.app, env.name);
      const apart = (env.state === 'ready' && kind === 'sleeping') || (env.state === 'sleeping' && kind === 'ready');
      if (!apart) continue;
      await withLease(this.store, environmentLease(env.app, env.name), this.holder(), this.leaseMs, async ({ fence }) => {
        const now = this.router.routeKind(env.app, env.name);
        if (now === 'sleeping' || now === 'ready') await this.store.markSleeping(env.id, now === 'sleeping', fence);
      });
    }
  }

  /** Keeps each template with `track.pullRequests.max` under it: the least recently used previews beyond it sleep. */
  async enforceCaps(): Promise<string[]> {
    const slept: string[] = [];
    const awake = await this.awake();
    for (const app of this.apps.values()) {
      for (const rule of app.environments) {
        const max = rule.track.kind === 'pullRequests' ? rule.track.max : undefined;
        if (max === undefined) continue;
        const previews = awake.filter((env) => env.app === app.name && env.rule === rule.name).sort((a, b) => lastUse(a) - lastUse(b));
        for (const env of previews.slice(0, Math.max(0, previews.length - max))) {
          if (await this.sleepOne(env, `more than ${max} previews of ${rule.name} are awake; it is the least recently used`)) slept.push(`${env.app}/${env.name}`);
        }
      }
    }
    return slept;
  }

  /**
   * Starts a sleeping environment's release again (the router holds the requests meanwhile).
   * A deployment holding its lease is waited for: once it ends the environment runs anyway.
   * One another replica sharing the store put to sleep (its release is that replica's) is
   * deployed again instead, by whichever replica's reconciler takes it.
   */
  async wake(app: string, name: string): Promise<void> {
    const target = this.apps.get(app)?.target;
    if (target?.wake === undefined) throw new Error(`${app} has no target that wakes environments`);
    const started = Date.now();
    let elsewhere = false;
    for (;;) {
      if (this.router.routeKind(app, name) !== 'sleeping') return;
      const held = await withLease(this.store, environmentLease(app, name), this.holder(), this.leaseMs, async ({ fence, signal }) => {
        if (this.router.routeKind(app, name) !== 'sleeping') return;
        try {
          elsewhere = !(await target.wake?.(app, name, AbortSignal.any([signal, this.stop])));
        } catch (error) {
          this.metrics.wakes.inc({ outcome: 'failed' });
          this.log.error({ app, env: name, error: (error as Error).message }, 'cannot wake the environment');
          throw error;
        }
        if (elsewhere) return;
        const env = await this.store.getEnvironment(app, name);
        if (env?.present === true) {
          await this.store.markSleeping(env.id, false, fence);
          this.changed(env);
        }
        this.metrics.wakes.inc({ outcome: 'woken' });
        this.metrics.wakeSeconds.observe((Date.now() - started) / 1000);
        this.log.info({ app, env: name, ms: Date.now() - started }, 'woke up on a request');
      });
      if (held !== null) break;
      if (Date.now() - started > WAKE_WAIT_MS) throw new Error(`${app}/${name} stayed busy (its lease held) for ${WAKE_WAIT_MS / 1000}s`);
      await sleep(LEASE_RETRY_MS, undefined, { signal: this.stop });
    }
    if (elsewhere) await this.deployAgain(app, name, started);
    // Awake now, it may take a template over its cap: another preview sleeps.
    await this.enforceCaps().catch((error: unknown) => this.log.error({ err: error }, 'cannot keep the previews under their cap'));
  }

  /** Wakes an environment whose release another replica holds by deploying it again; resolves once it is routed. */
  private async deployAgain(app: string, name: string, started: number): Promise<void> {
    this.log.info({ app, env: name }, 'another replica put the environment to sleep: it is deployed again to wake it');
    await this.store.changeEnvironments([{ kind: 'nudge', app, env: name, trigger: 'wake', redeploy: true }], 'wake');
    while (this.router.routeKind(app, name) === 'sleeping' || this.router.routeKind(app, name) === 'starting') {
      if (Date.now() - started > WAKE_WAIT_MS) throw new Error(`${app}/${name} was not deployed again within ${WAKE_WAIT_MS / 1000}s`);
      await sleep(LEASE_RETRY_MS, undefined, { signal: this.stop });
    }
    this.metrics.wakes.inc({ outcome: 'woken' });
    this.metrics.wakeSeconds.observe((Date.now() - started) / 1000);
  }

  /** Whether the environment's app runs on a target that can sleep. */
  canSleep(env: Pick<Environment, 'app'>): boolean {
    return this.apps.get(env.app)?.target.sleep !== undefined;
  }

  /** Puts these environments to sleep now (`/slipway sleep`); one busy deploying, or kept, is left awake. */
  async sleepNow(envs: { app: string; env: string }[]): Promise<void> {
    for (const { app, env } of envs) {
      const found = await this.store.getEnvironment(app, env);
      if (found !== null) await this.sleepOne(found, 'asked by /slipway sleep');
    }
  }

  /** Live environments whose release runs and that may sleep (not kept), of apps whose target can sleep; the router's requests are recorded first. */
  private async awake(): Promise<Environment[]> {
    const uses = this.router.takeUses();
    if (uses.length > 0) await this.store.recordUse(uses);
    const all = await this.store.listEnvironments();
    return all.filter((env) => env.present && env.state === 'ready' && !env.keep && this.canSleep(env));
  }

  private ruleOf(env: Environment): EnvironmentConfig | null {
    const app = this.apps.get(env.app);
    return app === undefined ? null : ruleOf(app, env);
  }

  /**
   * Puts one environment to sleep, holding its lease, when it still runs what it should (no
   * deployment pending or under way). Resolves true when it went to sleep.
   */
  private async sleepOne(candidate: Environment, why: string): Promise<boolean> {
    if (this.stop.aborted) return false;
    const target = this.apps.get(candidate.app)?.target;
    if (target?.sleep === undefined) return false;
    const held = await withLease(this.store, environmentLease(candidate.app, candidate.name), this.holder(), this.leaseMs, async ({ fence }) => {
      const env = await this.store.getEnvironment(candidate.app, candidate.name);
      if (env === null || !env.present || env.keep || env.state !== 'ready' || env.generation !== env.observedGeneration) return false;
      if (!(await target.sleep?.(env.app, env.name))) return false;
      await this.store.markSleeping(env.id, true, fence);
      this.changed(env);
      this.log.info({ app: env.app, env: env.name, why }, 'sleeping: its release stopped; the next request wakes it');
      return true;
    });
    return held?.value === true;
  }
}

/** When it was last used: a request, else its last deploy, else when it was made. */
function lastUse(env: Environment): number {
  return env.usedAt ?? env.createdAt;
}
