import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appAnswer, assertCleanSwitch, appFiles, direct, finishedDeployment, MANIFEST, Poller, serving, startAppService, viaRouter } from '../helpers/process-app.js';
import { eventually } from '../helpers/webhook.js';
import { alive } from '../targets/process/helpers.js';

// The process target and the router as a user sees them: GitHub is signed webhooks through
// the real endpoint, the repository a real git repository in a temp folder, each environment
// a real Node process on 127.0.0.1, and every page read through slipway's router by its
// `<env>.web.localhost` name. Only 127.0.0.1 is used.

test('a pull request preview comes up at its head, moves to a new head without a failed request, and is gone when closed', { timeout: 90_000 }, async (t) => {
  const { origin, service, routerPort, hooks } = await startAppService(t);
  origin.commitFiles('main', appFiles('main v1'));
  const head1 = origin.commitFiles('feature/login', appFiles('pr v1'));
  await hooks.pullRequest('opened', 7, 'feature/login', head1);
  const first = await serving(routerPort, 'pr-7', 'pr v1');
  assert.deepEqual({ env: first.env, sha: first.sha }, { env: 'pr-7', sha: head1 });

  // A client polling every 20 ms from before the synchronize until it sees the new head, and
  // a slow request to the old head, in flight across the switch.
  const poller = new Poller(routerPort, 'pr-7');
  t.after(() => poller.stop());
  await poller.waitFor('pr v1', 5000);
  const slow = viaRouter(routerPort, 'pr-7', '/hold', 30_000).catch((error: Error) => ({ status: 0, body: error.message }));
  await eventually(async () => ((await direct(first.port, '/held')).body === '1' ? true : undefined), 5000);
  const head2 = origin.commitFiles('feature/login', appFiles('pr v2'));
  await hooks.pullRequest('synchronize', 7, 'feature/login', head2);
  await poller.waitFor('pr v2');
  await poller.stop();
  assert.ok(alive(first.pid), 'the old head runs on while a request to it is in flight');
  assert.match((await direct(first.port, '/release')).body, /^released 1/);
  assert.deepEqual(appAnswer(await slow), first, 'the slow request got its answer from the old head');
  assertCleanSwitch(t, poller, 'pr v1', 'pr v2');

  assert.equal((await finishedDeployment(service, 'pr-7', head2)).state, 'success');
  const second = await serving(routerPort, 'pr-7', 'pr v2', 5000);
  assert.equal(second.sha, head2);
  assert.equal(alive(first.pid), false, 'the release it replaced was stopped');

  await hooks.pullRequest('closed', 7, 'feature/login', head2);
  await eventually(async () => ((await service.store.getEnvironment('web', 'pr-7'))?.state === 'destroyed' ? true : undefined), 30_000);
  const gone = await viaRouter(routerPort, 'pr-7');
  assert.equal(gone.status, 404);
  assert.match(gone.body, /No environment at this address/);
  assert.equal(alive(second.pid), false, 'the preview process was stopped');
  const stateDir = join(service.dataDir, 'targets', 'process');
  const files = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => name.includes('pr-7')) : []);
  assert.deepEqual(files(stateDir), [], 'no record of the preview is left');
  assert.deepEqual(files(join(stateDir, 'logs')), [], 'no log of the preview is left');
  assert.ok(existsSync(join(service.workDir, 'worktrees')), 'the work folder held the worktrees');
  assert.equal(existsSync(join(service.workDir, 'worktrees', 'web')), false, 'no worktree, nor the folders that held it, is left');
  assert.equal(existsSync(join(service.workDir, 'homes', 'web')), false, 'nor its home');
});

test('a release that fails to build, and one that never gets healthy, leave the previous release serving', { timeout: 90_000 }, async (t) => {
  const { origin, service, routerPort, hooks } = await startAppService(t);
  const good = origin.commitFiles('main', appFiles('v1'));
  await hooks.push('main', good);
  const before = await serving(routerPort, 'staging', 'v1');
  const poller = new Poller(routerPort, 'staging');
  t.after(() => poller.stop());

  const unbuildable = origin.commitFiles('main', appFiles('v2 does not build', `build: exit 1\n${MANIFEST}`));
  await hooks.push('main', unbuildable);
  const failedBuild = await finishedDeployment(service, 'staging', unbuildable);
  assert.equal(failedBuild.state, 'failure');
  assert.match(failedBuild.error ?? '', /build command exited with code 1/);
  assert.deepEqual(appAnswer(await viaRouter(routerPort, 'staging')), before, 'the previous release still answers');

  // Its /healthz never answers: each probe times out, and so does the deployment, after 2 s.
  const unhealthy = origin.commitFiles('main', appFiles('v3 never healthy', 'start: node server.js\nhealth: { path: /healthz, timeout: 2s }\nenv: { HEALTHZ: hang }\n'));
  await hooks.push('main', unhealthy);
  const failedStart = await finishedDeployment(service, 'staging', unhealthy);
  assert.equal(failedStart.state, 'failure');
  assert.match(failedStart.error ?? '', /start command did not answer GET \/healthz with 2xx within 2s/);
  assert.deepEqual(appAnswer(await viaRouter(routerPort, 'staging')), before, 'the previous release still answers');

  await poller.stop();
  assert.deepEqual(poller.errors, []);
  assert.deepEqual([...new Set(poller.seen)], ['v1'], 'every request meanwhile was answered by the previous release');
  const environment = await service.store.getEnvironment('web', 'staging');
  assert.equal(environment?.state, 'failed');
  assert.equal(environment?.observedSha, good);
  const record = JSON.parse(readFileSync(join(service.dataDir, 'targets', 'process', 'web.staging.json'), 'utf8')) as { current: { sha: string }; strays: unknown[] };
  assert.equal(record.current.sha, good);
  assert.deepEqual(record.strays, [], 'nothing of the failed releases is left running');
});

test('two environments of one app run side by side, each answering with its own content on its own port', { timeout: 90_000 }, async (t) => {
  const { origin, routerPort, hooks } = await startAppService(t);
  const main = origin.commitFiles('main', appFiles('main v1'));
  const head = origin.commitFiles('feature/login', appFiles('pr v1'));
  await hooks.push('main', main);
  await hooks.pullRequest('opened', 7, 'feature/login', head);
  const [staging, preview] = await Promise.all([serving(routerPort, 'staging', 'main v1'), serving(routerPort, 'pr-7', 'pr v1')]);
  assert.deepEqual({ env: staging.env, sha: staging.sha }, { env: 'staging', sha: main });
  assert.deepEqual({ env: preview.env, sha: preview.sha }, { env: 'pr-7', sha: head });
  assert.notEqual(staging.port, preview.port, 'each on its own backend port');
  assert.notEqual(staging.pid, preview.pid);
  assert.notEqual(staging.port, routerPort);

  // Interleaved requests keep going to their own environment.
  for (let i = 0; i < 5; i += 1) {
    const [a, b] = await Promise.all([viaRouter(routerPort, 'staging'), viaRouter(routerPort, 'pr-7')]);
    assert.deepEqual(appAnswer(a), staging);
    assert.deepEqual(appAnswer(b), preview);
  }
});
