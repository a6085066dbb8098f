import { join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { CommandTarget } from './command/command-target.js';
import type { CommandTargetConfig } from './command/config.js';
import type { Target } from './target.js';

/** The config of any target, told apart by `type`. */
export type TargetConfig = CommandTargetConfig;
export type TargetType = TargetConfig['type'];

/** What a target is made with, besides its config. */
export interface TargetContext {
  /** The app it deploys: each app gets its own target, and lists only its own environments. */
  app: string;
  /** slipway's data folder; each target type keeps its state in `<dataDir>/targets/<type>/`. */
  dataDir: string;
}

type Factories = {
  [K in TargetType]: (config: Extract<TargetConfig, { type: K }>, context: TargetContext) => Target;
};

const FACTORIES: Factories = {
  command: (config, context) => new CommandTarget(config, { app: context.app, stateDir: join(context.dataDir, 'targets', 'command') }),
};

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
