import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import type { Workspace } from '../workspace.js';
import { recordedGroupAlive, stopGroup } from '../command/process-group.js';
import type { ProcessStatus } from './config.js';
import { launchOnFreePort, type LaunchSpec } from './launch.js';
import { freePort, portFree } from './ports.js';
import { removeEnvFiles, type EnvRecord, type ProcessRecords, type ReleaseRecord, type Stray } from './records.js';
import type { Release } from './release.js';
import type { RouteSwitch } from './routes.js';
import { Supervisor, type Backoff, type ExitInfo } from '../supervisor.js';

/** What the environments of one process target share. */
export interface EnvironmentContext {
  routes: RouteSwitch;
  records: ProcessRecords;
  log: Logger;
  onStatus: ((status: ProcessStatus) => void) | undefined;
  backoff: Backoff;
  graceMs: number;
  /** `<stateDir>/logs`: the output of each release. */
  logDir: string;
  workspace: Workspace;
}

/** The process identity to record once a release runs. */
export function identity(release: Release): Pick<ReleaseRecord, 'pid' | 'pgid' | 'started' | 'startedAt'> {
  return { pid: release.pid, pgid: release.pid, started: release.started, startedAt: release.startedAt };
}

/** Stops a recorded process group if it still runs (and is still ours). */
export async function stopStray(stray: Stray, graceMs: number): Promise<void> {
  if (recordedGroupAlive(stray.pgid, stray.started)) await stopGroup(stray.pgid, graceMs);
}

/**
 * One environment of the process target: its record (kept on disk), and the supervisor of
 * its current release, which restarts it and reports every change.
 */
export class Environment {
  supervisor: Supervisor<Release> | null = null;
  /** How the current release last ended, for status reports; null since it was deployed. */
  lastExit: ExitInfo | null = null;
  /** What was last reported of its release; null before the first report. */
  state: ProcessStatus['state'] | null = null;
  private readonly log: Logger;

  constructor(
    readonly record: EnvRecord,
    private readonly context: EnvironmentContext,
  ) {
    this.log = context.log.child({ env: record.env });
  }

  save(): Promise<void> {
    return this.context.records.put(this.record);
  }

  /** Saves the record from the supervisor: a failure is logged, and supervision goes on. */
  private async persist(): Promise<void> {
    await this.save().catch((error: Error) => this.log.error({ error: error.message }, 'cannot save the environment record'));
  }

  report(state: ProcessStatus['state']): void {
    this.state = state;
    const { app, env, restarts } = this.record;
    this.context.onStatus?.({ app, env, state, restarts, lastExitCode: this.lastExit?.code ?? null, lastSignal: this.lastExit?.signal ?? null });
  }

  spec(release: ReleaseRecord): LaunchSpec {
    const { argv, env, workdir, port, health } = release;
    return { argv, env, cwd: workdir, port, health, logFile: join(this.context.logDir, release.logFile), ids: this.context.workspace.ids };
  }

  /**
   * Supervises the current release: `running` is that release, healthy; null starts it
   * again first (it ended while nobody watched).
   */
  watch(running: Release | null): void {
    const current = this.record.current;
    if (current === null) return;
    const { routes, graceMs } = this.context;
    const { app, env } = this.record;
    this.supervisor = new Supervisor(
      running,
      {
        relaunch: (signal) =>
          launchOnFreePort(
            current,
            (release) => this.spec(release),
            signal,
            graceMs,
            async (release) => {
              Object.assign(current, identity(release));
              await this.save();
            },
            (line) => this.log.warn(line.trim()),
          ),
        healthy: async (_release, restarts) => {
          routes.set(app, env, current.port);
          this.record.restarts = restarts;
          this.report('running');
          this.log.info({ restarts, port: current.port }, 'restarted process is healthy');
          await this.persist();
        },
        changed: async (state, restarts, exit, reason) => {
          this.record.restarts = restarts;
          this.lastExit = exit;
          this.report(state);
          if (state === 'crashed') routes.crashed(app, env, { exitCode: exit.code, signal: exit.signal, restarts });
          // The first line only: the rest is the app's own output.
          const why = reason?.split('\n')[0] ?? null;
          const message = state === 'crashed' ? 'process keeps crashing; no longer restarting it' : 'process ended; restarting it';
          this.log.warn({ restarts, exitCode: exit.code, signal: exit.signal, reason: why }, message);
          await this.persist();
        },
        failed: (error) => {
          this.log.error({ error: (error as Error).message }, 'supervision of the process stopped on an unexpected error');
        },
      },
      this.context.backoff,
      graceMs,
      this.record.restarts,
    );
  }

