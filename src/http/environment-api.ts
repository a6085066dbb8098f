import type { Normalized } from '../events/normalize.js';
import { deployRoute, destroyRoute, type EnvironmentActions } from './environment-actions.js';
import { getDeploymentRoute, getEnvironmentRoute, listEnvironmentsRoute } from './environment-routes.js';
import { replayDeliveryRoute } from './replay-route.js';
import type { Route } from './server.js';

const ENV = '([^/]+)/([^/]+)';

/**
 * The environment, deployment and replay API, all under the API access rule. `requeued` hands
 * a replayed delivery to the dispatcher, as ingest hands it new ones.
 */
export function environmentApiRoutes(actions: EnvironmentActions, requeued: (id: string, normalized: Normalized) => void): Route[] {
  const { store } = actions;
  return [
    { method: 'GET', path: '/api/environments', private: true, handler: listEnvironmentsRoute(store) },
    { method: 'GET', path: new RegExp(`^/api/environments/${ENV}$`), private: true, handler: getEnvironmentRoute(store) },
    { method: 'POST', path: new RegExp(`^/api/environments/${ENV}/deploy$`), private: true, handler: deployRoute(actions) },
    { method: 'POST', path: new RegExp(`^/api/environments/${ENV}/destroy$`), private: true, handler: destroyRoute(actions) },
    { method: 'GET', path: /^\/api\/deployments\/([^/]+)$/, private: true, handler: getDeploymentRoute(store) },
    { method: 'POST', path: /^\/api\/deliveries\/([^/]+)\/replay$/, private: true, handler: replayDeliveryRoute(store, requeued) },
  ];
}
