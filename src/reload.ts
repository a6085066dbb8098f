import { AppTargets, appRuntime, needsRouter } from './app-runtime.js';
import { differences, restartOnlyChanges, step, type ReloadOutcome } from './config/changes.js';
import type { AppConfig, Config } from './config/schema.js';
import type { Environment } from './domain/environments.js';
import { configDigest, ruleRemoved } from './engine/effective.js';
import type { Engine } from './engine/engine.js';
import type { AppRuntime } from './engine/ports.js';
import type { EnvironmentKey } from './engine/rollout.js';
import type { Logger } from './logger.js';
import type { EnvironmentStore } from './store/store.js';
import type { Target } from './targets/target.js';

export interface ReloaderOptions {
  /**
   * The running service's config. A reload updates its `apps` in place, so every part that
   * reads it at work time (policy, the API, the sweeps) sees the new apps at once.
   */
  live: Config;
  /** The engine's apps (shared with the reconciler, the sweeps and the reporter), updated in place. */
  apps: Map<string, AppRuntime>;
  targets: AppTargets;
  /** The router runs: apps on the process or docker target can be added. */
  routed: boolean;
  store: Pick<EnvironmentStore, 'listEnvironments' | 'changeEnvironments'>;
  engine: Pick<Engine, 'redeploy' | 'nudge'>;
  log: Logger;
}

/**
 * Puts a new config in force without a restart. Apps are added and changed (their variables,
 * environments, and target settings a running target can take); environments whose variables
 * or target settings changed are redeployed one after another. Environments whose configured
 * environment is gone keep running as they are, no longer moved. What a running slipway cannot
 * change (listeners, the store, GitHub credentials, an app removed or its target type) is
 * reported as needing a restart and left as it is.
 */
export class Reloader {
  /** One reload at a time. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ReloaderOptions) {}

  apply(next: Config, file: string | null): Promise<ReloadOutcome> {
    const run = this.last.then(() => this.applyNow(next, file));
    this.last = run.catch(() => undefined);
    return run;
  }

  private async applyNow(next: Config, file: string | null): Promise<ReloadOutcome> {
    const { live, log } = this.options;
    const outcome: ReloadOutcome = { file, applied: [], redeploying: [], needsRestart: restartOnlyChanges(live, next), unfollowed: [] };
    const environments = (await this.options.store.listEnvironments()).filter((env) => env.present);
    const redeploy: EnvironmentKey[] = [];
    const resumed: EnvironmentKey[] = [];
    const apps: AppConfig[] = [];
    for (const app of next.apps) {
      const before = live.apps.find((candidate) => candidate.name === app.name);
      const kept = before === undefined ? await this.add(app, outcome) : this.change(before, app, environments, outcome, redeploy, resumed);
      if (kept !== null) apps.push(kept);
    }
    for (const before of live.apps.filter((app) => !next.apps.some((candidate) => candidate.name === app.name))) {
      outcome.needsRestart.push(`${step('apps', before.name)}: removed; slipway manages it as before until it restarts, and does not destroy its environments then either`);
      apps.push(before);
    }
    live.apps = apps;
    outcome.redeploying = redeploy.map(({ app, env }) => `${app}/${env}`);
    if (resumed.length > 0) {
      await this.options.store.changeEnvironments(resumed.map(({ app, env }) => ({ kind: 'nudge', app, env, trigger: 'config' })), 'reload');
    }
    this.options.engine.redeploy(redeploy);
    this.options.engine.nudge();
    log.info({ ...outcome }, 'config reloaded');
    if (outcome.needsRestart.length > 0) log.warn({ needsRestart: outcome.needsRestart }, 'some config changes take effect only when slipway restarts; until then it keeps the old values');
    return outcome;
  }

  /** A new app: its target, made and recovered. Null when it cannot run without a restart. */
  private async add(app: AppConfig, outcome: ReloadOutcome): Promise<AppConfig | null> {
    const path = step('apps', app.name);
    if (needsRouter(app) && !this.options.routed) {
      outcome.needsRestart.push(`${path}: the ${app.target.type} target needs the router, which starts with slipway when an app needs it`);
      return null;
    }
    let target: Target;
    try {
      target = this.options.targets.create(app);
    } catch (error) {
      outcome.needsRestart.push(`${path}: not added: ${(error as Error).message}`);
      return null;
    }
    await target.recover?.();
    this.options.apps.set(app.name, appRuntime(app, target));
    outcome.applied.push(`${path}: added`);
    return app;
  }

  /**
   * An app that was there before: the config it keeps (with the old target settings when the
   * target cannot take the new ones), and which of its environments redeploy, stop or resume following.
   */
  private change(before: AppConfig, app: AppConfig, environments: Environment[], outcome: ReloadOutcome, redeploy: EnvironmentKey[], resumed: EnvironmentKey[]): AppConfig {
    const path = step('apps', app.name);
    const changes = differences(before, app, path);
    const old = this.options.apps.get(app.name);
    if (changes.length === 0 || old === undefined) return before;
    const targetChanges = differences(before.target, app.target, step(path, 'target'));
    const why = targetChanges.length === 0 ? null : this.retarget(old.target, before, app);
    const retarget = why === null;
    const kept = retarget ? app : { ...app, target: before.target };
    if (!retarget) outcome.needsRestart.push(...targetChanges.map((change) => `${change}: ${why}`));
    outcome.applied.push(...changes.filter((change) => retarget || !targetChanges.includes(change)));
    const now = appRuntime(kept, old.target);
    for (const env of environments.filter((candidate) => candidate.app === app.name)) {
      const key = { app: app.name, env: env.name };
      const gone = ruleRemoved(now, env);
      if (gone && !ruleRemoved(old, env)) outcome.unfollowed.push(`${app.name}/${env.name}`);
      else if (!gone && ruleRemoved(old, env)) resumed.push(key);
      else if (!gone && configDigest(old, env) !== configDigest(now, env)) redeploy.push(key);
    }
    this.options.apps.set(app.name, now);
    return kept;
  }

  /** Gives the app's running target its new settings; null when it took them, else why not. */
  private retarget(target: Target, before: AppConfig, app: AppConfig): string | null {
    if (before.target.type !== app.target.type) return 'the target type changes only at a start';
    try {
      return this.options.targets.reconfigure(target, app) ? null : `the ${app.target.type} target takes new settings only at a start`;
    } catch (error) {
      return `not applied: ${(error as Error).message}`;
    }
  }
}
