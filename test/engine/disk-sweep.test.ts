import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CommandTargetConfig } from '../../src/config/schema.js';
import { DiskSweep } from '../../src/engine/disk-sweep.js';
import { environmentLease } from '../../src/engine/leases.js';
import type { AppRuntime } from '../../src/engine/ports.js';
import { createLogger } from '../../src/logger.js';
import { GitSource } from '../../src/source/git-source.js';
import { mirrorRef } from '../../src/source/remote.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { Workspace } from '../../src/targets/workspace.js';
import { tempDir } from '../helpers/temp.js';
import { git, makeOrigin } from '../source/origin.js';

const follow = (env: string, ref: string) => ({ kind: 'follow' as const, app: 'webapp', env, ref, shaHint: null, pr: null, branch: null, ttlMs: null, trigger: 'push' });

test('the sweep removes the worktrees and artifacts of environments that are gone, and the mirror forgets them and their refs', async (t) => {
  const dir = tempDir(t);
  const origin = makeOrigin(t);
  const store = await SqliteStore.open(join(dir, 'data'));
  t.after(() => store.close());
  const worktreeRoot = join(dir, 'work', 'worktrees');
  const artifactRoot = join(dir, 'work', 'artifacts');
  const source = new GitSource({ cacheDir: join(dir, 'cache'), worktreeRoot });
  const settings: CommandTargetConfig = { type: 'command', deploy: ['true'], timeoutMs: 10_000 };
  const workspace = new Workspace({ workDir: join(dir, 'work'), dataDir: join(dir, 'data'), runAs: null });
  const target = new CommandTarget(settings, { app: 'webapp', stateDir: join(dir, 'data', 'targets', 'command'), workspace });
  const apps = new Map<string, AppRuntime>([['webapp', { name: 'webapp', repo: 'acme/webapp', remoteUrl: origin.url, target, settings, vars: {}, secretVars: [], environments: [] }]]);
  const sweep = new DiskSweep({ store, apps, source, worktreeRoot, artifactRoot, log: createLogger({ level: 'silent', pretty: false }), stop: new AbortController().signal });

  const main = origin.sha('main');
  const head = origin.sha('refs/pull/7/head');
  git(origin.dir, 'update-ref', 'refs/pull/8/head', origin.commit('pr 8'));
  const eight = origin.sha('refs/pull/8/head');
  await store.changeEnvironments([follow('staging', 'refs/heads/main'), follow('pr-7', 'refs/pull/7/head'), follow('pr-8', 'refs/pull/8/head')], 'test');
  const worktree = (app: string, env: string, sha: string) => join(worktreeRoot, app, env, sha);
  await source.checkout(origin.url, 'refs/heads/main', main, worktree('webapp', 'staging', main));
  await source.checkout(origin.url, 'refs/pull/7/head', head, worktree('webapp', 'pr-7', head));
  await source.checkout(origin.url, 'refs/pull/8/head', eight, worktree('webapp', 'pr-8', eight));
  // An app since removed from the config left one behind, and pr-7 an unpacked artifact.
  await source.checkout(origin.url, 'refs/heads/main', main, worktree('oldapp', 'staging', main));
  mkdirSync(join(artifactRoot, 'webapp', 'pr-7', '123'), { recursive: true });
  writeFileSync(join(artifactRoot, 'webapp', 'pr-7', '123', 'index.html'), 'hi');

  // pr-7 was destroyed (its own cleanup did not happen); pr-8's destroy is still under way.
  await store.changeEnvironments(['pr-7', 'pr-8'].map((env) => ({ kind: 'destroy' as const, app: 'webapp', env, reason: 'closed', trigger: 'test' })), 'test');
  const gone = await store.getEnvironment('webapp', 'pr-7');
  const token = (await store.acquireLease(environmentLease('webapp', 'pr-7'), 'test', 60_000)) ?? 0;
  await store.completeDestroy(gone?.id ?? 0, gone?.generation ?? 0, { lease: environmentLease('webapp', 'pr-7'), token });
  await store.releaseLease(environmentLease('webapp', 'pr-7'), 'test');

  const [mirrorName] = readdirSync(join(dir, 'cache', 'mirrors')).filter((name) => name.endsWith('.git'));
  const mirror = join(dir, 'cache', 'mirrors', mirrorName ?? '');
  const refsBefore = git(mirror, 'for-each-ref', 'refs/slipway/').split('\n').length;
  await sweep.run();

  assert.equal(existsSync(join(worktreeRoot, 'webapp', 'pr-7')), false);
  assert.equal(existsSync(join(artifactRoot, 'webapp')), false, 'the artifact and the folders it leaves empty');
  assert.equal(existsSync(join(worktreeRoot, 'oldapp')), false);
  assert.equal(git(worktree('webapp', 'staging', main), 'rev-parse', 'HEAD'), main);
  assert.equal(git(worktree('webapp', 'pr-8', eight), 'rev-parse', 'HEAD'), eight, 'a destroy under way keeps its worktree');
  const listed = git(mirror, 'worktree', 'list', '--porcelain');
  assert.doesNotMatch(listed, /pr-7|oldapp/, 'the mirror forgot the removed worktrees');
  assert.match(listed, /staging/);
  const refs = git(mirror, 'for-each-ref', '--format=%(refname)', 'refs/slipway/').split('\n').filter(Boolean);
  assert.equal(refsBefore, 2, 'main (which brought pr-8\'s commit along) and pull request 7 were fetched');
  assert.deepEqual(refs, [mirrorRef('refs/heads/main')], 'the ref of the destroyed pull request went');
});
