import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { CommandTargetConfig } from '../../src/config/schema.js';
import type { AppRuntime } from '../../src/engine/ports.js';
import { environmentLease } from '../../src/engine/leases.js';
import { Sweeps } from '../../src/engine/sweeps.js';
import { createLogger } from '../../src/logger.js';
import { backupStore, restoreStore } from '../../src/store/sqlite/backup.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { Workspace } from '../../src/targets/workspace.js';
import { tempDir } from '../helpers/temp.js';

const follow = (env: string, ttlMs: number | null) => ({
  kind: 'follow' as const,
  app: 'webapp',
  env,
  ref: 'refs/heads/main',
  shaHint: null,
  pr: null,
  branch: 'main',
  ttlMs,
  trigger: 'push',
});

async function setup(t: TestContext) {
  const dir = tempDir(t);
  const store = await SqliteStore.open(join(dir, 'data'));
  t.after(() => store.close());
  const journal = join(dir, 'destroyed.log');
  const settings: CommandTargetConfig = { type: 'command', deploy: ['true'], destroy: ['sh', '-c', `echo "$SLIPWAY_ENV" >> ${journal}`], timeoutMs: 10_000 };
  const target = new CommandTarget(
    settings,
    { app: 'webapp', stateDir: join(dir, 'data', 'targets', 'command'), workspace: new Workspace({ workDir: join(dir, 'work'), dataDir: join(dir, 'data'), runAs: null }) },
  );
  const apps = new Map<string, AppRuntime>([['webapp', { name: 'webapp', repo: 'acme/webapp', remoteUrl: 'file:///x', target, settings, vars: {}, secretVars: [], environments: [] }]]);
  let changed = 0;
  const sweeps = new Sweeps(store, apps, createLogger({ level: 'silent', pretty: false }), () => (changed += 1));
  const deploy = (env: string, sha = 'a'.repeat(40)) =>
    target.apply({ app: 'webapp', env, sha, ref: 'refs/heads/main', pr: null, branch: 'main', event: 'push', deploymentId: 1, workdir: dir, vars: {}, log: () => undefined, signal: new AbortController().signal });
  return { dir, store, sweeps, deploy, journal, target, apps, changed: () => changed };
}

test('expire destroys environments whose TTL ran out, and only those', async (t) => {
  const { store, sweeps, changed } = await setup(t);
  await store.changeEnvironments([follow('pr-1', 1), follow('staging', null)], 'test');
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(await sweeps.expire(), 1);
  assert.equal((await store.getEnvironment('webapp', 'pr-1'))?.state, 'destroying');
  assert.equal((await store.getEnvironment('webapp', 'pr-1'))?.lastTrigger, 'ttl');
  assert.equal((await store.getEnvironment('webapp', 'staging'))?.present, true);
  assert.equal(changed(), 1);
  assert.equal(await sweeps.expire(), 0, 'nothing twice');
});

test('resync converges every live environment again without touching its TTL', async (t) => {
  const { store, sweeps } = await setup(t);
  await store.changeEnvironments([follow('staging', 60_000), follow('gone', null)], 'test');
  await store.changeEnvironments([{ kind: 'destroy', app: 'webapp', env: 'gone', reason: 'test', trigger: 'test' }], 'test');
  const before = await store.getEnvironment('webapp', 'staging');
  assert.equal(await sweeps.resync(), 1);
  const after = await store.getEnvironment('webapp', 'staging');
  assert.equal(after?.generation, (before?.generation ?? 0) + 1);
  assert.equal(after?.expiresAt, before?.expiresAt);
});

test('the orphan sweep destroys what the target runs and the store does not know, nothing else', async (t) => {
  const { store, sweeps, deploy, journal } = await setup(t);
  await store.changeEnvironments([follow('staging', null)], 'test');
  await deploy('staging');
  await deploy('orphan');
  assert.deepEqual(await sweeps.orphans(), ['webapp/orphan']);
  assert.equal(readFileSync(journal, 'utf8'), 'orphan\n');
  assert.deepEqual(await sweeps.orphans(), [], 'gone after one sweep');
  assert.ok(existsSync(journal));
});

test('an environment created while the orphan sweep lists the target is not destroyed', async (t) => {
  const { store, sweeps, deploy, journal, target } = await setup(t);
  await deploy('orphan');
  const list = target.list.bind(target);
  // The sweep has read the store; before it reads the target, the environment is created and deployed.
  target.list = async () => {
    await store.changeEnvironments([follow('fresh', null)], 'test');
    await deploy('fresh');
    return list();
  };
  assert.deepEqual(await sweeps.orphans(), ['webapp/orphan']);
  assert.equal(readFileSync(journal, 'utf8'), 'orphan\n');
  assert.equal((await store.getEnvironment('webapp', 'fresh'))?.present, true);
});

test('the orphan sweep does not destroy an environment whose lease is held (a deployment running)', async (t) => {
  const { store, sweeps, deploy, journal } = await setup(t);
  await deploy('busy');
  assert.notEqual(await store.acquireLease(environmentLease('webapp', 'busy'), 'reconciler-elsewhere', 60_000), null);
  assert.deepEqual(await sweeps.orphans(), []);
  assert.equal(existsSync(journal), false);
  await store.releaseLease(environmentLease('webapp', 'busy'), 'reconciler-elsewhere');
  assert.deepEqual(await sweeps.orphans(), ['webapp/busy'], 'once the lease is free, it is an orphan');
});

