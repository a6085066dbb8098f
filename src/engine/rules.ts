import type { EnvironmentConfig } from '../config/schema.js';
import { nameFits } from '../names.js';
import type { Environment } from '../store/environments.js';
import type { AppRuntime } from './ports.js';

/**
 * The configured environment an environment was made from: by the rule recorded with it, else
 * (environments made before rules were recorded, or by the API) by its name.
 */
export function ruleOf(app: Pick<AppRuntime, 'environments'>, env: Pick<Environment, 'name' | 'rule'>): EnvironmentConfig | null {
  const byRule = env.rule === null ? undefined : app.environments.find((config) => config.name === env.rule);
  const exact = app.environments.find((config) => config.name === env.name);
  return byRule ?? exact ?? app.environments.find((config) => nameFits(config.name, env.name)) ?? null;
}
