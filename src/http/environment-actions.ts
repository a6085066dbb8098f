import type { IncomingMessage, ServerResponse } from 'node:http';
import { isFixedEnvironment } from '../config/environments.js';
import type { AppConfig, Config } from '../config/schema.js';
import { InputError } from '../errors.js';
import type { Deployment, Environment, EnvironmentChange } from '../domain/environments.js';
import { parseExtension, planCommand } from '../policy/commands.js';
import type { EnvironmentStore } from '../store/store.js';
import { branchOf, commitSha, isEnvironmentName, parseDeployRequest, pullRequestOf, SHA_HINT, type DeployRequest } from './deploy-request.js';
import { findEnvironment } from './environment-routes.js';
import { onlyFields, readJsonObject } from './json-body.js';
import { sendJson } from './respond.js';

/** Recorded as the source of API changes (where a delivery id goes for webhook changes). */
const API_SOURCE = 'api';

/**
 * What the JSON API and the dashboard's forms change, through the same functions: each checks
 * what it is asked, refuses with an InputError (changing nothing), or changes desired state.
 */
export interface EnvironmentActions {
  config: Config;
  store: EnvironmentStore;
  /** Desired state changed: the engine should converge now. */
  changed: () => void;
}

type Route = (request: IncomingMessage, response: ServerResponse, url: URL, app: string, name: string) => Promise<void>;

/**
 * Follow a ref, pin a sha, follow the ref it had again, or converge again to what is desired.
 * A ref or sha creates the environment when it is new.
 */
