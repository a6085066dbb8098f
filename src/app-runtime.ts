import type { AppConfig, Config } from './config/schema.js';
import type { AppRuntime } from './engine/ports.js';
import { createTarget, reconfigureTarget, type TargetContext } from './targets/registry.js';
import type { Target } from './targets/target.js';

/** The targets whose environments the router serves. */
const ROUTED = new Set(['process', 'docker']);

export function runsRouter(config: Config): boolean {
  return config.apps.some((app) => needsRouter(app));
}

export function needsRouter(app: AppConfig): boolean {
  return ROUTED.has(app.target.type);
}

/** An app as the engine runs it: its config, with the target made from it. */
export function appRuntime(app: AppConfig, target: Target): AppRuntime {
  return { name: app.name, repo: app.repo, remoteUrl: app.url, target, settings: app.target, vars: app.env, secretVars: app.secretEnv, environments: app.environments };
}

/** Makes the apps' targets, at start and when a reload adds an app or changes its target settings. */
export class AppTargets {
  constructor(private readonly context: Omit<TargetContext, 'app'>) {}

  create(app: AppConfig): Target {
    return createTarget(app.target, { ...this.context, app: app.name });
  }

  /** False when the running target cannot take the new settings (see reconfigureTarget). */
  reconfigure(target: Target, app: AppConfig): boolean {
    return reconfigureTarget(target, app.target, { ...this.context, app: app.name });
  }
}
