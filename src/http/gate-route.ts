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

/** The gate an environment's configured rule sets, with its app's repository; null when it has none. */
export function gateOf(config: Config, app: string, env: Pick<Environment, 'name' | 'rule'>): { repo: string; gate: GateConfig } | null {
  const appConfig = config.apps.find((candidate) => candidate.name === app);
  const gate = appConfig === undefined ? null : (ruleOf(appConfig, env)?.gate ?? null);
  return appConfig === undefined || gate === null ? null : { repo: appConfig.repo, gate };
}

/** Which of the gate's required CI signals passed, are missing or failed for `sha` (what `slipway explain APP ENV` prints). */
export async function gateReport(store: SignalStore, app: string, env: string, gated: { repo: string; gate: GateConfig }, sha: string): Promise<GateReport> {
  const verdict = evaluateGate(gated.gate, await store.signalsFor(gated.repo, sha));
  return { app, env, sha, gate: gated.gate, verdict };
}

/**
 * GET /api/environments/:app/:env/gate[?sha=SHA] — for a commit (default: the one the
 * environment deployed or waits on last), which required CI signals passed, are missing or failed.
 */
export function gateRoute(config: Config, store: EnvironmentStore & SignalStore) {
  return async (_request: IncomingMessage, response: ServerResponse, url: URL, app: string, name: string): Promise<void> => {
    const known = await store.getEnvironment(app, name);
    const gated = gateOf(config, app, known ?? { name, rule: null });
    if (gated === null) {
      throw new InputError('no_gate', `${app}/${name} has no gate: add gate: to its environment in the config`, 404);
    }
    const asked = url.searchParams.get('sha');
    // With a sha the gate can be read before the environment exists (signals may come first).
    const sha = asked !== null ? commitSha(asked) : await lastSha(known ?? (await findEnvironment(store, app, name)), store);
    if (sha === null) throw new InputError('no_sha', `${app}/${name} has no commit yet; give one with ?sha=`, 404);
    sendJson(response, 200, await gateReport(store, app, name, gated, sha));
  };
}
