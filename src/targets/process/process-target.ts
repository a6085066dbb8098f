import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { DeployRequest, DeployResult, DestroyRequest, RunningEnvironment, Target } from '../target.js';
import { DEFAULT_BACKOFF, type ProcessTargetConfig, type ProcessTargetContext } from './config.js';
import { Environment, identity, stopStray, type EnvironmentContext } from './environment.js';
import { cancelled, launch } from './launch.js';
import { freePort, portFree } from './ports.js';
import { rotateLog } from './log-rotation.js';
import { prepareRelease } from './prepare.js';
import { ProcessRecords, removeEnvFiles, type EnvRecord } from './records.js';
import { Release } from './release.js';
import type { RouteSwitch } from './routes.js';

const short = (sha: string) => sha.slice(0, 12);
/** How often release logs are checked for rotation. */
const LOG_CHECK_MS = 10_000;

/**
 * Runs each environment as a supervised local process behind the router: builds the sha
 * once, starts it on a free port, switches the route once it is healthy and only then
 * stops the release it replaces. Every process runs in its own process group, so stopping
 * an environment leaves nothing behind. One instance serves one app.
 */
export class ProcessTarget implements Target {
  readonly type = 'process';
  private readonly app: string;
  private readonly routes: RouteSwitch;
  private readonly log: Logger;
  private readonly stateDir: string;
  private readonly shared: EnvironmentContext;
  private readonly environments = new Map<string, Environment>();
  private readonly closing = new AbortController();
  private readonly deploying = new Set<Promise<unknown>>();
  private readonly logTimer: NodeJS.Timeout;
  private rotating = false;

  constructor(
    private readonly config: ProcessTargetConfig,
    context: ProcessTargetContext,
  ) {
    this.app = context.app;
    this.routes = context.routes;
    this.log = context.log.child({ target: 'process', app: context.app });
    this.stateDir = context.stateDir;
    this.shared = {
      routes: context.routes,
      records: new ProcessRecords(context.stateDir),
      log: this.log,
      onStatus: context.onStatus,
      backoff: context.backoff ?? DEFAULT_BACKOFF,
      graceMs: config.stopGraceMs,
      logDir: join(context.stateDir, 'logs'),
      workspace: context.workspace,
    };
    this.logTimer = setInterval(() => void this.rotateLogs(), context.logCheckMs ?? LOG_CHECK_MS);
    this.logTimer.unref();
  }

  /** Rotates the logs of the releases that run (see rotateLog); one pass at a time. */
  private async rotateLogs(): Promise<void> {
    if (this.rotating) return;
    this.rotating = true;
    try {
      for (const { record } of this.environments.values()) {
        if (record.current === null) continue;
        const file = join(this.shared.logDir, record.current.logFile);
        await rotateLog(file, this.config.logMaxBytes, this.config.logFiles).catch((error: Error) =>
          this.log.warn({ env: record.env, file, error: error.message }, 'cannot rotate the release log'),
        );
      }
    } finally {
      this.rotating = false;
    }
  }

  apply(request: DeployRequest): Promise<DeployResult> {
    const work = this.deploy(request);
    this.deploying.add(work);
    const forget = () => this.deploying.delete(work);
    work.then(forget, forget);
    return work;
  }

  async destroy(request: DestroyRequest): Promise<void> {
    this.own(request.app);
    if (request.signal.aborted) throw cancelled();
    const { app, env } = request;
    const known = this.environments.get(env);
    this.environments.delete(env);
    const record = known?.record ?? (await this.shared.records.get(app, env));
    if (record === null || (record.current === null && record.strays.length === 0)) {
      request.log(`slipway: no process runs for ${app}/${env}; nothing to destroy\n`);
      return;
    }
    await (known ?? new Environment(record, this.shared)).stop();
    this.routes.remove(app, env);
    await this.shared.records.remove(app, env);
    await removeEnvFiles(this.shared.logDir, app, env);
    await removeEnvFiles(join(this.stateDir, 'builds'), app, env);
    await this.shared.workspace.removeHome(app, env);
    request.log(`slipway: stopped the process of ${app}/${env} and removed its route\n`);
  }

  async list(): Promise<RunningEnvironment[]> {
    return (await this.shared.records.all())
      .filter((record) => record.app === this.app && (record.current !== null || record.strays.length > 0))
      .map(({ app, env, current }) => ({ app, env, sha: current?.sha ?? null }));
  }

  /** At slipway start, before the router takes traffic: adopt releases still running, restart the others. */
  async recover(): Promise<void> {
    const records = (await this.shared.records.all()).filter((record) => record.app === this.app);
    await Promise.all(records.map((record) => this.load(record.env, true)));
  }

