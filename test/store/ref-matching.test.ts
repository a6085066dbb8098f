import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { slugName } from '../../src/names.js';
import type { EnvironmentChange } from '../../src/domain/environments.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';

// Environments made per branch by a template are matched by the ref they follow: those named
// before names were unique per ref (br-feature-login for feature/login) keep being found after
// an upgrade, and a destroy takes only the environment that follows the ref it names.

const RULE = 'br-{branch}';
const follow = (env: string, branch: string, rule = RULE): EnvironmentChange => ({
  kind: 'follow', app: 'web', env, ref: `refs/heads/${branch}`, shaHint: null, pr: null, branch, ttlMs: null, trigger: 'push', rule,
});
const destroy = (env: string, branch: string): EnvironmentChange => ({
  kind: 'destroy', app: 'web', env, ref: `refs/heads/${branch}`, rule: RULE, reason: `branch ${branch} was deleted`, trigger: 'delete',
});

async function open(t: TestContext) {
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  return store;
}

test('after an upgrade, a follow of a ref moves the environment named the old way instead of making another', async (t) => {
  const store = await open(t);
  await store.changeEnvironments([follow('br-feature-login', 'feature/login')], 'before the upgrade');
  const renamed = slugName(RULE, { branch: 'feature/login' });
  assert.notEqual(renamed, 'br-feature-login');
  await store.changeEnvironments([follow(renamed, 'feature/login')], 'd2');
  const envs = await store.listEnvironments({ includeDestroyed: true });
  assert.deepEqual(envs.map((env) => `${env.name} ${env.generation} ${env.lastDelivery}`), ['br-feature-login 2 d2']);

  // Its deletion, under the new name, destroys it.
  await store.changeEnvironments([destroy(renamed, 'feature/login')], 'd3');
  assert.equal((await store.getEnvironment('web', 'br-feature-login'))?.present, false);
  assert.equal(await store.getEnvironment('web', renamed), null);
});

test('a destroy leaves an environment of that name alone when it follows another ref', async (t) => {
  const store = await open(t);
  // Named the old way, br-a-b-c followed a/b-c; now a-b-c (whose new name is br-a-b-c) is deleted.
  await store.changeEnvironments([follow('br-a-b-c', 'a/b-c')], 'd1');
  await store.changeEnvironments([destroy('br-a-b-c', 'a-b-c')], 'd2');
  const kept = await store.getEnvironment('web', 'br-a-b-c');
  assert.equal(kept?.present, true);
  assert.equal(kept?.generation, 1);
  assert.equal(kept?.lastDelivery, 'd1');
  await store.changeEnvironments([destroy('br-a-b-c', 'a/b-c')], 'd3');
  assert.equal((await store.getEnvironment('web', 'br-a-b-c'))?.present, false);
});

test('another rule following the same ref, or a fixed environment, is never taken', async (t) => {
  const store = await open(t);
  await store.changeEnvironments([follow('staging', 'main', 'staging'), follow('preview-feature-x', 'feature/x', 'preview-{branch}')], 'd1');
  await store.changeEnvironments([follow(slugName(RULE, { branch: 'main' }), 'main'), follow(slugName(RULE, { branch: 'feature/x' }), 'feature/x')], 'd2');
  await store.changeEnvironments([destroy(slugName(RULE, { branch: 'feature/x' }), 'feature/x')], 'd3');
  const envs = await store.listEnvironments({ includeDestroyed: true });
  assert.deepEqual(envs.map((env) => `${env.name} ${env.present ? 'live' : 'gone'} ${env.generation}`), [
    'br-feature-x-' + slugName(RULE, { branch: 'feature/x' }).slice(-8) + ' gone 2',
    'br-main live 1',
    'preview-feature-x live 1',
    'staging live 1',
  ]);
});
