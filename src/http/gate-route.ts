import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config, GateConfig } from '../config/schema.js';
import { evaluateGate, type GateVerdict } from '../engine/gate.js';
import { ruleOf } from '../policy/rules.js';
import { InputError } from '../errors.js';
import type { Environment } from '../domain/environments.js';
import type { EnvironmentStore, SignalStore } from '../store/store.js';
import { commitSha } from './deploy-request.js';
import { findEnvironment } from './environment-routes.js';
import { sendJson } from './respond.js';

/** What `GET /api/environments/:app/:env/gate` answers (and `slipway explain APP ENV` prints). */
export interface GateReport {
  app: string;
  env: string;
  sha: string;
  gate: GateConfig;
  verdict: GateVerdict;
}

/** The commit the environment deployed or waits on last. */
async function lastSha(env: Environment, store: EnvironmentStore & SignalStore): Promise<string | null> {
  const [latest] = await store.listDeployments(env.id, 1);
  return latest?.sha ?? env.observedSha;
}

/**
 * GET /api/environments/:app/:env/gate[?sha=SHA] — for a commit (default: the one the
 * environment deployed or waits on last), which required CI signals passed, are missing or failed.
 */
export function gateRoute(config: Config, store: EnvironmentStore & SignalStore) {
  return async (_request: IncomingMessage, response: ServerResponse, url: URL, app: string, name: string): Promise<void> => {
    const appConfig = config.apps.find((candidate) => candidate.name === app);
    const known = await store.getEnvironment(app, name);
    const rule = appConfig === undefined ? null : ruleOf(appConfig, known ?? { name, rule: null });
    if (appConfig === undefined || rule === null || rule.gate === null) {
      throw new InputError('no_gate', `${app}/${name} has no gate: add gate: to its environment in the config`, 404);
    }
    const asked = url.searchParams.get('sha');
    // With a sha the gate can be read before the environment exists (signals may come first).
    const sha = asked !== null ? commitSha(asked) : await lastSha(known ?? (await findEnvironment(store, app, name)), store);
    if (sha === null) throw new InputError('no_sha', `${app}/${name} has no commit yet; give one with ?sha=`, 404);
    const verdict = evaluateGate(rule.gate, await store.signalsFor(appConfig.repo, sha));
    sendJson(response, 200, { app, env: name, sha, gate: rule.gate, verdict } satisfies GateReport);
  };
}