  /** Routes the environment to `running`, healthy, then stops the release it replaces. */
  async switchTo(release: ReleaseRecord, running: Release, log: (text: string) => void): Promise<void> {
    const { routes, graceMs } = this.context;
    const { record } = this;
    const previous = this.supervisor === null ? null : await this.supervisor.detach();
    const before = record.current;
    routes.set(record.app, record.env, release.port);
    record.current = release;
    record.restarts = 0;
    record.asleep = false;
    record.strays = record.strays.filter((stray) => stray.pgid !== release.pgid);
    if (before !== null) record.strays.push({ pgid: before.pgid, started: before.started });
    this.lastExit = null;
    this.watch(running);
    await this.save();
    this.report('running');
    this.log.info({ sha: release.sha, port: release.port }, 'deployed');
    log(`slipway: ${release.sha.slice(0, 12)} is healthy; ${record.url} now goes to port ${release.port}\n`);
    if (before !== null) {
      log(`slipway: stopping the release it replaces (${before.sha.slice(0, 12)}, port ${before.port})\n`);
      await routes.drained(before.port, graceMs);
      if (previous !== null) await previous.stop(graceMs);
      else await stopStray(before, graceMs);
      record.strays = record.strays.filter((stray) => stray.pgid !== before.pgid);
      await this.save();
    }
    await removeEnvFiles(this.context.logDir, record.app, record.env, release.logFile);
  }

  /**
   * Stops the release for idling: the route sleeps first (a request now wakes it, once this
   * is done), in-flight requests drain, then the process group stops. The record says so
   * before the process stops, so a slipway killed in between stops it at the next start.
   */
  async sleep(): Promise<boolean> {
    const { record } = this;
    const current = record.current;
    if (current === null || record.asleep) return false;
    const { routes, graceMs } = this.context;
    const running = this.supervisor === null ? null : await this.supervisor.detach();
    this.supervisor = null;
    routes.sleeping(record.app, record.env);
    record.asleep = true;
    await this.save();
    await routes.drained(current.port, graceMs);
    await (running === null ? stopStray(current, graceMs) : running.stop(graceMs));
    this.log.info({ sha: current.sha }, 'sleeping: its release stopped after idling');
    return true;
  }

  /**
   * Starts the sleeping release again (same worktree and build; another port if its own is
   * taken) and routes to it once healthy. False: no release of it runs here.
   */
  async wake(signal: AbortSignal): Promise<boolean> {
    const { record } = this;
    const current = record.current;
    if (current === null) return false;
    if (!record.asleep) return true;
    if (!(await portFree(current.port))) current.port = await freePort();
    current.env.PORT = String(current.port);
    const started = async (release: Release) => {
      Object.assign(current, identity(release));
      await this.save();
    };
    const running = await launchOnFreePort(current, (release) => this.spec(release), signal, this.context.graceMs, started, (line) => this.log.warn(line.trim()));
    record.asleep = false;
    this.lastExit = null;
    this.watch(running);
    this.context.routes.set(record.app, record.env, current.port);
    await this.save();
    this.report('running');
    this.log.info({ sha: current.sha, port: current.port }, 'woke up');
    return true;
  }

  /** Stops supervising and stops every process of the environment (SIGTERM, SIGKILL after the grace). */
  async stop(): Promise<void> {
    const running = this.supervisor === null ? null : await this.supervisor.detach();
    this.supervisor = null;
    await running?.stop(this.context.graceMs);
    const { current, strays } = this.record;
    await Promise.all([...(current === null ? [] : [current]), ...strays].map((stray) => stopStray(stray, this.context.graceMs)));
  }
}
