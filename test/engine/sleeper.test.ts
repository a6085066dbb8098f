import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProcessTargetConfig } from '../../src/config/schema.js';
import type { AppRuntime } from '../../src/engine/ports.js';
import { Sleeper } from '../../src/engine/sleeper.js';
import { createLogger } from '../../src/logger.js';
import { RouteTable } from '../../src/router/routes.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ProcessTarget } from '../../src/targets/process/process-target.js';
import { Workspace } from '../../src/targets/workspace.js';
import { tempDir } from '../helpers/temp.js';

const counter = () => ({ inc: () => undefined, observe: () => undefined });

test('a sweep makes the store say what the router does when a kill left them apart (asleep, or awake again)', async (t) => {
  const dir = tempDir(t);
  const store = await SqliteStore.open(join(dir, 'data'));
  t.after(() => store.close());
  const routes = new RouteTable({ domain: 'localhost', publicPort: 8081 });
  const settings: ProcessTargetConfig = { type: 'process', manifest: null, stopGraceMs: 1000, logMaxBytes: 1024 * 1024, logFiles: 2, buildTimeoutMs: 900_000 };
  const log = createLogger({ level: 'silent', pretty: false });
  const workspace = new Workspace({ workDir: join(dir, 'work'), dataDir: join(dir, 'data'), runAs: null });
  const target = new ProcessTarget(settings, { app: 'web', stateDir: join(dir, 'data', 'targets', 'process'), routes, log, workspace, onStatus: undefined });
  t.after(() => target.close());
  const apps = new Map<string, AppRuntime>([['web', { name: 'web', repo: 'acme/web', remoteUrl: 'file:///x', target, settings, vars: {}, secretVars: [], environments: [] }]]);
  const sleeper = new Sleeper(store, apps, routes, log, { wakes: counter(), wakeSeconds: counter() }, new AbortController().signal);

  // pr-1 deployed and ready, as the reconciler leaves it.
  await store.changeEnvironments([{ kind: 'follow', app: 'web', env: 'pr-1', ref: 'refs/pull/1/head', shaHint: null, pr: 1, branch: 'x', ttlMs: null, trigger: 'test' }], 'test');
  const env = await store.getEnvironment('web', 'pr-1');
  const lease = 'env:web/pr-1';
  const fence = { lease, token: (await store.acquireLease(lease, 'test', 60_000)) ?? 0 };
  const deployment = await store.beginDeployment({ environmentId: env?.id ?? 0, generation: env?.generation ?? 0, sha: 'a'.repeat(40), ref: 'refs/pull/1/head', trigger: 'test', deliveryId: null, fence });
  await store.completeDeployment({ id: deployment.id, state: 'success', error: null, log: '', url: null, fence });
  await store.releaseLease(lease, 'test');

  routes.set('web', 'pr-1', 40_000);
  await sleeper.sweep();
  assert.equal((await store.getEnvironment('web', 'pr-1'))?.state, 'ready', 'together: nothing changes');

  // The target put it to sleep; slipway died before the store heard.
  routes.sleeping('web', 'pr-1');
  await sleeper.sweep();
  assert.equal((await store.getEnvironment('web', 'pr-1'))?.state, 'sleeping');

  // It woke; slipway died before the store heard.
  routes.set('web', 'pr-1', 40_001);
  await sleeper.sweep();
  const awake = await store.getEnvironment('web', 'pr-1');
  assert.deepEqual([awake?.state, awake?.wakes], ['ready', 1]);
});
