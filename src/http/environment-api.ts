import type { Normalized } from '../events/normalize.js';
import type { EnvironmentStore, InboxStore, SignalStore } from '../store/store.js';
import { deployRoute, destroyRoute, extendRoute, rollbackRoute, type EnvironmentActions } from './environment-actions.js';
import { getDeploymentRoute, getEnvironmentRoute, listDeploymentsRoute, listEnvironmentsRoute } from './environment-routes.js';
import { gateRoute } from './gate-route.js';
import { logsRoute, type LogSources } from './logs-route.js';
import { replayDeliveryRoute } from './replay-route.js';
import type { Route } from './server.js';

const ENV = '([^/]+)/([^/]+)';

/**
 * The environment, deployment and replay API, all under the API access rule. `requeued` hands
 * a replayed delivery to the dispatcher, as ingest hands it new ones; `logs` says where output is read.
 */
export function environmentApiRoutes(
  actions: EnvironmentActions,
  store: EnvironmentStore & SignalStore & InboxStore,
  requeued: (id: string, normalized: Normalized) => void,
  logs: LogSources,
): Route[] {
  return [
    { method: 'GET', path: '/api/environments', private: true, handler: listEnvironmentsRoute(store) },
    { method: 'GET', path: new RegExp(`^/api/environments/${ENV}$`), private: true, handler: getEnvironmentRoute(store) },
    { method: 'POST', path: new RegExp(`^/api/environments/${ENV}/deploy$`), private: true, handler: deployRoute(actions) },
    { method: 'POST', path: new RegExp(`^/api/environments/${ENV}/destroy$`), private: true, handler: destroyRoute(actions) },
    { method: 'POST', path: new RegExp(`^/api/environments/${ENV}/rollback$`), private: true, handler: rollbackRoute(actions) },
    { method: 'POST', path: new RegExp(`^/api/environments/${ENV}/extend$`), private: true, handler: extendRoute(actions) },
    { method: 'GET', path: new RegExp(`^/api/environments/${ENV}/deployments$`), private: true, handler: listDeploymentsRoute(store) },
    { method: 'GET', path: new RegExp(`^/api/environments/${ENV}/gate$`), private: true, handler: gateRoute(actions.config, store) },
    { method: 'GET', path: new RegExp(`^/api/environments/${ENV}/logs$`), private: true, handler: logsRoute(store, logs) },
    { method: 'GET', path: /^\/api\/deployments\/([^/]+)$/, private: true, handler: getDeploymentRoute(store) },
    { method: 'POST', path: /^\/api\/deliveries\/([^/]+)\/replay$/, private: true, handler: replayDeliveryRoute(store, requeued) },
  ];
}
