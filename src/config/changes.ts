import type { Config } from './schema.js';

/** What a config reload did, as `slipway reload` and the log show it. Paths only: values may be secrets. */
export interface ReloadOutcome {
  /** The config file read again; null when slipway runs on defaults. */
  file: string | null;
  /** Changes in force from now on: `apps.web.env.GREETING`, `apps.api: added`. */
  applied: string[];
  /** Environments whose variables or target settings changed: redeployed one after another (`web/staging`). */
  redeploying: string[];
  /** Changes that take effect only when slipway restarts; the running config keeps the old values. */
  needsRestart: string[];
  /** Environments whose configured environment (name or template) is gone: kept running as they are, no longer moved. */
  unfollowed: string[];
}

/** The sections a running slipway cannot change: everything but `apps`. */
export function restartOnlyChanges(before: Config, after: Config): string[] {
  return differences({ ...before, apps: [] }, { ...after, apps: [] }, '');
}

/**
 * Key paths where two config values differ, never the values: `server.port`,
 * `apps.web.env.GREETING`. Lists of items with a `name` (apps, environments) are compared by
 * name (`apps.web`, `apps.web.environments["pr-{number}"]`); other lists as a whole.
 */
export function differences(before: unknown, after: unknown, path: string): string[] {
  if (Array.isArray(before) && Array.isArray(after) && before.every(named) && after.every(named)) {
    const names = union(before.map((item) => item.name), after.map((item) => item.name));
    return names.flatMap((name) => differences(before.find((item) => item.name === name), after.find((item) => item.name === name), step(path, name)));
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    return union(Object.keys(before), Object.keys(after)).flatMap((key) => differences(before[key], after[key], step(path, key)));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path];
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `path.key`, or `path["key"]` for a key that is not a plain name. */
export function step(path: string, key: string): string {
  if (!PLAIN.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

function named(item: unknown): item is { name: string } {
  return isPlainObject(item) && typeof item.name === 'string';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
