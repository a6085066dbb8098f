import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.js';
import { connectionBudget, readOpenFileLimit } from './connection-budget.js';
import { Dispatcher } from './engine/dispatcher.js';
import { startEngine } from './engine/engine.js';
import { applyPolicy } from './policy/policy.js';
import { getDeliveryRoute, listDeliveriesRoute } from './http/api-routes.js';
import { deploymentPageRoute } from './http/deployment-page.js';
import { environmentApiRoutes } from './http/environment-api.js';
import { createMetrics } from './metrics.js';
import { sendJson } from './http/respond.js';
import { createHttpServer, type Route } from './http/server.js';
import { webhookRoute } from './http/webhook-route.js';
import { Inbox } from './ingest/inbox.js';
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
  const engine = await startEngine(config, store, log, metrics, router?.routes ?? null).catch(async (error: unknown) => {
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
  const inbox = new Inbox(store, secrets);
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/webhooks/github',
      handler: webhookRoute({
        inbox,
        metrics,
        log: log.child({ component: 'ingest' }),
        maxBodyBytes: config.server.maxBodyBytes,
        maxUnverifiedBytes: config.server.maxUnverifiedBytes,
        onAccepted: (id, normalized) => dispatcher.accepted(id, normalized),
      }),
    },
    { method: 'GET', path: '/healthz', handler: (_req, res) => sendJson(res, 200, { ok: true }) },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_req, res) => {
        const storeOk = await store.ping().then(() => true, () => false);
        const ready = storeOk && dispatcher.running;
        sendJson(res, ready ? 200 : 503, { ready, store: storeOk, dispatcher: dispatcher.running });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      private: true,
      handler: async (_req, res) => {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      },
    },
    // GitHub links here as a deployment's log: the API's access rule.
    { method: 'GET', path: /^\/deployments\/([^/]+)$/, private: true, handler: deploymentPageRoute(store) },
    { method: 'GET', path: '/api/deliveries', private: true, handler: listDeliveriesRoute(store) },
    { method: 'GET', path: /^\/api\/deliveries\/([^/]+)$/, private: true, handler: getDeliveryRoute(store) },
    ...environmentApiRoutes({ config, store, changed: () => engine.nudge() }, store, (id, normalized) => dispatcher.accepted(id, normalized)),
  ];
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