export async function deployEnvironment({ config, store, changed }: EnvironmentActions, app: string, name: string, wanted: DeployRequest): Promise<EnvironmentChange> {
  const appConfig = configuredApp(config, app);
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
  return change;
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
 * Back to the last sha that succeeded before the one running (or to `to`), pinned there; the
 * sha it ran is quarantined.
 */
export async function rollbackEnvironment({ config, store, changed }: EnvironmentActions, app: string, name: string, to: string | null): Promise<{ from: string | null; to: string }> {
  configuredApp(config, app);
  const env = await findEnvironment(store, app, name);
  if (!env.present) throw new InputError('not_found', `${app}/${name} was destroyed; deploy it again instead`, 404);
  const target = to === null ? rollbackCandidates(env, await store.listDeployments(env.id, ROLLBACK_SEARCH))[0] ?? null : commitSha(to);
  if (target === null) {
    throw new InputError('nothing_to_roll_back', `${app}/${name} has no earlier successful deployment to go back to; give a sha (--to)`, 409);
  }
  if (target === env.observedSha && (env.state === 'ready' || env.state === 'sleeping')) {
    throw new InputError('already_running', `${app}/${name} already runs ${target}`, 409);
  }
  const change: EnvironmentChange = {
    kind: 'rollback', app, env: name, trigger: 'api.rollback', reason: 'rolled back by hand', failedSha: null, toSha: target, quarantine: true,
  };
  await store.changeEnvironments([change], API_SOURCE);
  changed();
  return { from: env.observedSha, to: target };
}

/** Shas a rollback may go back to, newest first: those that deployed successfully, other than the one running. */
export function rollbackCandidates(env: Environment, deployments: readonly Deployment[]): string[] {
  const shas = deployments.filter((d) => d.state === 'success' && d.sha !== null && d.sha !== env.observedSha).map((d) => d.sha as string);
  return [...new Set(shas)];
}

/** How far back a rollback looks for a good sha. */
const ROLLBACK_SEARCH = 1000;

/** Tear a live environment down. */
export async function destroyEnvironment({ config, store, changed }: EnvironmentActions, app: string, name: string): Promise<void> {
  configuredApp(config, app);
  const env = await findEnvironment(store, app, name);
  if (!env.present) {
    throw new InputError('not_found', `${app}/${name} is already ${env.state === 'destroyed' ? 'destroyed' : 'being destroyed'}`, 404);
  }
  const reason = 'destroyed through the API';
  await store.changeEnvironments([{ kind: 'destroy', app, env: name, reason, trigger: 'api.destroy' }], API_SOURCE);
  changed();
}

/**
 * Push a live environment's expiry out by `by` (`2d`), as `/slipway extend 2d` does: its TTL
 * counts from now, then `by` more. Resolves to the new expiry (ms).
 */
export async function extendEnvironment({ config, store }: EnvironmentActions, app: string, name: string, by: string): Promise<number> {
  configuredApp(config, app);
  const extension = parseExtension(by);
  if ('reason' in extension) throw new InputError('invalid_duration', extension.reason);
  const env = await findEnvironment(store, app, name);
  if (!env.present) throw new InputError('not_found', `${app}/${name} was destroyed; deploy it again instead`, 404);
  const plan = planCommand({ verb: 'extend', ms: extension.ms }, [env], 'api', Date.now());
  if ('refused' in plan) throw new InputError('does_not_expire', plan.refused, 409);
  await store.changeEnvironments(plan.changes, API_SOURCE);
  const extended = await findEnvironment(store, app, name);
  return extended.expiresAt ?? 0;
}

/**
 * A JSON API route for an action on an environment: the app must be configured and the body, when
 * given, may carry only `fields` (null: the action checks its body itself); `act` gives the answer.
 */
function jsonActionRoute(actions: EnvironmentActions, fields: readonly string[] | null, act: (body: Record<string, unknown> | undefined, app: string, name: string) => Promise<[number, unknown]>): Route {
  return async (request, response, _url, app, name) => {
    configuredApp(actions.config, app);
    const body = await readJsonObject(request);
    if (body !== undefined && fields !== null) onlyFields(body, fields);
    const [status, answer] = await act(body, app, name);
    sendJson(response, status, answer);
  };
}

/** POST /api/environments/:app/:env/deploy with `{ref}` (follow it), `{sha}` (pin it), `{follow: true}` or no body (converge again). */
export function deployRoute(actions: EnvironmentActions): Route {
  return jsonActionRoute(actions, null, async (body, app, name) => {
    await deployEnvironment(actions, app, name, parseDeployRequest(body));
    return [202, { accepted: true }];
  });
}

/** POST /api/environments/:app/:env/rollback with `{to?: sha}`. */
export function rollbackRoute(actions: EnvironmentActions): Route {
  return jsonActionRoute(actions, ['to'], async (body, app, name) => {
    if (body?.to !== undefined && typeof body.to !== 'string') throw new InputError('invalid_sha', SHA_HINT);
    return [202, { accepted: true, ...(await rollbackEnvironment(actions, app, name, body?.to ?? null)) }];
  });
}

/** POST /api/environments/:app/:env/destroy — tear a live environment down. */
export function destroyRoute(actions: EnvironmentActions): Route {
  return jsonActionRoute(actions, [], async (_body, app, name) => {
    await destroyEnvironment(actions, app, name);
    return [202, { accepted: true }];
  });
}

/** POST /api/environments/:app/:env/extend with `{by: "2d"}` — it expires that much later; answers its new expiry. */
export function extendRoute(actions: EnvironmentActions): Route {
  return jsonActionRoute(actions, ['by'], async (body, app, name) => {
    if (typeof body?.by !== 'string') throw new InputError('bad_body', 'give how much longer it should live, such as {"by": "2d"}');
    return [200, { app, env: name, expiresAt: await extendEnvironment(actions, app, name, body.by) }];
  });
}

/** The app as configured, or a 404 that lists the apps there are. */
function configuredApp(config: Config, name: string): AppConfig {
  const app = config.apps.find((candidate) => candidate.name === name);
  if (app !== undefined) return app;
  const known = config.apps.map((candidate) => candidate.name);
  const expected = known.length === 0 ? 'no apps are configured' : `expected one of: ${known.join(', ')}`;
  throw new InputError('not_found', `unknown app "${name}"; ${expected}`, 404);
}
