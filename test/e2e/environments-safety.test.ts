import assert from 'node:assert/strict';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { slugName } from '../../src/names.js';
import { envState, fixture, setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

test('a fork pull request under forks: deny creates nothing, not even a row', async (t) => {
  const { service, lines } = await setup(t);
  const answer = await deliver(service.url, { event: 'pull_request', payload: fixture('pull-request-opened-fork') });
  await eventually(async () => ((await service.store.getDelivery(answer.id))?.status === 'processed' ? true : undefined));
  await deliver(service.url, { event: 'pull_request', payload: { ...fixture('pull-request-opened-fork'), action: 'closed' } });
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));
  assert.deepEqual(await service.store.listEnvironments({ includeDestroyed: true }), []);
  assert.deepEqual(lines(), []);
});

test('branch names with shell metacharacters or 300 characters deploy safely under slugged names', async (t) => {
  const { origin, service, root } = await setup(t);
  origin.commit('main', 'base');
  // Valid git branch names: git refuses spaces, so the commands use ${IFS}.
  const evil = 'feature/$(touch${IFS}pwned);`touch${IFS}pwned2`|x&y';
  // 300 characters: git keeps each path segment of a ref as a file name, so no segment may pass 255.
  const long = `feature/${[57, 57, 57, 57, 60].map((size, i) => String(i).repeat(size)).join('/')}`;
  assert.equal(long.length, 300);
  for (const branch of [evil, long]) {
    origin.git('branch', branch, 'main');
    await deliver(service.url, { event: 'create', payload: { ...fixture('create-branch'), ref: branch } });
  }
  await eventually(async () => {
    const envs = await service.store.listEnvironments();
    return envs.length === 2 && envs.every((env) => env.state === 'ready') ? envs : undefined;
  }, 20_000);
  const envs = await service.store.listEnvironments();
  for (const env of envs) {
    assert.match(env.name, /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, `${env.name} is a DNS label`);
  }
  assert.deepEqual(envs.map((env) => env.branch).sort(), [evil, long].sort(), 'the branch is kept as data');
  const pwned = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() && entry.name !== '.git' ? pwned(join(dir, entry.name)) : entry.name.startsWith('pwned') ? [join(dir, entry.name)] : [],
    );
  assert.deepEqual([...pwned(root), ...pwned(process.cwd()).filter((file) => !file.includes('node_modules'))], [], 'nothing executed the branch name');
});

test('a ref git refuses (spaces, "..") fails its deployment with a readable error, running nothing', async (t) => {
  const { service, lines } = await setup(t);
  await deliver(service.url, { event: 'create', payload: { ...fixture('create-branch'), ref: 'feature/a b/../../etc' } });
  const env = await envState(service, slugName('br-{branch}', { branch: 'feature/a b/../../etc' }), 'failed');
  const [attempt] = await service.store.listDeployments(env.id, 1);
  assert.equal(attempt?.state, 'error');
  assert.match(attempt?.error ?? '', /is not a ref slipway can deploy: it contains a space/);
  assert.deepEqual(lines(), []);
});

test('an unreachable remote or a vanished ref fails the deployment readably and never destroys', async (t) => {
  const { origin, service, lines, root } = await setup(t, { url: 'file:///nonexistent/slipway-remote.git' });
  origin.commit('main', 'v1');
  await deliver(service.url, { event: 'push', payload: fixture('push-main') });
  const staging = await eventually(async () => {
    const env = await service.store.getEnvironment('webapp', 'staging');
    return env?.state === 'failed' ? env : undefined;
  });
  assert.equal(staging.present, true, 'still there');
  assert.ok(staging.generation > staging.observedGeneration, 'an unreachable remote passes: it is tried again');
  const [attempt] = await service.store.listDeployments(staging.id, 1);
  assert.equal(attempt?.state, 'error');
  assert.match(attempt?.error ?? '', /nonexistent\/slipway-remote\.git/);
  assert.deepEqual(lines(), []);

  // A ref that no longer exists at a reachable remote.
  const reachable = await setup(t);
  reachable.origin.commit('main', 'v1');
  await deliver(reachable.service.url, { event: 'push', payload: { ...fixture('push-main'), ref: 'refs/heads/feature/gone' } });
  const gone = await envState(reachable.service, slugName('br-{branch}', { branch: 'feature/gone' }), 'failed');
  const [missing] = await reachable.service.store.listDeployments(gone.id, 1);
  assert.match(missing?.error ?? '', /refs\/heads\/feature\/gone/);
  assert.ok(existsSync(root));
  assert.deepEqual(readdirSync(join(reachable.root)).includes('deploys.log'), false);
});

test('a remote that comes back is tried again after a backoff, and the environment converges', async (t) => {
  const { origin, service } = await setup(t);
  const sha = origin.commit('main', 'v1');
  renameSync(origin.dir, `${origin.dir}.away`);
  await deliver(service.url, { event: 'push', payload: fixture('push-main') });
  await eventually(async () => ((await service.store.getEnvironment('webapp', 'staging'))?.state === 'failed' ? true : undefined));
  renameSync(`${origin.dir}.away`, origin.dir);
  const staging = await envState(service, 'staging', 'ready');
  assert.equal(staging.observedSha, sha);
  const states = (await service.store.listDeployments(staging.id, 10)).map((d) => d.state);
  assert.equal(states[0], 'success');
  assert.ok(states.slice(1).every((state) => state === 'error') && states.length >= 2, states.join(','));
});

test('environments that cannot be converged (their app left the config) do not starve the others', async (t) => {
  const { origin, service } = await setup(t);
  const sha = origin.commit('main', 'v1');
  const orphans = Array.from({ length: 40 }, (_, i) => ({
    kind: 'follow' as const, app: 'removed-app', env: `env-${i}`, ref: 'refs/heads/main', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'push',
  }));
  await service.store.changeEnvironments(orphans, 'test');
  await deliver(service.url, { event: 'push', payload: fixture('push-main') });
  const staging = await envState(service, 'staging', 'ready');
  assert.equal(staging.observedSha, sha);
});