test('orphan sweeps never overlap: a second call while one runs destroys nothing twice', async (t) => {
  const { sweeps, deploy, journal } = await setup(t);
  await deploy('orphan');
  const [first, second] = await Promise.all([sweeps.orphans(), sweeps.orphans()]);
  assert.deepEqual(first, ['webapp/orphan']);
  assert.deepEqual(second, ['webapp/orphan'], 'the second call waits for the sweep in flight');
  assert.equal(readFileSync(journal, 'utf8'), 'orphan\n');
});

/** Deploys `sha` to the environment the way the reconciler records it: the target runs it, and the store says so. */
async function deployRecorded(store: Store, deploy: (env: string, sha: string) => Promise<unknown>, name: string, sha: string): Promise<void> {
  const env = await store.getEnvironment('webapp', name);
  assert.ok(env);
  const lease = environmentLease('webapp', name);
  const fence = { lease, token: (await store.acquireLease(lease, 'test', 60_000)) ?? 0 };
  const begun = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha, ref: env.desiredRef, trigger: 'push', deliveryId: null, fence });
  await deploy(name, sha);
  await store.completeDeployment({ id: begun.id, state: 'success', error: null, log: '', url: null, fence });
  await store.releaseLease(lease, 'test');
}

test('a restored store converges: the environment it knew at an older commit deploys again, the one it did not know is destroyed, nothing twice', async (t) => {
  const { dir, store, deploy, journal, apps } = await setup(t);
  const [v1, v2] = ['1'.repeat(40), '2'.repeat(40)];
  await store.changeEnvironments([follow('staging', null)], 'test');
  await deployRecorded(store, deploy, 'staging', v1);
  await store.close();
  const backup = join(dir, 'backup.db');
  await backupStore(join(dir, 'data'), backup);

  // After the backup: staging moves on to v2, and preview pr-7 is made.
  const later = await SqliteStore.open(join(dir, 'data'));
  await later.changeEnvironments([{ ...follow('staging', null), trigger: 'push' }, follow('pr-7', null)], 'test');
  await deployRecorded(later, deploy, 'staging', v2);
  await deployRecorded(later, deploy, 'pr-7', v2);
  await later.close();

  await restoreStore(join(dir, 'data'), backup);
  const restored = await SqliteStore.open(join(dir, 'data'));
  t.after(() => restored.close());
  const before = await restored.getEnvironment('webapp', 'staging');
  assert.equal(before?.observedSha, v1, 'the backup knew staging at v1');
  assert.equal(await restored.getEnvironment('webapp', 'pr-7'), null, 'and not pr-7');
  let changed = 0;
  const sweeps = new Sweeps(restored, apps, createLogger({ level: 'silent', pretty: false }), () => (changed += 1));
  assert.deepEqual(await sweeps.orphans(), ['webapp/pr-7'], 'what the backup did not know is destroyed as an orphan');
  assert.equal(readFileSync(journal, 'utf8'), 'pr-7\n');
  const after = await restored.getEnvironment('webapp', 'staging');
  assert.equal(after?.generation, (before?.generation ?? 0) + 1, 'staging converges again');
  assert.equal(after?.redeploy, true, 'its desired commit is deployed even if that is what runs');
  assert.equal(changed, 1, 'the reconciler is nudged');
  assert.deepEqual((await restored.listEnvironments()).map((env) => env.name), ['staging'], 'nothing is duplicated');

  assert.deepEqual(await sweeps.orphans(), []);
  assert.equal((await restored.getEnvironment('webapp', 'staging'))?.generation, after?.generation, 'a converging environment is not nudged twice');
});

test('the orphan sweep leaves alone an environment whose target runs the commit the store recorded', async (t) => {
  const { store, sweeps, deploy, changed } = await setup(t);
  await store.changeEnvironments([follow('staging', null)], 'test');
  await deployRecorded(store, deploy, 'staging', 'a'.repeat(40));
  const before = await store.getEnvironment('webapp', 'staging');
  assert.deepEqual(await sweeps.orphans(), []);
  assert.equal((await store.getEnvironment('webapp', 'staging'))?.generation, before?.generation);
  assert.equal(changed(), 0);
});

test('after a failed deployment the orphan sweep does not deploy the failed commit again, though the command target recorded it', async (t) => {
  const { store, sweeps, deploy, target, changed } = await setup(t);
  const [good, bad] = ['1'.repeat(40), '2'.repeat(40)];
  await store.changeEnvironments([follow('staging', null)], 'test');
  await deployRecorded(store, deploy, 'staging', good);
  const env = await store.getEnvironment('webapp', 'staging');
  assert.ok(env);
  // The command target records a deploy before it runs its command; the command then fails.
  const lease = environmentLease('webapp', 'staging');
  const fence = { lease, token: (await store.acquireLease(lease, 'test', 60_000)) ?? 0 };
  const begun = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha: bad, ref: env.desiredRef, trigger: 'push', deliveryId: null, fence });
  await deploy('staging', bad);
  await store.completeDeployment({ id: begun.id, state: 'failure', error: 'deploy command exited with code 1', log: '', url: null, fence });
  await store.releaseLease(lease, 'test');
  assert.deepEqual((await target.list()).map((running) => running.sha), [bad]);
  const failed = await store.getEnvironment('webapp', 'staging');
  assert.equal(failed?.state, 'failed');

  assert.deepEqual(await sweeps.orphans(), []);
  assert.equal((await store.getEnvironment('webapp', 'staging'))?.generation, failed?.generation, 'not nudged');
  assert.equal(changed(), 0);
});
