import type Docker from 'dockerode';
import type { Logger } from '../../logger.js';
import type { RouteSwitch } from '../process/routes.js';
import { Supervisor, type Backoff, type ExitInfo } from '../supervisor.js';
import type { RuntimeReport } from '../target.js';
import { removeContainer, stopContainer, type ContainerRun } from './container.js';
import { startHealthy, type LaunchOptions } from './launch.js';
import { KEPT_IMAGES, type DockerEnvRecord, type DockerRecords, type RunningRecord } from './records.js';

/** What the environments of one docker target share. */
export interface DockerShared {
  docker: Docker;
  routes: RouteSwitch;
  records: DockerRecords;
  log: Logger;
  onStatus: ((report: RuntimeReport) => void) | undefined;
  backoff: Backoff;
  launch: LaunchOptions;
}

/**
 * One environment of the docker target: its record (which container serves it), and the
 * supervisor of that container, which starts it again when it ends and reports each change.
 */
export class DockerEnvironment {
  supervisor: Supervisor<ContainerRun> | null = null;
  /** How the current container last ended, for status reports; null since it was deployed. */
  lastExit: ExitInfo | null = null;
  restarts = 0;
  private readonly log: Logger;

  constructor(
    readonly record: DockerEnvRecord,
    private readonly shared: DockerShared,
  ) {
    this.log = shared.log.child({ env: record.env });
  }

  save(): Promise<void> {
    return this.shared.records.put(this.record);
  }

  report(state: RuntimeReport['state']): void {
    const { app, env } = this.record;
    this.shared.onStatus?.({ app, env, state, restarts: this.restarts, lastExitCode: this.lastExit?.code ?? null, lastSignal: this.lastExit?.signal ?? null });
  }

  /** Supervises the current container: `running` is its run, healthy; null starts it again first. */
  watch(running: ContainerRun | null): void {
    const current = this.record.current;
    if (current === null) return;
    const { routes, docker, launch } = this.shared;
    const { app, env } = this.record;
    this.supervisor = new Supervisor(
      running,
      {
        relaunch: (signal) => startHealthy(docker.getContainer(current.container), launch, signal),
        healthy: async (run, restarts) => {
          current.port = run.hostPort;
          routes.set(app, env, run.hostPort, launch.publish);
          this.restarts = restarts;
          this.report('running');
          this.log.info({ restarts, port: run.hostPort }, 'restarted container is healthy');
          await this.save().catch((error: Error) => this.log.error({ error: error.message }, 'cannot save the environment record'));
        },
        changed: async (state, restarts, exit, reason) => {
          this.restarts = restarts;
          this.lastExit = exit;
          this.report(state);
          if (state === 'crashed') routes.crashed(app, env, { exitCode: exit.code, signal: exit.signal, restarts });
          const why = reason?.split('\n')[0] ?? null;
          const message = state === 'crashed' ? 'container keeps crashing; no longer restarting it' : 'container ended; starting it again';
          this.log.warn({ restarts, exitCode: exit.code, signal: exit.signal, reason: why }, message);
        },
        failed: (error) => {
          this.log.error({ error: (error as Error).message }, 'supervision of the container stopped on an unexpected error');
        },
      },
      this.shared.backoff,
      launch.graceMs,
      this.restarts,
    );
  }

  /**
   * Routes the environment to `run`, healthy, then drains and stops the container it
   * replaces and removes it. Returns the shas whose images this environment no longer keeps.
   */
  async switchTo(next: RunningRecord, run: ContainerRun, log: (text: string) => void): Promise<string[]> {
    const { routes, docker, launch } = this.shared;
    const { record } = this;
    const previous = this.supervisor === null ? null : await this.supervisor.detach();
    const before = record.current;
    routes.set(record.app, record.env, run.hostPort, launch.publish);
    record.current = next;
    const kept = [next.sha, ...record.kept.filter((sha) => sha !== next.sha)].slice(0, KEPT_IMAGES);
    const released = record.kept.filter((sha) => !kept.includes(sha));
    record.kept = kept;
    record.asleep = false;
    this.restarts = 0;
    this.lastExit = null;
    this.watch(run);
    await this.save();
    this.report('running');
    this.log.info({ sha: next.sha, container: next.name, port: run.hostPort }, 'deployed');
    log(`slipway: ${next.sha.slice(0, 12)} is healthy; ${record.url} now goes to container ${next.name} (${launch.publish}:${run.hostPort})\n`);
    if (before !== null && before.container !== next.container) {
      log(`slipway: stopping the container it replaces (${before.name}, ${before.sha.slice(0, 12)})\n`);
      await routes.drained(before.port, launch.graceMs, launch.publish);
      if (previous !== null) await previous.stop(launch.graceMs);
      else await stopContainer(docker.getContainer(before.container), launch.graceMs, launch.engine);
      await removeContainer(docker, before.container, launch.engine);
    }
    return released;
  }

  /**
   * Stops the container for idling, keeping it: the route sleeps first (a request now wakes
   * it, once this is done), in-flight requests drain, then it stops. The record says so
   * before it stops, so a slipway killed in between stops it at the next start.
   */
  async sleep(): Promise<boolean> {
    const { record } = this;
    const current = record.current;
    if (current === null || record.asleep) return false;
    const { routes, docker, launch } = this.shared;
    const run = (await this.supervisor?.detach()) ?? null;
    this.supervisor = null;
    routes.sleeping(record.app, record.env);
    record.asleep = true;
    await this.save();
    await routes.drained(current.port, launch.graceMs, launch.publish);
    await (run === null ? stopContainer(docker.getContainer(current.container), launch.graceMs, launch.engine) : run.stop(launch.graceMs));
    this.log.info({ sha: current.sha, container: current.name }, 'sleeping: its container stopped after idling');
    return true;
  }

  /** Starts the sleeping container again and routes to it once healthy. False: no container of it runs here. */
  async wake(signal: AbortSignal): Promise<boolean> {
    const { record } = this;
    const current = record.current;
    if (current === null) return false;
    if (!record.asleep) return true;
    const { routes, docker, launch } = this.shared;
    const run = await startHealthy(docker.getContainer(current.container), launch, signal);
    current.port = run.hostPort;
    record.asleep = false;
    this.lastExit = null;
    this.watch(run);
    routes.set(record.app, record.env, run.hostPort, launch.publish);
    await this.save();
    this.report('running');
    this.log.info({ sha: current.sha, container: current.name, port: run.hostPort }, 'woke up');
    return true;
  }

  /** Stops supervising; the container keeps running (for the next slipway to adopt). */
  async detach(): Promise<void> {
    const run = (await this.supervisor?.detach()) ?? null;
    run?.forget();
    this.supervisor = null;
  }
}
