import type { IncomingMessage, ServerResponse } from 'node:http';
import { deploymentOutput } from '../engine/deployment-log.js';
import { InputError } from '../errors.js';
import type { EnvironmentStore } from '../store/store.js';
import { deploymentPage } from '../ui/deployment-page.js';
import { pageRoute, sendErrorPage, viewerOf, type DashboardAccess } from './dashboard.js';
import { findDeployment } from './environment-routes.js';
import { streamText, type LogSources } from './logs-route.js';
import type { Route } from './server.js';

/**
 * GET /deployments/:id — a deployment as a page (GitHub links here as its log): its timeline and
 * its log, which streams in while it runs; GET /deployments/:id/log — that log as text, followed
 * until the deployment ends.
 */
export function deploymentPageRoutes(access: DashboardAccess, store: EnvironmentStore, logs: LogSources): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/deployments\/([^/]+)$/,
      handler: pageRoute(access, async (_page, id = '') => {
        const deployment = await findDeployment(store, id);
        return { title: `Deployment ${deployment.id}`, section: null, body: deploymentPage(deployment, logs.live.get(deployment.id) !== undefined) };
      }),
    },
    { method: 'GET', path: /^\/deployments\/([^/]+)\/log$/, handler: logRoute(access, store, logs) },
  ];
}

function logRoute(access: DashboardAccess, store: EnvironmentStore, logs: LogSources) {
  return async (request: IncomingMessage, response: ServerResponse, _url: URL, id: string): Promise<void> => {
    const viewer = viewerOf(request, access);
    if (viewer === null) return sendErrorPage(response, new InputError('unauthorized', 'sign in to read deployment logs', 401), { csrf: null, canAct: false });
    const deployment = await findDeployment(store, id);
    const left = new AbortController();
    response.once('close', () => left.abort());
    const signal = AbortSignal.any([left.signal, logs.stopping]);
    await streamText(response, deploymentOutput(store, logs.live, deployment.id, { follow: true, signal }), signal);
  };
}
