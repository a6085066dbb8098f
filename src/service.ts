import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AppTargets, appRuntime, runsRouter } from './app-runtime.js';
import { ConfigError, formatProblem } from './config/errors.js';
import type { ReloadOutcome } from './config/changes.js';
import type { LoadedConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { connectionBudget, readOpenFileLimit } from './connection-budget.js';
import { LiveLogs } from './engine/deployment-log.js';
import { Dispatcher } from './engine/dispatcher.js';
import { startEngine, type EngineParts } from './engine/engine.js';
import { ScheduleLeases } from './engine/schedule-leases.js';
import type { AppRuntime } from './engine/ports.js';
import type { RuntimeStatus } from './domain/environments.js';
import { clientsFromConfig, type GitHubClients } from './github/client.js';
import { Reporter } from './github/reporter.js';
import { applyPolicy } from './policy/policy.js';
import { createHttpServer } from './http/server.js';
import { ChangeFeed, observe } from './store/changes.js';
import { serviceRoutes } from './http/service-routes.js';
import { Sessions } from './http/session.js';
import { createMetrics, type Metrics } from './metrics.js';
import { Inbox } from './ingest/inbox.js';
import { Notifier } from './notify/notifier.js';
import type { NotifyTiming } from './notify/timing.js';
import { ArtifactSource } from './source/artifact-source.js';
import { GitSource } from './source/git-source.js';
import type { RuntimeReport } from './targets/target.js';
import type { Logger } from './logger.js';
import { Reloader } from './reload.js';
import { StatusReport } from './status.js';
import { RouteTable } from './router/routes.js';
import { SharedRoutes } from './router/shared-routes.js';
import { SlipwayError } from './errors.js';
import { startRouter, type RouterOptions } from './router/router.js';
import type { Store } from './store/store.js';
import type { ReplicaStore, RouteStore } from './store/replicas.js';
import { processApps, Replicas } from './replicas.js';

export interface ServiceOptions {
  config: Config;
  store: Store;
  /** The store's registry of the replicas sharing it and their routes (PostgreSQL); absent: this process alone has the store. */
  replicas?: (ReplicaStore & RouteStore) | null;
  log: Logger;
  /** Webhook secrets; null accepts unsigned requests (--insecure-skip-signature). */
  secrets: readonly string[] | null;
  /** The token every /api, /metrics and /deployments request must send. */
  apiToken: string;
  port: number;
  host: string;
  /** The router's port, instead of `router.port` (0: any free port). */
  routerPort?: number;
  /** Reads the config file again (`slipway reload`, SIGHUP); throws ConfigError for a bad one. Absent: nothing to reload. */
  readConfig?: () => Promise<LoadedConfig>;
  /** Shorter notification retries and polls (tests only). */
  notifyTiming?: Partial<NotifyTiming>;
}

export interface Service {
  port: number;
  url: string;
  /** The router's address, when an app runs on the process target. */
  routerUrl: string | null;
  /**
   * Reads the config again and puts it in force (see Reloader). A bad one is refused with its
   * problems (a ConfigError) and logged, and nothing changes.
   */
  reload(): Promise<ReloadOutcome>;
  /** Stops taking requests, lets those in flight finish (up to `graceMs`), stops the dispatcher. */
  close(graceMs?: number): Promise<void>;
}

/** Builds and starts one slipway instance on the given store: the HTTP listener and the dispatcher. */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, log } = options;
  // Before anything runs an environment: process apps must not meet another replica.
  const replicas = new Replicas({ store: options.replicas ?? null, leaseMs: config.engine.leaseMs, processApps: () => processApps(config), log: log.child({ component: 'replicas' }) });
  await replicas.start();
  try {
    return await startParts(options, replicas);
  } catch (error) {
    await replicas.stop();
    throw error;
  }
}

