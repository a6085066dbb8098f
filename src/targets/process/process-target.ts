import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import { InputError, SlipwayError } from '../../errors.js';
import { TARGET_CANCELLED, type DeployRequest, type DeployResult, type DestroyRequest, type LogOptions, type RunningEnvironment, type Target } from '../target.js';
import { DEFAULT_BACKOFF } from '../supervisor.js';
import { type ProcessTargetConfig, type ProcessTargetContext } from './config.js';
import { Environment, identity, stopStray, type EnvironmentContext } from './environment.js';
import { InFlight } from '../in-flight.js';
import { cancelled, leaseLost } from '../release-errors.js';
import { launchOnFreePort } from './launch.js';
import { freePort, portFree } from './ports.js';
import { KEEP_DESTROYED_LOGS_MS, KeptLogs } from '../kept-logs.js';
import { readLog } from '../log-reader.js';
import { rotateLog } from './log-rotation.js';
import { PostdeployMarkers } from './postdeploy.js';
import { prepareRelease } from './prepare.js';
import { sweepMarkers } from './build.js';
import { ProcessRecords, removeEnvFiles, type EnvRecord } from './records.js';
import { Release } from './release.js';
import type { FailedDeploy } from '../../domain/routes.js';
import type { RouteSwitch } from './routes.js';
import type { Workspace } from '../workspace.js';
import { KEEP_UNUSED_BUILDS_MS, SharedBuilds } from './shared-builds.js';