  /** At slipway stop: stop supervising and stop every process (SIGTERM, then SIGKILL after the grace). */
  async close(): Promise<void> {
    clearInterval(this.logTimer);
    this.closing.abort();
    await Promise.allSettled([...this.deploying]);
    const environments = [...this.environments.values()];
    this.environments.clear();
    await Promise.all(environments.map((environment) => environment.stop()));
  }

  private own(app: string): void {
    if (app !== this.app) {
      throw new SlipwayError('target_wrong_app', `the process target of app ${this.app} was asked to act on app ${app}`);
    }
  }

  /**
   * The environment as known in memory, or read from its record. A release found running is
   * adopted and supervised; one that is not is started again when `restart` (at recover).
   */
  private async load(env: string, restart: boolean): Promise<Environment> {
    const known = this.environments.get(env);
    if (known !== undefined) return known;
    const stored = await this.shared.records.get(this.app, env);
    const again = this.environments.get(env);
    if (again !== undefined) return again;
    const record: EnvRecord = stored ?? { app: this.app, env, url: this.routes.urlFor(this.app, env), restarts: 0, current: null, strays: [] };
    const environment = new Environment(record, this.shared);
    this.environments.set(env, environment);
    if (record.strays.length > 0) {
      await Promise.all(record.strays.map((stray) => stopStray(stray, this.config.stopGraceMs)));
      record.strays = [];
      if (record.current === null) await this.shared.records.remove(this.app, env);
      else await environment.save();
    }
    const current = record.current;
    if (current === null) return environment;
    const adopted = Release.adopt(current.pid, current.started, current.startedAt, join(this.shared.logDir, current.logFile));
    if (adopted !== null) {
      this.routes.set(this.app, env, current.port);
      environment.watch(adopted);
      environment.report('running');
      this.log.info({ env, sha: current.sha, pid: current.pid, port: current.port }, 'adopted a running process');
    } else if (restart) {
      if (!(await stat(current.workdir).then((info) => info.isDirectory(), () => false))) {
        environment.report('crashed');
        this.log.warn({ env, sha: current.sha }, 'cannot restart: its worktree is gone; deploy the environment again');
        return environment;
      }
      const moved = await this.shared.workspace.relocate(this.app, env, current.workdir);
      if (moved !== null) {
        this.log.warn({ env, sha: current.sha, from: current.workdir, to: moved }, 'its worktree was in the data folder (before store.workDir): starting it from a copy in the work folder; the next deploy uses a fresh worktree');
        current.workdir = moved;
        current.env.HOME = await this.shared.workspace.home(this.app, env);
      }
      if (!(await portFree(current.port))) current.port = await freePort();
      current.env.PORT = String(current.port);
      this.routes.starting(this.app, env);
      environment.watch(null);
    }
    return environment;
  }

  private async deploy(request: DeployRequest): Promise<DeployResult> {
    this.own(request.app);
    const signal = AbortSignal.any([request.signal, this.closing.signal]);
    if (signal.aborted) throw cancelled();
    const { app, env, sha, workdir } = request;
    const url = this.routes.urlFor(app, env);
    const environment = await this.load(env, false);
    const { record } = environment;
    record.url = url;
    const before = record.current;
    if (before?.sha === sha && before.workdir === workdir && environment.supervisor?.running === true) {
      request.log(`slipway: ${short(sha)} already runs, healthy, on port ${before.port}; nothing to do\n`);
      return { url };
    }
    const { release, command } = await prepareRelease(request, {
      url,
      manifest: this.config.manifest,
      buildDir: join(this.stateDir, 'builds'),
      graceMs: this.config.stopGraceMs,
      signal,
      workspace: this.shared.workspace,
    });
    if (before === null) this.routes.starting(app, env);
    request.log(`slipway: starting ${short(sha)} on port ${release.port}: ${command}\n`);
    let running: Release;
    try {
      running = await launch(environment.spec(release), signal, this.config.stopGraceMs, async (started) => {
        Object.assign(release, identity(started));
        record.strays.push({ pgid: release.pgid, started: release.started });
        await environment.save();
      });
      // Cancelled, or destroyed meanwhile: the new release must not outlive the deployment.
      if (signal.aborted || this.environments.get(env) !== environment) {
        await running.stop(this.config.stopGraceMs);
        throw cancelled();
      }
    } catch (error) {
      record.strays = record.strays.filter((stray) => stray.pgid !== release.pgid);
      if (record.current !== null) await environment.save();
      else await this.forget(environment);
      throw error;
    }
    await environment.switchTo(release, running, request.log);
    return { url };
  }

  /** An environment whose first release never got healthy: nothing runs, nothing is routed. */
  private async forget(environment: Environment): Promise<void> {
    const { app, env } = environment.record;
    if (this.environments.get(env) === environment) this.environments.delete(env);
    this.routes.remove(app, env);
    await this.shared.records.remove(app, env);
    await removeEnvFiles(this.shared.logDir, app, env);
  }
}
