import type Docker from 'dockerode';
import { formatSize } from '../../config/size.js';
import { describeHealth, waitHealthy, type Health, type HealthOutcome } from '../health.js';
import { cancelled, LaunchError } from '../release-errors.js';
import { whyUnhealthy } from '../unhealthy.js';
import { ContainerRun } from './container.js';

export interface LaunchOptions {
  /** The port the app listens on inside the container. */
  port: number;
  /** The address on the engine's machine its port is published on, where slipway reaches it. */
  publish: string;
  health: Health;
  graceMs: number;
  memoryBytes: number | null;
  engine: string;
}

/**
 * Starts a (created or stopped) container and waits until it is healthy through its port
 * published on `publish`. When it exits first or never gets healthy, it is stopped and the promise rejects
 * with a LaunchError saying which, followed by its last lines of output; when `signal` fires,
 * it is stopped and the promise rejects with TARGET_CANCELLED.
 */
export async function startHealthy(container: Docker.Container, options: LaunchOptions, signal: AbortSignal): Promise<ContainerRun> {
  if (signal.aborted) throw cancelled();
  const run = await ContainerRun.start(container, options.port, options.engine);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();
  let exited = false;
  void run.exited.then(() => {
    exited = true;
    stop.abort();
  });
  let health: HealthOutcome = { result: 'unhealthy', tries: 0, last: null };
  // Port 0: it ended before its port could be read; its end is known at once.
  if (run.hostPort === 0) await run.exited;
  try {
    // Docker's proxy takes connections on the published port even while nothing listens in the container.
    health = await waitHealthy(run.hostPort, options.health, stop.signal, { proxied: true, host: options.publish });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const exitedFirst = exited;
  if (health.result === 'healthy' && !exitedFirst) return run;
  await run.stop(options.graceMs);
  if (signal.aborted) throw cancelled();
  const ended = await run.exited;
  const output = await run.tail();
  const lines = output === null ? '; it wrote no output' : `; its last output:\n${output}`;
  if (!exitedFirst) {
    const why = whyUnhealthy(health, options.health, options.port, output ?? '', true);
    throw new LaunchError('target_docker_unhealthy', `the container did not ${describeHealth(options.health, options.port)}${why}${lines}`, ended);
  }
  const memory = options.memoryBytes === null ? '' : ` (${formatSize(options.memoryBytes)})`;
  const how = run.outOfMemory ? `was killed: out of memory${memory}` : `exited with code ${ended.code}`;
  throw new LaunchError('target_docker_exited', `the container ${how} before it became healthy${lines}`, ended);
}
