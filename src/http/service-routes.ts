import type { ReloadOutcome } from '../config/changes.js';
import type { Config } from '../config/schema.js';
import type { Dispatcher } from '../engine/dispatcher.js';
import type { Normalized } from '../events/normalize.js';
import type { Inbox } from '../ingest/inbox.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Status } from '../status.js';
import type { ChangeFeed } from '../store/changes.js';
import type { Store } from '../store/store.js';
import { getDeliveryRoute, listDeliveriesRoute } from './api-routes.js';
import type { DashboardAccess } from './dashboard.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { deploymentPageRoutes } from './deployment-page.js';
import { environmentApiRoutes } from './environment-api.js';
import { notificationRoutes, type NotificationDesk } from './notification-routes.js';
import type { LogSources } from './logs-route.js';
import { reloadRoute } from './reload-route.js';
import { sendJson } from './respond.js';
import type { Route } from './server.js';
import { webhookRoute } from './webhook-route.js';

export interface ServiceRouteOptions {
  config: Config;
  store: Store;
  metrics: Metrics;
  log: Logger;
  inbox: Inbox;
  /** Hands a delivery (new, or replayed) to the dispatcher. */
  accepted: (id: string, normalized: Normalized) => void;
  /** Part of readiness: whether the dispatcher runs and reaches the store. */
  dispatcher: Pick<Dispatcher, 'running' | 'reaches'>;
  /** Desired state changed through the API: the engine should converge now. */
  changed: () => void;
  /** Where `slipway logs` reads output: the apps' targets and the deployments running here. */
  logs: LogSources;
  /** Reads the config file again and puts it in force (`slipway reload`). */
  reload: () => Promise<ReloadOutcome>;
  /** Who may see the dashboard and act in it. */
  access: DashboardAccess;
  /** What the store's writes changed: the dashboard's live updates. */
  changes: ChangeFeed;
  /** Resends notifications and tests receivers. */
  notifications: NotificationDesk;
  /** The sizes that grow and the background jobs' last runs (`slipway status`). */
  status: () => Promise<Status>;
}

/** How long /readyz waits for a failing dispatcher to look again, once the store answered it: a claim, well within a probe's timeout. */
const RECHECK_MS = 1_000;

/** Every route of slipway's HTTP listener: the webhook, health, metrics, the JSON API and the dashboard. */
export function serviceRoutes(options: ServiceRouteOptions): Route[] {
  const { config, store, metrics, log, inbox, accepted } = options;
  const actions = { config, store, changed: options.changed };
  return [
    {
      method: 'POST',
      path: '/webhooks/github',
      handler: webhookRoute({
        inbox,
        metrics,
        log: log.child({ component: 'ingest' }),
        maxBodyBytes: config.server.maxBodyBytes,
        maxUnverifiedBytes: config.server.maxUnverifiedBytes,
        onAccepted: accepted,
      }),
    },
    { method: 'GET', path: '/healthz', handler: (_req, res) => sendJson(res, 200, { ok: true }) },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_req, res) => {
        const storeOk = await store.ping().then(() => true, () => false);
        // The store answers: a dispatcher waiting out its backoff after an outage looks again
        // now, so readiness comes back with the store rather than up to 30 s after it.
        const dispatcher = storeOk ? await options.dispatcher.reaches(RECHECK_MS) : options.dispatcher.running;
        sendJson(res, storeOk && dispatcher ? 200 : 503, { ready: storeOk && dispatcher, store: storeOk, dispatcher });
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
    { method: 'GET', path: '/api/deliveries', private: true, handler: listDeliveriesRoute(store) },
    { method: 'GET', path: /^\/api\/deliveries\/([^/]+)$/, private: true, handler: getDeliveryRoute(store) },
    { method: 'POST', path: '/api/reload', private: true, handler: reloadRoute(options.reload) },
    { method: 'GET', path: '/api/status', private: true, handler: async (_req, res) => sendJson(res, 200, await options.status()) },
    ...environmentApiRoutes(actions, store, accepted, options.logs),
    ...notificationRoutes(store, options.notifications),
    ...dashboardRoutes({ config, store, access: options.access, changes: options.changes, actions, requeued: accepted, logs: options.logs }),
    // GitHub links here as a deployment's log.
    ...deploymentPageRoutes(options.access, store, options.logs),
  ];
}