async function startParts(options: ServiceOptions, replicas: Replicas): Promise<Service> {
  const { config, log, secrets } = options;
  const changes = new ChangeFeed();
  // Every part writes through this one, so the dashboard hears of each change.
  const store = observe(options.store, changes);
  const stopping = new AbortController();
  const metrics = createMetrics(store);
  const budget = connectionBudget(readOpenFileLimit(), {
    server: config.server.listener.maxConnections,
    router: config.router.listener.maxConnections,
    withRouter: runsRouter(config),
  });
  const refused = (listener: 'server' | 'router') => () => metrics.connectionsRefused.inc({ listener });
  const router = await openRouter(config, options.routerPort ?? config.router.port, log, {
    limits: { ...config.router.listener, maxConnections: budget.router },
    onRefused: refused('router'),
  });
  // Replicas share routes: any replica's router serves any environment it can reach.
  const shared = router === null || !options.replicas ? null : new SharedRoutes({ table: router.routes, store: options.replicas, work: store, log: log.child({ component: 'routes' }) });
  await shared?.start();
  const parts = engineParts(config, store, log, metrics, router?.routes ?? null);
  const engine = await startEngine(parts).catch(async (error: unknown) => {
    await shared?.stop();
    await router?.close();
    throw error;
  });
  router?.serve();
  const notifier = new Notifier({
    store,
    receivers: config.notifications,
    publicUrl: config.server.publicUrl ?? null,
    log: log.child({ component: 'notify' }),
    turn: () => parts.schedules.holds('notifications'),
    ...(options.notifyTiming === undefined ? {} : { timing: options.notifyTiming }),
  });
  // Deployment and destroy writes record notification events: queue them at once.
  changes.subscribe((topics) => {
    if (topics.includes('deployments') || topics.includes('environments')) notifier.nudge();
  });
  notifier.start();
  const reloader = new Reloader({ live: config, apps: parts.apps, targets: parts.targets, routed: router !== null, store, engine, log: log.child({ component: 'reload' }) });
  const reload = async (): Promise<ReloadOutcome> => {
    if (options.readConfig === undefined) throw new SlipwayError('no_config_file', 'this slipway was not started from a config file it can read again', { status: 409 });
    const loaded = await options.readConfig().catch((error: unknown) => {
      if (error instanceof ConfigError) log.error({ problems: error.problems.map(formatProblem) }, 'the new config is refused; slipway keeps running with the one it has');
      throw error;
    });
    return reloader.apply(loaded.config, loaded.file);
  };
  const dispatcher = new Dispatcher({
    store,
    log: log.child({ component: 'dispatcher' }),
    metrics,
    policy: (event) => applyPolicy(event, config),
    claimMs: config.engine.leaseMs,
    onChanged: (results) => engine.nudge(results),
  });
  const access = { apiToken: options.apiToken, publicUrl: config.server.publicUrl };
  const status = new StatusReport({ dataDir: config.store.dataDir, workDir: config.store.workDir, store, jobs: () => engine.jobRuns(), replicas: () => replicas.list() });
  const routes = serviceRoutes({
    config,
    store,
    metrics,
    log,
    inbox: new Inbox(store, secrets),
    accepted: (id, normalized) => dispatcher.accepted(id, normalized),
    dispatcher,
    changed: () => engine.nudge(),
    reload,
    logs: { target: (app) => parts.apps.get(app)?.target, live: parts.liveLogs, stopping: stopping.signal },
    access: { ...access, sessions: new Sessions(options.apiToken), publicPages: config.ui.public },
    changes,
    notifications: notifier,
    status: () => status.read(),
  });
  const server = createHttpServer({
    routes,
    log,
    access,
    limits: { ...config.server.listener, maxConnections: budget.server },
    onRefused: refused('server'),
  });
  // Changes other replicas sharing the store make reach this one's dashboard too.
  const unfollow = options.store.onChange((topic) => changes.touch([topic]));
  dispatcher.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    unfollow();
    await dispatcher.stop();
    await engine.stop();
    await notifier.stop();
    await parts.schedules.release();
    await shared?.stop();
    await router?.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const { limit, source, headroom } = budget;
  log.info(
    { server: budget.server, router: router === null ? undefined : budget.router, openFiles: limit, source, headroom },
    'connection limits: each listener closes connections past its cap at once; the rest of the open files are kept for the store, git and child processes',
  );
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;

  let closing: Promise<void> | null = null;
  const close = async (graceMs = 10_000) => {
    // Followed output ends now rather than holding the listener open for the grace.
    stopping.abort();
    const inFlight = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Keep-alive connections close as soon as their current response is sent.
    server.on('request', (_req, res) => res.setHeader('connection', 'close'));
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    await inFlight;
    clearTimeout(deadline);
    unfollow();
    await dispatcher.stop();
    await engine.stop();
    await notifier.stop();
    // Nothing runs a schedule any more: another replica sharing the store takes them over at once.
    await parts.schedules.release();
    await shared?.stop();
    await router?.close();
    await replicas.stop();
  };
  return {
    port,
    routerUrl: router?.url ?? null,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    reload,
    close: (graceMs) => (closing ??= close(graceMs)),
  };
}

