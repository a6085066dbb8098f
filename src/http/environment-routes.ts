import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError } from '../errors.js';
import type { DeploymentDetail, Environment } from '../domain/environments.js';
import type { EnvironmentStore } from '../store/store.js';
import { environmentDetail, environmentSummary } from './environment-view.js';
import { sendJson } from './respond.js';

/** How many deployments `GET /api/environments/:app/:env` shows, newest first. */
export const RECENT_DEPLOYMENTS = 20;

/** GET /api/environments[?all=1] — live environments by app and name; `all` adds destroyed ones. */
export function listEnvironmentsRoute(store: EnvironmentStore) {
  return async (_request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const includeDestroyed = flag(url.searchParams, 'all');
    const environments = await store.listEnvironments({ includeDestroyed });
    sendJson(response, 200, { environments: environments.map(environmentSummary) });
  };
}

/** GET /api/environments/:app/:env — one environment and its recent deployments. */
export function getEnvironmentRoute(store: EnvironmentStore) {
  return async (_request: IncomingMessage, response: ServerResponse, _url: URL, app: string, name: string): Promise<void> => {
    const env = await findEnvironment(store, app, name);
    const deployments = await store.listDeployments(env.id, RECENT_DEPLOYMENTS);
    sendJson(response, 200, environmentDetail(env, deployments));
  };
}

/** How many deployments `GET …/deployments` returns unless `limit` says otherwise, and at most. */
export const HISTORY_DEFAULT = 50;
export const HISTORY_MAX = 1000;

/** GET /api/environments/:app/:env/deployments[?limit=N] — its deployments, newest first. */
export function listDeploymentsRoute(store: EnvironmentStore) {
  return async (_request: IncomingMessage, response: ServerResponse, url: URL, app: string, name: string): Promise<void> => {
    const raw = url.searchParams.get('limit');
    if (raw !== null && !/^[1-9][0-9]{0,5}$/.test(raw)) throw new InputError('invalid_query', `limit must be a whole number from 1 to ${HISTORY_MAX}`);
    const limit = raw === null ? HISTORY_DEFAULT : Math.min(Number(raw), HISTORY_MAX);
    const env = await findEnvironment(store, app, name);
    sendJson(response, 200, { app, name, deployments: await store.listDeployments(env.id, limit) });
  };
}

/** GET /api/deployments/:id — one deployment with its timeline and log. */
export function getDeploymentRoute(store: EnvironmentStore) {
  return async (_request: IncomingMessage, response: ServerResponse, _url: URL, id: string): Promise<void> => {
    sendJson(response, 200, await findDeployment(store, id));
  };
}

/** The deployment with its timeline and log, or a 400 for an id that is not one, or a 404. */
export async function findDeployment(store: EnvironmentStore, id: string): Promise<DeploymentDetail> {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new InputError('invalid_id', 'a deployment id is a positive whole number');
  const deployment = await store.getDeployment(Number(id));
  if (deployment === null) throw new InputError('not_found', `no deployment with id ${id}`, 404);
  return deployment;
}

/** The environment, or a 404 that names it. */
export async function findEnvironment(store: EnvironmentStore, app: string, name: string): Promise<Environment> {
  const env = await store.getEnvironment(app, name);
  if (env === null) throw new InputError('not_found', `no environment ${app}/${name}; "slipway envs" lists them`, 404);
  return env;
}

/** A yes/no query parameter: absent, `0` or `false` is no; present empty, `1` or `true` is yes. */
export function flag(params: URLSearchParams, name: string): boolean {
  const raw = params.get(name);
  if (raw === null || raw === '0' || raw === 'false') return false;
  if (raw === '' || raw === '1' || raw === 'true') return true;
  throw new InputError('invalid_query', `${name} must be 1 or 0 (true or false)`);
}
