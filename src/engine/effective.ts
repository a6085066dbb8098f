import { createHash } from 'node:crypto';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Environment } from '../domain/environments.js';
import { ruleOf } from '../policy/rules.js';
import type { AppRuntime } from './ports.js';

/**
 * What an environment runs with besides its commit: the variables it gets and its app's target
 * settings. A change to either is a config change that redeploys it, and lets a commit that
 * failed with the old ones deploy again.
 */

/** The app's variables with the environment's own on top; a fork's preview gets none marked secret. */
export function variablesOf(app: AppRuntime, env: Pick<Environment, 'fork'>, rule: EnvironmentConfig | null): Record<string, string> {
  const own = rule?.env ?? {};
  const vars = { ...app.vars, ...own };
  if (!env.fork) return vars;
  const secret = (name: string) => (Object.hasOwn(own, name) ? (rule?.secretEnv ?? []) : app.secretVars).includes(name);
  return Object.fromEntries(Object.entries(vars).filter(([name]) => !secret(name)));
}

/** A digest of the variables and target settings the environment gets now (it never shows a value). */
export function configDigest(app: AppRuntime, env: Pick<Environment, 'fork' | 'name' | 'rule'>): string {
  const effective = { vars: variablesOf(app, env, ruleOf(app, env)), target: app.settings };
  return createHash('sha256').update(stableJson(effective)).digest('hex');
}

/**
 * The environment was made by a configured environment (name or template) that the config no
 * longer has: it keeps running as it is, and is neither moved to new commits nor destroyed.
 */
export function ruleRemoved(app: Pick<AppRuntime, 'environments'>, env: Pick<Environment, 'rule'>): boolean {
  return env.rule !== null && !app.environments.some((config) => config.name === env.rule);
}

/** JSON with object keys sorted, so the order keys were written in changes nothing. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