/**
 * The router, when an app runs on the process target: it listens at once (so a port of 0 is
 * known for the environments' URLs) but answers 503 until `serve()`, after the engine has
 * adopted or restarted what ran before.
 */
async function openRouter(config: Config, port: number, log: Logger, listener: Pick<RouterOptions, 'limits' | 'onRefused'>) {
  if (!runsRouter(config)) return null;
  const routes = new RouteTable({ domain: config.router.domain, publicPort: port, serving: false, publicUrl: config.server.publicUrl });
  const router = await startRouter({ host: config.router.host, port, routes, log: log.child({ component: 'router' }), ...listener });
  routes.listening(router.port);
  log.info({ url: router.url, domain: config.router.domain }, 'router listening: environments answer at http://<env>.<app>.<domain>');
  return { routes, url: router.url, serve: () => routes.open(), close: () => router.close() };
}

/**
 * What the engine runs on: each app with its target, the git source, and with GitHub
 * credentials the clients (made with the engine's stop signal), the artifact source and the
 * reporter; without them a warning says once what slipway cannot do.
 */
export function engineParts(config: Config, store: Store, log: Logger, metrics: Metrics, routes: RouteTable | null): EngineParts & { targets: AppTargets } {
  const onRuntime = (report: RuntimeReport) => {
    store.recordRuntime(runtimeStatus(report)).catch((error: unknown) => log.error({ err: error }, 'cannot record a process status'));
  };
  const targets = new AppTargets({ dataDir: config.store.dataDir, workDir: config.store.workDir, routes, log, onRuntime });
  const apps = new Map<string, AppRuntime>(config.apps.map((app) => [app.name, appRuntime(app, targets.create(app))]));
  const cutGitHub = new AbortController();
  const github = clientsFromConfig(config, log, metrics, cutGitHub.signal);
  if (github === null) warnWithoutCredentials(config, log);
  const source = new GitSource({
    cacheDir: join(config.store.dataDir, 'git'),
    worktreeRoot: join(config.store.workDir, 'worktrees'),
    ...(github ? { auth: gitAuth(config, github) } : {}),
    log: (msg, fields) => log.debug(fields, msg),
  });
  const artifacts = github === null ? null : new ArtifactSource({ github, limits: config.artifacts, tempDir: join(config.store.dataDir, 'tmp') });
  const schedules = new ScheduleLeases(store, config.engine.leaseMs);
  const reporter = github === null ? null : new Reporter({
    store,
    clients: github,
    apps,
    publicUrl: config.server.publicUrl ?? null,
    log: log.child({ component: 'reporter' }),
    turn: () => schedules.holds('reporting'),
  });
  return { config, store, log, metrics, apps, targets, source, artifacts, github, reporter, cutGitHub, liveLogs: new LiveLogs(), router: routes, schedules };
}

/** Says once, at start, what slipway cannot do without GitHub credentials. */
function warnWithoutCredentials(config: Config, log: Logger): void {
  const artifacts = config.apps.flatMap((app) => app.environments.filter((env) => env.artifact !== null).map((env) => `${app.name}/${env.name}`));
  log.warn(
    { ...(artifacts.length > 0 ? { failingEnvironments: artifacts } : {}) },
    'no github.token or github.app: slipway reports no deployments, statuses or pull request comments to GitHub, ' +
      'gates rely on webhooks alone, missed webhooks are not recovered, /slipway commands on pull requests are not obeyed (who comments cannot be checked), ' +
      'and workflow artifacts cannot be downloaded (deployments of them fail)',
  );
}

/**
 * Credentials for git over https to the configured apps' remotes: github.token, or the App's
 * installation token of the app's repository (asked for each time; cached and renewed by the
 * clients). Other remotes get none.
 */
function gitAuth(config: Config, github: GitHubClients): (remoteUrl: string) => Promise<{ token?: string }> {
  return async (remoteUrl) => {
    // The apps of now: a reload may have added one.
    const repo = config.apps.find((app) => app.url === remoteUrl)?.repo;
    return repo === undefined ? {} : { token: await github.gitToken(repo) };
  };
}

/** A target's report on a running process, as the store keeps it. */
function runtimeStatus(report: RuntimeReport): RuntimeStatus {
  const lastExit = report.lastSignal !== null ? `signal ${report.lastSignal}` : report.lastExitCode !== null ? `code ${report.lastExitCode}` : null;
  return { app: report.app, env: report.env, restarts: report.restarts, lastExit, crashed: report.state === 'crashed' };
}
