import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { DockerTargetConfig } from '../../config/targets.js';
import { InputError, SlipwayError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { FailedDeploy, Route } from '../../domain/routes.js';
import type { RouteSwitch } from '../process/routes.js';
import { InFlight } from '../in-flight.js';
import { KEEP_DESTROYED_LOGS_MS, KeptLogs } from '../kept-logs.js';
import { readLog } from '../log-reader.js';
import { cancelled, leaseLost } from '../release-errors.js';
import { DEFAULT_BACKOFF, type Backoff } from '../supervisor.js';
import { TARGET_CANCELLED, TARGET_LEASE_LOST, type DeployRequest, type DeployResult, type DestroyRequest, type LogOptions, type RunningEnvironment, type RuntimeReport, type Target } from '../target.js';
import { renderUrl } from '../url.js';
import { slipwayVariables } from '../variables.js';
import { ContainerRun, containerOutput, createContainer, removeContainer, stopContainer, type ContainerSpec } from './container.js';
import { connectEngine, describeEngine, engineError, unreachable } from './engine.js';
import { DockerEnvironment, type DockerShared } from './environment.js';
import { describeSource, ensureImage, recipeOf, type ImageSource } from './image.js';
import { instanceId } from './instance.js';
import { LABELS, labelFilter } from './labels.js';
import { startHealthy } from './launch.js';
import { pruneImages, releaseImages } from './prune.js';
import { DockerRecords, type DockerEnvRecord, type RunningRecord } from './records.js';

const short = (sha: string) => sha.slice(0, 12);
/** How often dangling images and build cache are pruned. */
const PRUNE_EVERY_MS = 6 * 3_600_000;
/** Log drivers that rotate by max-size and max-file. */
const ROTATING_DRIVERS = new Set(['json-file', 'local']);
/** How soon recovery is tried again while the engine does not answer. */
const RECOVER_RETRY_MS = 5000;
/** Lines of a destroyed environment's container output kept for `slipway logs`. */
const KEPT_LINES = 10_000;

export interface DockerTargetContext {
  app: string;
  /** `<dataDir>/targets/docker`, shared by the docker targets of all apps. */
  stateDir: string;
  routes: RouteSwitch;
  log: Logger;
  onStatus?: (report: RuntimeReport) => void;
  /** Restart timing; tests shorten it. */
  backoff?: Backoff;
  /** How often images and build cache are pruned (default 6 h). */
  pruneEveryMs?: number;
  /** How long a destroyed environment's last container output stays readable (default a day). */
  keepDestroyedLogsMs?: number;
}

/**
 * Runs each environment as a container on a Docker Engine, behind the router: makes the
 * sha's image once (built from the repository, or pulled), starts a container published on
 * 127.0.0.1, switches the route once it is healthy and only then drains, stops and removes
 * the container it replaces. Containers outlive slipway and are adopted at the next start.
 * One instance serves one app.
 */
export class DockerTarget implements Target {
  readonly type = 'docker';
  private readonly app: string;
  private readonly docker: Docker;
  private readonly engine: string;
  private readonly instance: string;
  private readonly shared: DockerShared;
  private readonly environments = new Map<string, DockerEnvironment>();
  private readonly closing = new AbortController();
  private readonly deploying = new InFlight();
  /** Images being made, by tag: two environments deploying one sha build it once. */
  private readonly making = new Map<string, Promise<void>>();
  private readonly pruneTimer: NodeJS.Timeout;
  /** The engine's log driver, asked once: its output is rotated by slipway's settings when it takes them. */
  private logDriver: Promise<string> | null = null;
  /** The last container output of each destroyed environment, readable for a day. */
  private readonly kept: KeptLogs;
  private readonly unfollow: () => void;

  constructor(
    private readonly config: DockerTargetConfig,
    context: DockerTargetContext,
  ) {
    this.app = context.app;
    this.docker = connectEngine(config.host);
    this.engine = describeEngine(config.host);
    this.instance = instanceId(context.stateDir);
    const log = context.log.child({ target: 'docker', app: context.app });
    this.shared = {
      docker: this.docker,
      routes: context.routes,
      records: new DockerRecords(context.stateDir),
      log,
      onStatus: context.onStatus,
      backoff: context.backoff ?? DEFAULT_BACKOFF,
      launch: { port: config.port, publish: config.publish, health: config.health, graceMs: config.stopGraceMs, memoryBytes: config.resources.memoryBytes, engine: this.engine },
    };
    this.kept = new KeptLogs(join(context.stateDir, 'logs'), context.keepDestroyedLogsMs ?? KEEP_DESTROYED_LOGS_MS);
    this.pruneTimer = setInterval(() => void this.prune(), context.pruneEveryMs ?? PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.unfollow = context.routes.followed((app, env, route) => {
      if (app === this.app && this.handedOver(env, route)) void this.handOver(env);
    });
  }

  apply(request: DeployRequest): Promise<DeployResult> {
    return this.deploying.track(this.deploy(request));
  }

  async destroy(request: DestroyRequest): Promise<void> {
    this.own(request.app);
    if (request.signal.aborted) throw cancelled();
    const { app, env } = request;
    const known = this.environments.get(env);
    this.environments.delete(env);
    await known?.detach();
    // Asked before anything is forgotten: an engine that does not answer leaves all as it is.
    const containers = await this.containers(env);
    const record = await this.shared.records.get(app, env);
    if (containers.length === 0 && record === null) {
      // A first deployment that failed left its page.
      this.shared.routes.remove(app, env);
      request.log(`slipway: no container runs for ${app}/${env}; nothing to destroy\n`);
      return;
    }
    if (record?.current != null) await this.keepOutput(app, env, record.current.container);
    for (const container of containers) {
      await removeContainer(this.docker, container.Id, this.engine);
    }
    this.shared.routes.remove(app, env);
    await this.shared.records.remove(app, env);
    if (record !== null) await this.releaseImages(record.kept);
    request.log(`slipway: removed the container${containers.length === 1 ? '' : 's'} of ${app}/${env} and its route\n`);
  }

  async list(): Promise<RunningEnvironment[]> {
    const records = (await this.shared.records.all()).filter((record) => record.app === this.app);
    const containers = await this.containers();
    const envs = new Map<string, string | null>();
    for (const container of containers) {
      const env = container.Labels[LABELS.env];
      if (env !== undefined && !envs.has(env)) envs.set(env, null);
    }
    for (const record of records) {
      if (record.current !== null) envs.set(record.env, record.current.sha);
    }
    return [...envs].map(([env, sha]) => ({ app: this.app, env, sha }));
  }

  /**
   * The output of the environment's current container (stdout and stderr, from the engine),
   * then what it writes while following, until it stops. A destroyed environment's last
   * container output is read for a day after.
   */
  async logs(app: string, env: string, options: LogOptions): Promise<AsyncIterable<string>> {
    this.own(app);
    const current = (this.environments.get(env)?.record ?? (await this.shared.records.get(app, env)))?.current ?? null;
    if (current !== null) return containerOutput(this.docker.getContainer(current.container), options, this.engine);
    const kept = await this.kept.newest(app, env);
    if (kept !== null) return readLog(kept, { ...options, ended: () => true });
    throw new InputError(
      'no_runtime_output',
      `${app}/${env} has no container running, and none ran there in the last day; its deployments' output: slipway logs ${app} ${env} --build`,
      404,
    );
  }

  /** Keeps a container's last output before it is removed; one that cannot be read is logged and not kept. */
  private async keepOutput(app: string, env: string, id: string): Promise<void> {
    try {
      const output = await containerOutput(this.docker.getContainer(id), { lines: KEPT_LINES, follow: false, signal: this.closing.signal }, this.engine);
      let text = '';
      for await (const part of output) text += part;
      await this.kept.write(app, env, text);
    } catch (error) {
      this.shared.log.warn({ env, error: (error as Error).message }, "cannot keep the destroyed container's output");
    }
  }

  /**
   * At slipway start: adopts the containers that run (their routes restored), starts again
   * those that stopped, and removes the ones no deployment finished with (an interrupted
   * switch or first deploy). An engine that does not answer is asked again in the background.
   */
  async recover(): Promise<void> {
    await this.kept.sweep(this.app).catch((error: Error) => this.shared.log.warn({ error: error.message }, 'cannot remove the old logs of destroyed environments'));
    try {
      await this.adoptAll();
    } catch (error) {
      if (!unreachable(error)) throw error;
      this.shared.log.error({ error: (error as Error).message }, 'cannot recover the containers yet; asking the engine again every few seconds');
      void this.retryRecover();
    }
  }

  /** At slipway stop: stops supervising; containers keep running for the next start to adopt. */
  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.unfollow();
    this.closing.abort();
    await this.deploying.settled();
    const environments = [...this.environments.values()];
    this.environments.clear();
    await Promise.all(environments.map((environment) => environment.detach()));
  }

  private async retryRecover(): Promise<void> {
    const { signal } = this.closing;
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, RECOVER_RETRY_MS).unref());
      if (signal.aborted) return;
      try {
        await this.adoptAll();
        this.shared.log.info('the Docker Engine answers again: containers recovered');
        return;
      } catch (error) {
        if (!unreachable(error)) {
          this.shared.log.error({ error: (error as Error).message }, 'cannot recover the containers');
          return;
        }
      }
    }
  }

  private async adoptAll(): Promise<void> {
    const records = (await this.shared.records.all()).filter((record) => record.app === this.app);
    const containers = await this.containers();
    const current = new Set(records.flatMap((record) => (record.current === null ? [] : [record.current.container])));
    for (const container of containers) {
      if (!current.has(container.Id)) {
        this.shared.log.warn({ env: container.Labels[LABELS.env], container: container.Names[0] }, 'removing a container no deployment finished with');
        await removeContainer(this.docker, container.Id, this.engine);
      }
    }
    for (const record of records) {
      if (this.environments.has(record.env)) continue;
      const environment = new DockerEnvironment(record, this.shared);
      this.environments.set(record.env, environment);
      await this.adopt(environment);
    }
  }

  /**
   * Whether another replica sharing the store (and the engine) took the environment over: it
   * routes the environment to a container of its own (it deployed it), or removed the route
   * (it destroyed it). Its other route changes (a first deployment's pages) leave a release
   * that serves as it is.
   */
  private handedOver(env: string, route: Route | null | undefined): boolean {
    const current = this.environments.get(env)?.record.current;
    if (current == null || route === undefined) return false;
    return route === null || (route.kind === 'ready' && (route.host !== this.config.publish || route.port !== current.port));
  }

  /**
   * At start: whether another replica took the environment over while this one was away. The
   * stored route must go to a running container of the environment, not this one's: a route
   * this replica switched and was killed before storing leaves the store naming the container
   * it replaced, which is gone.
   */
  private async routedElsewhere(env: string, route: Route | undefined): Promise<boolean> {
    const current = this.environments.get(env)?.record.current;
    if (current == null || route?.kind !== 'ready' || !this.handedOver(env, route)) return false;
    const label = [`${LABELS.managed}=true`, `${LABELS.app}=${this.app}`, `${LABELS.env}=${env}`];
    const running = await this.docker.listContainers({ filters: { label, status: ['running'] } }).catch((error: unknown) => {
      throw engineError(error, 'listing the containers', this.engine);
    });
    return running.some((container) => container.Id !== current.container && container.Ports.some((port) => port.PublicPort === route.port && port.IP === route.host));
  }

  /**
   * The environment is another replica's now: this one stops supervising its container, and
   * once the requests its router has in flight there are answered, removes it and forgets it.
   */
  private async handOver(env: string): Promise<void> {
    const environment = this.environments.get(env);
    const current = environment?.record.current;
    if (environment === undefined || current == null) return;
    this.environments.delete(env);
    await environment.detach();
    const { log, records, routes } = this.shared;
    try {
      await routes.drained(current.port, this.config.stopGraceMs, this.config.publish);
      await stopContainer(this.docker.getContainer(current.container), this.config.stopGraceMs, this.engine);
      await removeContainer(this.docker, current.container, this.engine);
      await records.remove(this.app, env);
      log.info({ env, container: current.name }, 'another replica took the environment over: the container this one ran is removed');
    } catch (error) {
      log.error({ env, container: current.name, error: (error as Error).message }, 'another replica took the environment over, but its container here cannot be removed; the next start tries again');
    }
  }

  /** Adopts the environment's container if it runs, starts it again if it stopped; one another replica took over while this one was away goes. */
  private async adopt(environment: DockerEnvironment): Promise<void> {
    const { record } = environment;
    const current = record.current;
    if (current === null) return;
    const { routes, log } = this.shared;
    if (await this.routedElsewhere(record.env, routes.lookup(this.app, record.env))) return this.handOver(record.env);
    if (record.asleep) {
      // Asleep: a slipway killed while putting it to sleep may have left it running.
      await stopContainer(this.docker.getContainer(current.container), this.config.stopGraceMs, this.engine);
      routes.sleeping(this.app, record.env);
      return;
    }
    let run: ContainerRun | null;
    try {
      run = await ContainerRun.adopt(this.docker.getContainer(current.container), this.config.port, this.engine);
    } catch (error) {
      const failure = engineError(error, `inspecting the container ${current.name}`, this.engine);
      if (unreachable(failure)) throw failure;
      environment.report('crashed');
      log.warn({ env: record.env, sha: current.sha, error: failure.message }, 'the container of the environment is gone; deploy it again');
      return;
    }
    if (run !== null) {
      current.port = run.hostPort;
      routes.set(this.app, record.env, run.hostPort, this.config.publish);
      environment.watch(run);
      environment.report('running');
      log.info({ env: record.env, sha: current.sha, container: current.name, port: run.hostPort }, 'adopted a running container');
    } else {
      routes.starting(this.app, record.env);
      environment.watch(null);
    }
    await environment.save();
  }

  async sleep(app: string, env: string): Promise<boolean> {
    this.own(app);
    return (await this.load(env, this.shared.routes.urlFor(app, env))).sleep();
  }

  async wake(app: string, env: string, signal: AbortSignal): Promise<boolean> {
    this.own(app);
    return (await this.load(env, this.shared.routes.urlFor(app, env))).wake(AbortSignal.any([signal, this.closing.signal]));
  }

  private own(app: string): void {
    if (app !== this.app) {
      throw new SlipwayError('target_wrong_app', `the docker target of app ${this.app} was asked to act on app ${app}`);
    }
  }

  /** The containers slipway made for this app (one environment's, with `env`), running or not. */
  private async containers(env?: string): Promise<Docker.ContainerInfo[]> {
    try {
      return await this.docker.listContainers({ all: true, filters: labelFilter(this.instance, this.app, env) });
    } catch (error) {
      throw engineError(error, 'listing the containers', this.engine);
    }
  }

  private async load(env: string, url: string): Promise<DockerEnvironment> {
    const known = this.environments.get(env);
    if (known !== undefined) return known;
    const stored = await this.shared.records.get(this.app, env);
    const again = this.environments.get(env);
    if (again !== undefined) return again;
    const record: DockerEnvRecord = stored ?? { app: this.app, env, url, current: null, kept: [], asleep: false };
    const environment = new DockerEnvironment(record, this.shared);
    this.environments.set(env, environment);
    return environment;
  }

  private imageSource(request: DeployRequest): ImageSource {
    const { config } = this;
    if (config.image === undefined) {
      return { kind: 'build', workdir: request.workdir, context: config.context, dockerfile: config.dockerfile, buildArgs: config.buildArgs };
    }
    const image = renderUrl(config.image, request);
    if (image === null) {
      throw new SlipwayError('target_docker_image', `target.image ${config.image} uses {pr} or {branch}, which ${request.app}/${request.env} does not have`);
    }
    return { kind: 'pull', image };
  }

  private async deploy(request: DeployRequest): Promise<DeployResult> {
    this.own(request.app);
    const signal = AbortSignal.any([request.signal, this.closing.signal]);
    if (signal.aborted) throw cancelled();
    const { app, env, sha } = request;
    const { routes } = this.shared;
    const url = routes.urlFor(app, env);
    const environment = await this.load(env, url);
    const { record } = environment;
    record.url = url;
    const source = this.imageSource(request);
    const tag = `slipway/${app}:${sha.toLowerCase()}`;
    const variables = { ...request.vars, ...definedOnly(slipwayVariables({ ...request, url })), PORT: String(this.config.port) };
    const fingerprint = createHash('sha256').update(JSON.stringify([recipeOf(source), variables, this.config.resources])).digest('hex').slice(0, 16);
    const before = record.current;
    if (before?.sha === sha && before.fingerprint === fingerprint && environment.supervisor?.running === true) {
      request.log(`slipway: ${short(sha)} already runs, healthy, in ${before.name}; nothing to do\n`);
      return { url, builtBy: describeSource(source) };
    }
    // From the build on its URL answers "building" (when no container serves there yet), not 404.
    if (before === null) routes.starting(app, env);
    try {
      await this.start(request, environment, { tag, source, fingerprint, variables }, signal);
    } catch (error) {
      // A first deployment that failed leaves nothing running: its URL says it failed (or, cancelled, nothing).
      // One that lost its lease leaves the route to the replica that deploys the environment now.
      const code = error instanceof SlipwayError ? error.code : null;
      const route = code === TARGET_LEASE_LOST ? 'leave' : signal.aborted || code === TARGET_CANCELLED ? 'remove' : { deploymentId: request.deploymentId };
      if (record.current === null) await this.forget(environment, route);
      throw error;
    }
    return { url, builtBy: describeSource(source) };
  }

  /** Makes the image, starts a container of it, waits until it is healthy and switches the route to it. */
  private async start(
    request: DeployRequest,
    environment: DockerEnvironment,
    image: { tag: string; source: ImageSource; fingerprint: string; variables: Record<string, string> },
    signal: AbortSignal,
  ): Promise<void> {
    const { app, env, sha } = request;
    const { tag, source, fingerprint, variables } = image;
    await this.makeImage(tag, source, request, signal);
    const name = `slipway-${app}-${env}-${request.deploymentId}-${randomBytes(3).toString('hex')}`;
    const labels = {
      [LABELS.managed]: 'true',
      [LABELS.instance]: this.instance,
      [LABELS.app]: app,
      [LABELS.env]: env,
      [LABELS.sha]: sha,
      [LABELS.deployment]: String(request.deploymentId),
    };
    const { resources } = this.config;
    const container = await createContainer(
      this.docker,
      { name, image: tag, port: this.config.port, publish: this.config.publish, env: variables, labels, memoryBytes: resources.memoryBytes, cpus: resources.cpus, pids: resources.pids, logs: await this.logRotation() },
      this.engine,
    );
    request.log(`slipway: starting ${name} from ${tag}, port ${this.config.port} published on ${this.config.publish}\n`);
    let run: ContainerRun;
    try {
      run = await startHealthy(container, this.shared.launch, signal);
      // Cancelled, or destroyed meanwhile: the new container must not outlive the deployment.
      if (signal.aborted || this.environments.get(env) !== environment) throw cancelled();
      if (request.holdsLease?.() === false) throw leaseLost();
    } catch (error) {
      await removeContainer(this.docker, container.id, this.engine).catch((failure: Error) =>
        this.shared.log.error({ env, container: name, error: failure.message }, 'cannot remove the container of a failed deployment'),
      );
      throw error;
    }
    const next: RunningRecord = { container: container.id, name, sha, deploymentId: request.deploymentId, port: run.hostPort, fingerprint };
    const released = await environment.switchTo(next, run, request.log);
    await this.releaseImages(released);
  }

  /** How the container's output is rotated: by target.logMaxSize and logFiles where the engine's log driver can. */
  private async logRotation(): Promise<ContainerSpec['logs']> {
    this.logDriver ??= this.docker.info().then(
      (info: { LoggingDriver?: string }) => info.LoggingDriver ?? '',
      (error: unknown) => {
        this.logDriver = null;
        throw engineError(error, 'asking the engine for its log driver', this.engine);
      },
    );
    const driver = await this.logDriver;
    return ROTATING_DRIVERS.has(driver) ? { driver, maxBytes: this.config.logMaxBytes, files: this.config.logFiles } : null;
  }

  /** Makes the sha's image, once however many environments deploy it at the same time. */
  private async makeImage(tag: string, source: ImageSource, request: DeployRequest, signal: AbortSignal): Promise<void> {
    const pending = this.making.get(tag);
    if (pending !== undefined) {
      request.log(`slipway: ${tag} is being made for another environment; waiting for it\n`);
      const made = await pending.then(() => true, (error: unknown) => {
        // Only that deployment was cancelled: this one makes the image itself.
        if (error instanceof SlipwayError && error.code === TARGET_CANCELLED && !signal.aborted) return false;
        throw error;
      });
      if (made) return;
    }
    const making = ensureImage(this.docker, { tag, source, log: request.log, signal, timeoutMs: this.config.buildTimeoutMs, engine: this.engine });
    this.making.set(tag, making);
    try {
      await making;
    } finally {
      if (this.making.get(tag) === making) this.making.delete(tag);
    }
  }

  /**
   * An environment whose first container never got healthy: nothing runs. Its URL answers that
   * the deployment failed (`failed`), or 404 again (null: cancelled, or destroyed meanwhile).
   */
  private async forget(environment: DockerEnvironment, route: FailedDeploy | 'remove' | 'leave'): Promise<void> {
    const { app, env } = environment.record;
    if (this.environments.get(env) === environment) this.environments.delete(env);
    if (route === 'remove') this.shared.routes.remove(app, env);
    else if (route !== 'leave') this.shared.routes.failed(app, env, route);
    await this.shared.records.remove(app, env);
  }

  /** Removes the images of `shas` that no environment of the app keeps any more. */
  private async releaseImages(shas: string[]): Promise<void> {
    if (shas.length === 0) return;
    const records = (await this.shared.records.all()).filter((record) => record.app === this.app);
    const kept = new Set(records.flatMap((record) => [...record.kept, ...(record.current === null ? [] : [record.current.sha])]));
    await releaseImages(this.docker, this.app, shas.filter((sha) => !kept.has(sha)), this.shared.log);
  }

  private async prune(): Promise<void> {
    await pruneImages(this.docker, this.shared.log);
  }
}

/** Drops the names whose value is undefined (left unset). */
function definedOnly(variables: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
