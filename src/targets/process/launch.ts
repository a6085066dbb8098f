import { SlipwayError } from '../../errors.js';
import { TARGET_CANCELLED } from '../target.js';
import { describeHealth, waitHealthy, type HealthResult } from './health.js';
import { groupListensOn } from './ports.js';
import type { Health } from './manifest.js';
import { Release, type ExitInfo, type SpawnSpec } from './release.js';

/**
 * The environment of the app's commands: `base` (the few variables inherited from slipway's
 * own, and the environment's HOME: see Workspace), then the manifest's `env`, the config's
 * vars (which may hold secrets and override the manifest), then slipway's own variables (an
 * undefined value leaves the name unset).
 */
export function processEnv(
  base: Record<string, string>,
  manifest: Record<string, string>,
  vars: Record<string, string>,
  slipway: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = { ...base };
  Object.assign(env, manifest, vars);
  for (const [name, value] of Object.entries(slipway)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface LaunchSpec extends SpawnSpec {
  port: number;
  health: Health;
}

/** A release that did not become healthy, and how it ended. */
export class LaunchError extends SlipwayError {
  constructor(
    code: string,
    message: string,
    readonly exit: ExitInfo,
  ) {
    super(code, message);
  }
}

export function cancelled(): SlipwayError {
  return new SlipwayError(TARGET_CANCELLED, 'the deployment was cancelled; what it started was stopped');
}

/**
 * Starts a release and waits until it is healthy. When it exits first or never gets healthy,
 * it is stopped and the promise rejects with a LaunchError saying which, followed by its
 * last lines of output; when `signal` fires, it is stopped and the promise rejects with
 * TARGET_CANCELLED. `spawned` hears of the process as soon as it runs.
 */
export async function launch(spec: LaunchSpec, signal: AbortSignal, graceMs: number, spawned: (release: Release) => Promise<void>): Promise<Release> {
  if (signal.aborted) throw cancelled();
  const release = await Release.spawn(spec);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();
  let exited = false;
  void release.exited.then(() => {
    exited = true;
    stop.abort();
  });
  let health: HealthResult = 'unhealthy';
  let healthy = false;
  let exitedFirst = false;
  try {
    await spawned(release);
    health = await waitHealthy(spec.port, spec.health, stop.signal, () => groupListensOn(spec.port, release.pid));
    healthy = health === 'healthy';
  } finally {
    signal.removeEventListener('abort', onAbort);
    exitedFirst = exited;
    if (!healthy || exitedFirst) await release.stop(graceMs);
  }
  if (healthy && !exitedFirst) return release;
  if (signal.aborted) throw cancelled();
  const ended = await release.exited;
  const output = await release.tail();
  const lines = output === null ? '; it wrote no output' : `; its last output:\n${output}`;
  const taken = health === 'foreign' ? `; port ${spec.port} answered, but from another process, which holds it` : '';
  if (!exitedFirst) {
    throw new LaunchError('target_process_unhealthy', `start command did not ${describeHealth(spec.health, spec.port)}${taken}${lines}`, ended);
  }
  const how = ended.signal === null ? `exited with code ${ended.code}` : `was killed by ${ended.signal}`;
  throw new LaunchError('target_process_exited', `start command ${how} before it became healthy${taken}${lines}`, ended);
}