const short = (sha: string) => sha.slice(0, 12);
/** How often release logs are checked for rotation. */
const LOG_CHECK_MS = 10_000;
/** How often, at most, the logs kept of destroyed environments and the shared builds are looked at for expiry. */
const SWEEP_MS = 600_000;

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
  private readonly deploying = new InFlight();
  private readonly logTimer: NodeJS.Timeout;
  private readonly postdeploys: PostdeployMarkers;
  /** The rotation pass under way, which close() waits for. */
  private rotating: Promise<void> | null = null;
  /** The last release log of each destroyed environment, readable for a day. */
  private readonly kept: KeptLogs;
  /** The app's builds, shared by its environments. */
  private readonly builds: SharedBuilds;
  private sweptAt = 0;

  /** Its settings: from the config, or the reload that changed them last. */
  private config: ProcessTargetConfig;

  constructor(config: ProcessTargetConfig, context: ProcessTargetContext) {
    this.config = config;
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
    this.postdeploys = new PostdeployMarkers(join(context.stateDir, 'postdeploy'));
    this.kept = new KeptLogs(this.shared.logDir, context.keepDestroyedLogsMs ?? KEEP_DESTROYED_LOGS_MS);
    this.builds = new SharedBuilds({
      app: context.app,
      dir: join(context.workspace.workDir, 'builds', context.app),
      stateDir: join(context.stateDir, 'shared-builds'),
      keepMs: context.keepUnusedBuildsMs ?? KEEP_UNUSED_BUILDS_MS,
      log: this.log,
    });
    this.logTimer = setInterval(() => void this.rotateLogs(), context.logCheckMs ?? LOG_CHECK_MS);
    this.logTimer.unref();
  }

  /** Rotates the logs of the releases that run (see rotateLog); one pass at a time. */
  private rotateLogs(): Promise<void> {
    this.rotating ??= this.rotatePass().finally(() => {
      this.rotating = null;
    });
    return this.rotating;
  }

  private async rotatePass(): Promise<void> {
    if (Date.now() - this.sweptAt >= SWEEP_MS) await this.sweep();
    for (const { record } of this.environments.values()) {
      if (record.current === null) continue;
      const file = join(this.shared.logDir, record.current.logFile);
      await rotateLog(file, this.config.logMaxBytes, this.config.logFiles).catch((error: Error) =>
        this.log.warn({ env: record.env, file, error: error.message }, 'cannot rotate the release log'),
      );
    }
  }

  /**
   * Removes the logs of environments destroyed more than a day ago, the build markers of
   * worktrees that are gone, and the shared builds no release has used for a while; a
   * failure is logged and tried again later.
   */
  private async sweep(): Promise<void> {
    this.sweptAt = Date.now();
    await this.kept.sweep(this.app).catch((error: Error) => this.log.warn({ error: error.message }, 'cannot remove the old logs of destroyed environments'));
    await sweepMarkers(join(this.stateDir, 'builds'), this.app).catch((error: Error) => this.log.warn({ error: error.message }, 'cannot remove the build markers of removed worktrees'));
    // Which builds the releases use comes from their records: none is removed when they cannot be read.
    const removed = this.shared.records.all().then((records) => {
      const inUse = records.flatMap((record) => (record.app === this.app && record.current?.build !== undefined ? [record.current.build] : []));
      return this.builds.sweep(new Set(inUse));
    });
    await removed.catch((error: Error) => this.log.warn({ error: error.message }, 'cannot remove the shared builds no environment uses'));
  }

  apply(request: DeployRequest): Promise<DeployResult> {
    return this.deploying.track(this.deploy(request));
  }

  /**
   * New settings from a config reload, for what it does from now on: releases that run keep
   * their process until they are deployed again (a changed `manifest` or `user` makes the
   * next deployment of the same sha a new release).
   */
  reconfigure(config: ProcessTargetConfig, workspace: Workspace): void {
    this.config = config;
    this.shared.graceMs = config.stopGraceMs;
    this.shared.workspace = workspace;
  }

  async destroy(request: DestroyRequest): Promise<void> {
    this.own(request.app);
    if (request.signal.aborted) throw cancelled();
    const { app, env } = request;
    const known = this.environments.get(env);
    this.environments.delete(env);
    const record = known?.record ?? (await this.shared.records.get(app, env));
    if (record === null || (record.current === null && record.strays.length === 0)) {
      // A first deployment that failed left its page.
      this.routes.remove(app, env);
      request.log(`slipway: no process runs for ${app}/${env}; nothing to destroy\n`);
      return;
    }
    await (known ?? new Environment(record, this.shared)).stop();
    this.routes.remove(app, env);
    await this.shared.records.remove(app, env);
    if (record.current !== null) await this.kept.keep(app, env, join(this.shared.logDir, record.current.logFile));
    await removeEnvFiles(this.shared.logDir, app, env);
    await removeEnvFiles(join(this.stateDir, 'builds'), app, env);
    await this.postdeploys.remove(app, env);
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
    await this.sweep();
  }

  /**
   * The output of the environment's current release (its log file, and the rotated copy
   * before it when asked for more lines than it holds), then what it writes while following,
   * until it is replaced, destroyed or keeps crashing. A destroyed environment's last
   * release log is read for a day after.
   */
  async logs(app: string, env: string, options: LogOptions): Promise<AsyncIterable<string>> {
    this.own(app);
    const current = (this.environments.get(env)?.record ?? (await this.shared.records.get(app, env)))?.current ?? null;
    if (current !== null) {
      const ended = () => {
        const environment = this.environments.get(env);
        return environment === undefined || environment.record.current?.logFile !== current.logFile || environment.state === 'crashed';
      };
      return readLog(join(this.shared.logDir, current.logFile), { ...options, ended });
    }
    const kept = await this.kept.newest(app, env);
    if (kept !== null) return readLog(kept, { ...options, ended: () => true });
    throw new InputError(
      'no_runtime_output',
      `${app}/${env} has no release running, and none ran there in the last day; its deployments' output: slipway logs ${app} ${env} --build`,
      404,
    );
  }

  async sleep(app: string, env: string): Promise<boolean> {
    this.own(app);
    return (await this.load(env, false)).sleep();
  }

  async wake(app: string, env: string, signal: AbortSignal): Promise<boolean> {
    this.own(app);
    return (await this.load(env, false)).wake(AbortSignal.any([signal, this.closing.signal]));
  }

  /** At slipway stop: stop supervising and stop every process (SIGTERM, then SIGKILL after the grace). */
  async close(): Promise<void> {
    clearInterval(this.logTimer);
    this.closing.abort();
    await Promise.allSettled([this.deploying.settled(), this.rotating]);
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
    const record: EnvRecord = stored ?? { app: this.app, env, url: this.routes.urlFor(this.app, env), restarts: 0, current: null, strays: [], asleep: false };
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
    if (record.asleep) {
      // Asleep: a slipway killed while putting it to sleep may have left it running.
      await stopStray(current, this.config.stopGraceMs);
      this.routes.sleeping(this.app, env);
      return environment;
    }
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
    // What else it runs with: a release recorded before fingerprints counts as the same.
    const fingerprint = createHash('sha256').update(JSON.stringify([request.vars, this.config.manifest, this.config.user ?? null])).digest('hex').slice(0, 16);
    const same = before?.sha === sha && before.workdir === workdir && (before.fingerprint ?? fingerprint) === fingerprint;
    if (same && environment.supervisor?.running === true) {
      request.log(`slipway: ${short(sha)} already runs, healthy, on port ${before.port}; nothing to do\n`);
      return { url, builtBy: before.builtBy };
    }
    // From the build on its URL answers "building" (when no release serves there yet), not 404.
    if (before === null) this.routes.starting(app, env);
    try {
      await this.release(request, environment, signal, url, fingerprint);
    } catch (error) {
      // A first deployment that failed leaves nothing running: its URL says it failed (or, cancelled, nothing).
      const cancel = signal.aborted || (error instanceof SlipwayError && error.code === TARGET_CANCELLED);
      if (record.current === null) await this.forget(environment, cancel ? null : { deploymentId: request.deploymentId });
      throw error;
    } finally {
      this.builds.done(env);
    }
    return { url, builtBy: record.current?.builtBy };
  }

  /** Builds the sha (once), starts it, waits until it is healthy and switches the route to it. */
  private async release(request: DeployRequest, environment: Environment, signal: AbortSignal, url: string, fingerprint: string): Promise<void> {
    const { record } = environment;
    const { app, env } = request;
    const first = record.current === null;
    const { release, command, postdeploy } = await prepareRelease(request, {
      url,
      manifest: this.config.manifest,
      buildDir: join(this.stateDir, 'builds'),
      builds: this.builds,
      graceMs: this.config.stopGraceMs,
      buildTimeoutMs: this.config.buildTimeoutMs,
      signal,
      workspace: this.shared.workspace,
    });
    release.fingerprint = fingerprint;
    request.log(`slipway: starting ${short(request.sha)} on port ${release.port}: ${command}\n`);
    let running: Release;
    try {
      const spawned = async (started: Release) => {
        record.strays = record.strays.filter((stray) => stray.pgid !== release.pgid);
        Object.assign(release, identity(started));
        record.strays.push({ pgid: release.pgid, started: release.started });
        await environment.save();
      };
      running = await launchOnFreePort(release, (next) => environment.spec(next), signal, this.config.stopGraceMs, spawned, request.log);
      // Cancelled, or destroyed meanwhile: the new release must not outlive the deployment.
      if (signal.aborted || this.environments.get(env) !== environment) {
        await running.stop(this.config.stopGraceMs);
        throw cancelled();
      }
      if (request.holdsLease?.() === false) {
        await running.stop(this.config.stopGraceMs);
        throw leaseLost();
      }
      // app.json's postdeploy: once per environment, when its first release is healthy, before it takes traffic.
      if (postdeploy !== null && first && !(await this.postdeploys.has(app, env))) {
        await postdeploy().catch(async (error: unknown) => {
          await running.stop(this.config.stopGraceMs);
          throw error;
        });
        await this.postdeploys.mark(app, env);
      }
    } catch (error) {
      record.strays = record.strays.filter((stray) => stray.pgid !== release.pgid);
      if (record.current !== null) await environment.save();
      throw error;
    }
    await environment.switchTo(release, running, request.log);
  }

  /**
   * An environment whose first release never got healthy: nothing runs. Its URL answers that
   * the deployment failed (`failed`), or 404 again (null: cancelled, or destroyed meanwhile).
   */
  private async forget(environment: Environment, failed: FailedDeploy | null): Promise<void> {
    const { app, env } = environment.record;
    if (this.environments.get(env) === environment) this.environments.delete(env);
    if (failed === null) this.routes.remove(app, env);
    else this.routes.failed(app, env, failed);
    await this.shared.records.remove(app, env);
    await removeEnvFiles(this.shared.logDir, app, env);
  }
}
