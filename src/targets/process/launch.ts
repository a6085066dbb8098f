import { describeHealth, waitHealthy, type Health, type HealthOutcome } from '../health.js';
import { freePort, groupListensOn } from './ports.js';
import type { ReleaseRecord } from './records.js';
import { cancelled, LaunchError } from '../release-errors.js';
import { Release, tailOf, type SpawnSpec } from './release.js';
import { whyUnhealthy } from '../unhealthy.js';

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
  let health: HealthOutcome = { result: 'unhealthy', tries: 0, last: null };
  let healthy = false;
  let exitedFirst = false;
  try {
    await spawned(release);
    health = await waitHealthy(spec.port, spec.health, stop.signal, { owns: () => groupListensOn(spec.port, release.pid) });
    healthy = health.result === 'healthy';
  } finally {
    signal.removeEventListener('abort', onAbort);
    exitedFirst = exited;
    if (!healthy || exitedFirst) await release.stop(graceMs);
  }
  if (healthy && !exitedFirst) return release;
  if (signal.aborted) throw cancelled();
  const ended = await release.exited;
  const output = await release.output();
  const tail = tailOf(output);
  const lines = tail === null ? '; it wrote no output' : `; its last output:\n${tail}`;
  if (!exitedFirst) {
    const why = whyUnhealthy(health, spec.health, spec.port, output, false);
    throw new LaunchError('target_process_unhealthy', `start command did not ${describeHealth(spec.health, spec.port)}${why}${lines}`, ended);
  }
  const how = ended.signal === null ? `exited with code ${ended.code}` : `was killed by ${ended.signal}`;
  const taken = health.result === 'foreign' ? whyUnhealthy(health, spec.health, spec.port, output, false) : '';
  throw new LaunchError('target_process_exited', `start command ${how} before it became healthy${taken}${lines}`, ended, taken !== '');
}

/** How many ports a release is started on when other processes keep taking them first. */
const PORT_TRIES = 3;

/**
 * launch() of `release`, started again on another free port (its `port` and PORT changed)
 * when it exited because another process took its port between the pick and its listen.
 */
export async function launchOnFreePort(
  release: ReleaseRecord,
  specOf: (release: ReleaseRecord) => LaunchSpec,
  signal: AbortSignal,
  graceMs: number,
  spawned: (release: Release) => Promise<void>,
  log: (line: string) => void,
): Promise<Release> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await launch(specOf(release), signal, graceMs, spawned);
    } catch (error) {
      if (!(error instanceof LaunchError && error.portTaken) || tries === PORT_TRIES) throw error;
      const taken = release.port;
      release.port = await freePort();
      release.env.PORT = String(release.port);
      log(`slipway: another process took port ${taken} before the release listened on it; starting it again on port ${release.port}\n`);
    }
  }
}
