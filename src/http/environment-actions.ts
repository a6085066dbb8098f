import type { IncomingMessage, ServerResponse } from 'node:http';
import { isFixedEnvironment } from '../config/environments.js';
import type { AppConfig, Config } from '../config/schema.js';
import { InputError } from '../errors.js';
import type { Environment, EnvironmentChange } from '../domain/environments.js';
import type { EnvironmentStore } from '../store/store.js';
import { branchOf, commitSha, isEnvironmentName, parseDeployRequest, pullRequestOf, SHA_HINT } from './deploy-request.js';
import { findEnvironment } from './environment-routes.js';
import { onlyFields, readJsonObject } from './json-body.js';
import { sendJson } from './respond.js';

/** Recorded as the source of API changes (where a delivery id goes for webhook changes). */
const API_SOURCE = 'api';

export interface EnvironmentActions {
  config: Config;
  store: EnvironmentStore;
  /** Desired state changed: the engine should converge now. */
  changed: () => void;
}

/**
 * POST /api/environments/:app/:env/deploy with `{ref}` (follow it), `{sha}` (pin it) or no body
 * (converge again to what is desired). A ref or sha creates the environment when it is new.
 */
export function deployRoute({ config, store, changed }: EnvironmentActions) {
  return async (request: IncomingMessage, response: ServerResponse, _url: URL, app: string, name: string): Promise<void> => {
    const appConfig = configuredApp(config, app);
    const wanted = parseDeployRequest(await readJsonObject(request));
    const current = await store.getEnvironment(app, name);
    const live = current?.present === true ? current : null;
    const trigger = 'api.deploy';
    let change: EnvironmentChange;
    if (wanted.kind === 'redeploy' || wanted.kind === 'refollow') {
      if (live === null) {
        const what = current === null ? `no environment ${app}/${name}` : `${app}/${name} was destroyed`;
        throw new InputError('not_found', `${what}; give a ref or a sha to deploy it`, 404);
      }
      change = wanted.kind === 'redeploy' ? { kind: 'nudge', app, env: name, trigger } : refollow(live, trigger);
    } else {
      if (live === null && !isEnvironmentName(name)) {
        throw new InputError('invalid_name', 'an environment name is 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"');
      }
      if (wanted.kind === 'pin') {
        change = { kind: 'pin', app, env: name, sha: wanted.sha, trigger };
      } else {
        // A fixed environment keeps its configured TTL; another keeps the one it had.
        const fixed = appConfig.environments.find((env) => isFixedEnvironment(env) && env.name === name);
        const ttlMs = fixed !== undefined ? fixed.ttlMs : (current?.ttlMs ?? null);
        const { ref } = wanted;
        change = { kind: 'follow', app, env: name, ref, shaHint: null, pr: pullRequestOf(ref), branch: branchOf(ref), ttlMs, trigger };
      }
    }
    await store.changeEnvironments([change], API_SOURCE);
    changed();
    sendJson(response, 202, { accepted: true });
  };
}

/** Follow the ref the environment had again: ends a pin or a rollback and lifts a quarantine. */
function refollow(env: Environment, trigger: string): EnvironmentChange {
  if (env.desiredRef === null) {
    throw new InputError('no_ref', `${env.app}/${env.name} was only ever pinned to a sha; give a ref to follow`, 409);
  }
  const { app, name, desiredRef: ref, pr, branch, ttlMs } = env;
  return { kind: 'follow', app, env: name, ref, shaHint: null, pr, branch, ttlMs, trigger, clearQuarantine: true };
}

/**
 * POST /api/environments/:app/:env/rollback with `{to?: sha}` — back to the last sha that
 * succeeded before the one running (or to `to`), pinned there; the sha it ran is quarantined.
 */
export function rollbackRoute({ config, store, changed }: EnvironmentActions) {
  return async (request: IncomingMessage, response: ServerResponse, _url: URL, app: string, name: string): Promise<void> => {
    configuredApp(config, app);
    const body = await readJsonObject(request);
    if (body !== undefined) onlyFields(body, ['to']);
    if (body?.to !== undefined && typeof body.to !== 'string') throw new InputError('invalid_sha', SHA_HINT);
    const env = await findEnvironment(store, app, name);
    if (!env.present) throw new InputError('not_found', `${app}/${name} was destroyed; deploy it again instead`, 404);
    const to = body?.to === undefined ? await lastGoodSha(store, env) : commitSha(body.to);
    if (to === null) {
      throw new InputError('nothing_to_roll_back', `${app}/${name} has no earlier successful deployment to go back to; give a sha (--to)`, 409);
    }
    if (to === env.observedSha && (env.state === 'ready' || env.state === 'sleeping')) {
      throw new InputError('already_running', `${app}/${name} already runs ${to}`, 409);
    }
    const change: EnvironmentChange = {
      kind: 'rollback', app, env: name, trigger: 'api.rollback', reason: 'rolled back by hand', failedSha: null, toSha: to, quarantine: true,
    };
    await store.changeEnvironments([change], API_SOURCE);
    changed();
    sendJson(response, 202, { accepted: true, from: env.observedSha, to });
  };
}

/** The newest successful deployment's sha other than the one running, or null. */
async function lastGoodSha(store: EnvironmentStore, env: Environment): Promise<string | null> {
  const deployments = await store.listDeployments(env.id, ROLLBACK_SEARCH);
  return deployments.find((d) => d.state === 'success' && d.sha !== null && d.sha !== env.observedSha)?.sha ?? null;
}

/** How far back a rollback looks for a good sha. */
const ROLLBACK_SEARCH = 1000;

/** POST /api/environments/:app/:env/destroy — tear a live environment down. */
export function destroyRoute({ config, store, changed }: EnvironmentActions) {
  return async (request: IncomingMessage, response: ServerResponse, _url: URL, app: string, name: string): Promise<void> => {
    configuredApp(config, app);
    const body = await readJsonObject(request);
    if (body !== undefined) onlyFields(body, []);
    const env = await findEnvironment(store, app, name);
    if (!env.present) {
      throw new InputError('not_found', `${app}/${name} is already ${env.state === 'destroyed' ? 'destroyed' : 'being destroyed'}`, 404);
    }
    const reason = 'destroyed through the API';
    await store.changeEnvironments([{ kind: 'destroy', app, env: name, reason, trigger: 'api.destroy' }], API_SOURCE);
    changed();
    sendJson(response, 202, { accepted: true });
  };
}

/** The app as configured, or a 404 that lists the apps there are. */
function configuredApp(config: Config, name: string): AppConfig {
  const app = config.apps.find((candidate) => candidate.name === name);
  if (app !== undefined) return app;
  const known = config.apps.map((candidate) => candidate.name);
  const expected = known.length === 0 ? 'no apps are configured' : `expected one of: ${known.join(', ')}`;
  throw new InputError('not_found', `unknown app "${name}"; ${expected}`, 404);
}

