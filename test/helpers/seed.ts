import assert from 'node:assert/strict';
import type { Environment, EnvironmentChange, FinalDeploymentState } from '../../src/domain/environments.js';
import type { Store } from '../../src/store/store.js';

/** A follow of `ref` for `app`/`env`, as a webhook's would be; `overrides` change any field. */
export function follow(app: string, env: string, ref: string, overrides: Partial<Extract<EnvironmentChange, { kind: 'follow' }>> = {}): EnvironmentChange {
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  return { kind: 'follow', app, env, ref, shaHint: null, pr: null, branch, ttlMs: null, trigger: 'push', ...overrides };
}

export interface SeededDeployment {
  state: FinalDeploymentState;
  sha: string;
  trigger?: string;
  url?: string;
}

/**
 * Writes finished deployments of an environment straight into the store, holding its lease as the
 * reconciler would (so only an environment the engine leaves alone, of an app not configured, is
 * safe to seed this way). Resolves to the environment as it is afterwards.
 */
export async function seedDeployments(store: Store, app: string, name: string, deployments: SeededDeployment[]): Promise<Environment> {
  const env = await store.getEnvironment(app, name);
  assert.ok(env !== null, `${app}/${name} exists`);
  const lease = `env:${env.id}`;
  const token = await store.acquireLease(lease, 'test-seed', 60_000);
  assert.ok(token !== null, `the test holds ${lease}`);
  const fence = { lease, token };
  for (const { state, sha, trigger = 'push', url = null } of deployments) {
    const begun = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha, ref: env.desiredRef, trigger, deliveryId: null, fence });
    await store.completeDeployment({ id: begun.id, state, error: state === 'success' ? null : `deploy command exited with code 1`, log: '', url, fence });
  }
  await store.releaseLease(lease, 'test-seed');
  const after = await store.getEnvironment(app, name);
  assert.ok(after !== null);
  return after;
}
