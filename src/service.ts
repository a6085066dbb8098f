import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from './config/schema.js';
import { connectionBudget, readOpenFileLimit } from './connection-budget.js';
import { Dispatcher } from './engine/dispatcher.js';
import { startEngine, type EngineParts } from './engine/engine.js';
import type { AppRuntime } from './engine/ports.js';
import type { RuntimeStatus } from './domain/environments.js';
import { clientsFromConfig, type GitHubClients } from './github/client.js';
import { Reporter } from './github/reporter.js';
import { applyPolicy } from './policy/policy.js';
import { createHttpServer } from './http/server.js';
import { serviceRoutes } from './http/service-routes.js';
import { createMetrics, type Metrics } from './metrics.js';
import { Inbox } from './ingest/inbox.js';
import { ArtifactSource } from './source/artifact-source.js';
import { GitSource } from './source/git-source.js';
import { createTarget } from './targets/registry.js';
import type { RouteSwitch } from './targets/process/routes.js';
import type { RuntimeReport } from './targets/target.js';
import type { Logger } from './logger.js';
import { RouteTable } from './router/routes.js';
import { startRouter, type RouterOptions } from './router/router.js';
import type { Store } from './store/store.js';

export interface ServiceOptions {
  config: Config;
  store: Store;
  log: Logger;
  /** Webhook secrets; null accepts unsigned requests (--insecure-skip-signature). */
  secrets: readonly string[] | null;
  /** The token every /api, /metrics and /deployments request must send. */
  apiToken: string;
  port: number;
  host: string;
  /** The router's port, instead of `router.port` (0: any free port). */
  routerPort?: number;
}

export interface Service {
  port: number;
  url: string;
  /** The router's address, when an app runs on the process target. */
  routerUrl: string | null;
  /** Stops taking requests, lets those in flight finish (up to `graceMs`), stops the dispatcher. */
  close(graceMs?: number): Promise<void>;
}

/** Builds and starts one slipway instance on the given store: the HTTP listener and the dispatcher. */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, store, log, secrets } = options;
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
  const engine = await startEngine(engineParts(config, store, log, metrics, router?.routes ?? null)).catch(async (error: unknown) => {
    await router?.close();
    throw error;
  });
  router?.serve();
  const dispatcher = new Dispatcher({
    store,
    log: log.child({ component: 'dispatcher' }),
    metrics,
    policy: (event) => applyPolicy(event, config),
    onChanged: () => engine.nudge(),
  });
  const routes = serviceRoutes({
    config,
    store,
    metrics,
    log,
    inbox: new Inbox(store, secrets),
    accepted: (id, normalized) => dispatcher.accepted(id, normalized),
    dispatching: () => dispatcher.running,
    changed: () => engine.nudge(),
  });
  const server = createHttpServer({
    routes,
    log,
    access: { apiToken: options.apiToken, publicUrl: config.server.publicUrl },
    limits: { ...config.server.listener, maxConnections: budget.server },
    onRefused: refused('server'),
  });
  dispatcher.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await dispatcher.stop();
    await engine.stop();
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
    const inFlight = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Keep-alive connections close as soon as their current response is sent.
    server.on('request', (_req, res) => res.setHeader('connection', 'close'));
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    await inFlight;
    clearTimeout(deadline);
    await dispatcher.stop();
    await engine.stop();
    await router?.close();
  };
  return {
    port,
    routerUrl: router?.url ?? null,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
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
  const routes = new RouteTable({ domain: config.router.domain, publicPort: port, serving: false });
  const router = await startRouter({ host: config.router.host, port, routes, log: log.child({ component: 'router' }), ...listener });
  routes.listening(router.port);
  log.info({ url: router.url, domain: config.router.domain }, 'router listening: environments answer at http://<env>.<app>.<domain>');
  return { routes, url: router.url, serve: () => routes.open(), close: () => router.close() };
}

function runsRouter(config: Config): boolean {
  return config.apps.some((app) => app.target.type === 'process');
}

/**
 * What the engine runs on: each app with its target, the git source, and with GitHub
 * credentials the clients (made with the engine's stop signal), the artifact source and the
 * reporter; without them a warning says once what slipway cannot do.
 */
export function engineParts(config: Config, store: Store, log: Logger, metrics: Metrics, routes: RouteSwitch | null): EngineParts {
  const onRuntime = (report: RuntimeReport) => {
    store.recordRuntime(runtimeStatus(report)).catch((error: unknown) => log.error({ err: error }, 'cannot record a process status'));
  };
  const apps = new Map<string, AppRuntime>();
  for (const app of config.apps) {
    const target = createTarget(app.target, { app: app.name, dataDir: config.store.dataDir, workDir: config.store.workDir, routes, log, onRuntime });
    apps.set(app.name, { name: app.name, repo: app.repo, remoteUrl: app.url, target, vars: app.env, secretVars: app.secretEnv, environments: app.environments });
  }
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
  const reporter = github === null ? null : new Reporter({
    store,
    clients: github,
    apps,
    publicUrl: config.server.publicUrl ?? null,
    log: log.child({ component: 'reporter' }),
  });
  return { config, store, log, metrics, apps, source, artifacts, github, reporter, cutGitHub };
}

/** Says once, at start, what slipway cannot do without GitHub credentials. */
function warnWithoutCredentials(config: Config, log: Logger): void {
  const artifacts = config.apps.flatMap((app) => app.environments.filter((env) => env.artifact !== null).map((env) => `${app.name}/${env.name}`));
  log.warn(
    { ...(artifacts.length > 0 ? { failingEnvironments: artifacts } : {}) },
    'no github.token or github.app: slipway reports no deployments, statuses or pull request comments to GitHub, ' +
      'gates rely on webhooks alone, missed webhooks are not recovered, and workflow artifacts cannot be downloaded (deployments of them fail)',
  );
}

/**
 * Credentials for git over https to the configured apps' remotes: github.token, or the App's
 * installation token of the app's repository (asked for each time; cached and renewed by the
 * clients). Other remotes get none.
 */
function gitAuth(config: Config, github: GitHubClients): (remoteUrl: string) => Promise<{ token?: string }> {
  const repos = new Map(config.apps.map((app) => [app.url, app.repo]));
  return async (remoteUrl) => {
    const repo = repos.get(remoteUrl);
    return repo === undefined ? {} : { token: await github.gitToken(repo) };
  };
}

/** A target's report on a running process, as the store keeps it. */
function runtimeStatus(report: RuntimeReport): RuntimeStatus {
  const lastExit = report.lastSignal !== null ? `signal ${report.lastSignal}` : report.lastExitCode !== null ? `code ${report.lastExitCode}` : null;
  return { app: report.app, env: report.env, restarts: report.restarts, lastExit, crashed: report.state === 'crashed' };
}
