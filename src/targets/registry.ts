import { join } from 'node:path';
import type { TargetConfig, TargetType } from '../config/targets.js';
import { SlipwayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { CommandTarget } from './command/command-target.js';
import { DockerTarget } from './docker/docker-target.js';
import { ProcessTarget } from './process/process-target.js';
import type { RouteSwitch } from './process/routes.js';
import { resolveRunAs } from './run-as.js';
import type { RuntimeReport, Target } from './target.js';
import { Workspace } from './workspace.js';

export type { TargetConfig, TargetType };

/** What a target is made with, besides its config. */
export interface TargetContext {
  /** The app it deploys: each app gets its own target, and lists only its own environments. */
  app: string;
  /** slipway's data folder; each target type keeps its state in `<dataDir>/targets/<type>/`. */
  dataDir: string;
  /** store.workDir: where the apps' commands run (worktrees, their homes), outside dataDir. */
  workDir: string;
  /** The router's route table (process and docker targets); null when slipway runs no router. */
  routes: RouteSwitch | null;
  log: Logger;
  /** A running environment's process changed (restarted, crashed). */
  onRuntime: (report: RuntimeReport) => void;
}

/** `<dataDir>/targets/<type>/`: where a target type keeps its state. */
export function stateDirOf(dataDir: string, type: TargetType): string {
  return join(dataDir, 'targets', type);
}

/** The folders the targets that keep release logs write them to (`<stateDir>/logs`, destroyed environments' in its `destroyed/`). */
export function releaseLogDirs(dataDir: string): string[] {
  return (['process', 'docker'] as const).map((type) => join(stateDirOf(dataDir, type), 'logs'));
}

type Factories = {
  [K in TargetType]: (config: Extract<TargetConfig, { type: K }>, context: TargetContext) => Target;
};

const FACTORIES: Factories = {
  command: (config, context) =>
    new CommandTarget(config, { app: context.app, stateDir: stateDirOf(context.dataDir, 'command'), workspace: workspaceOf(config, context) }),
  docker: (config, context) => {
    if (context.routes === null) throw new SlipwayError('no_router', 'the docker target needs the router, which did not start');
    return new DockerTarget(config, {
      app: context.app,
      stateDir: stateDirOf(context.dataDir, 'docker'),
      routes: context.routes,
      log: context.log,
      onStatus: context.onRuntime,
    });
  },
  process: (config, context) => {
    if (context.routes === null) throw new SlipwayError('no_router', 'the process target needs the router, which did not start');
    return new ProcessTarget(config, {
      app: context.app,
      stateDir: stateDirOf(context.dataDir, 'process'),
      workspace: workspaceOf(config, context),
      routes: context.routes,
      log: context.log,
      onStatus: context.onRuntime,
    });
  },
};

/** The work folder, made ready, with the user the target's commands run as. */
function workspaceOf(config: { user?: string | undefined }, context: TargetContext): Workspace {
  const workspace = new Workspace({ workDir: context.workDir, dataDir: context.dataDir, runAs: resolveRunAs(config.user) });
  workspace.prepare();
  return workspace;
}

export const TARGET_TYPES = Object.keys(FACTORIES) as readonly TargetType[];

/** A target from its config; an unknown `type` names the valid ones. */
export function createTarget(config: TargetConfig, context: TargetContext): Target {
  const type: string = config.type;
  if (!Object.hasOwn(FACTORIES, type)) {
    throw new SlipwayError('unknown_target', `unknown target "${type}"; expected one of: ${TARGET_TYPES.join(', ')}`);
  }
  const factory = FACTORIES[type as TargetType] as (config: TargetConfig, context: TargetContext) => Target;
  return factory(config, context);
}

/**
 * Gives a running target new settings of its own type (a config reload); false when it cannot
 * take them while it runs (another type, or a type that does not support it yet): those need a restart.
 */
export function reconfigureTarget(target: Target, config: TargetConfig, context: TargetContext): boolean {
  if (target instanceof ProcessTarget && config.type === 'process') target.reconfigure(config, workspaceOf(config, context));
  else if (target instanceof CommandTarget && config.type === 'command') target.reconfigure(config, workspaceOf(config, context));
  else return false;
  return true;
}
