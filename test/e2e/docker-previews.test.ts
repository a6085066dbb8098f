import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOCKER_TARGET, dockerAppFiles, dockerForTest } from '../helpers/docker-app.js';
import { appAnswer, assertCleanSwitch, finishedDeployment, Poller, serving, startAppService, viaRouter } from '../helpers/process-app.js';
import { eventually } from '../helpers/webhook.js';

// The docker target and the router as a user sees them: signed webhooks through the real
// endpoint, a real git repository, each environment a container on the real Docker Engine
// built from the repository's Dockerfile, and every page read through slipway's router.

test('a pull request preview is a container built at its head, moves to a new head without a failed request, and is gone when closed', { timeout: 120_000 }, async (t) => {
  const shas: string[] = [];
  const { origin, service, routerPort, hooks } = await startAppService(t, DOCKER_TARGET);
  const { base, containers } = await dockerForTest(t, service.dataDir, () => shas);
  origin.commitFiles('main', dockerAppFiles('main v1', base));
  const head1 = origin.commitFiles('feature/login', dockerAppFiles('pr v1', base));
  shas.push(head1);
  await hooks.pullRequest('opened', 7, 'feature/login', head1);
  const first = await serving(routerPort, 'pr-7', 'pr v1', 60_000);
  assert.deepEqual({ env: first.env, sha: first.sha, port: first.port }, { env: 'pr-7', sha: head1, port: 8080 });
  const [container] = await containers('pr-7');
  assert.equal(container?.Id.slice(0, 12), first.host, 'it answers from the container slipway started');

  const poller = new Poller(routerPort, 'pr-7');
  t.after(() => poller.stop());
  await poller.waitFor('pr v1', 5000);
  const head2 = origin.commitFiles('feature/login', dockerAppFiles('pr v2', base));
  shas.push(head2);
  await hooks.pullRequest('synchronize', 7, 'feature/login', head2);
  await poller.waitFor('pr v2', 60_000);
  await poller.stop();
  assertCleanSwitch(t, poller, 'pr v1', 'pr v2');
  assert.equal((await finishedDeployment(service, 'pr-7', head2)).state, 'success');
  const second = appAnswer(await viaRouter(routerPort, 'pr-7'));
  const now = await containers('pr-7');
  assert.deepEqual(now.map((each) => each.Id.slice(0, 12)), [second?.host], 'one container left: the new head');

  await hooks.pullRequest('closed', 7, 'feature/login', head2);
  await eventually(async () => ((await service.store.getEnvironment('web', 'pr-7'))?.state === 'destroyed' ? true : undefined), 30_000);
  const gone = await viaRouter(routerPort, 'pr-7');
  assert.equal(gone.status, 404);
  assert.deepEqual(await containers('pr-7'), [], 'no container is left for the preview');
});

test('a Dockerfile that does not build, and a container that never gets healthy, leave the previous release serving', { timeout: 120_000 }, async (t) => {
  const shas: string[] = [];
  const target = DOCKER_TARGET.replace('timeout: 30s', 'timeout: 3s');
  const { origin, service, routerPort, hooks } = await startAppService(t, target);
  const { base, containers } = await dockerForTest(t, service.dataDir, () => shas);
  const good = origin.commitFiles('main', dockerAppFiles('v1', base));
  shas.push(good);
  await hooks.push('main', good);
  const before = await serving(routerPort, 'staging', 'v1', 60_000);
  const poller = new Poller(routerPort, 'staging');
  t.after(() => poller.stop());

  const unbuildable = origin.commitFiles('main', { ...dockerAppFiles('v2', base), Dockerfile: `FROM ${base}\nRUN ["node", "-e", "console.log('compiling assets'); process.exit(2)"]\n` });
  await hooks.push('main', unbuildable);
  const failedBuild = await finishedDeployment(service, 'staging', unbuildable, 60_000);
  assert.equal(failedBuild.state, 'failure');
  assert.match(failedBuild.error ?? '', /^docker build failed: The command .* returned a non-zero code: 2; its last output:\n(.*\n)* {2}compiling assets/);

  const unhealthy = origin.commitFiles('main', { ...dockerAppFiles('v3', base), Dockerfile: `FROM ${base}\nWORKDIR /app\nENV LISTEN_HOST=0.0.0.0 HEALTHZ=hang\nCOPY server.js version.txt ./\nCMD ["node", "server.js"]\n` });
  shas.push(unhealthy);
  await hooks.push('main', unhealthy);
  const failedHealth = await finishedDeployment(service, 'staging', unhealthy, 60_000);
  assert.equal(failedHealth.state, 'failure');
  assert.match(failedHealth.error ?? '', /^the container did not answer GET \/healthz with 2xx within 3s; GET \/healthz was taken but not answered in time \((its only try|last of \d+ tries)\); it wrote no output/);
  await poller.stop();
  assert.deepEqual(poller.errors, [], 'no request failed');
  assert.deepEqual([...new Set(poller.seen)], ['v1'], 'the first release answered throughout');
  assert.deepEqual((await containers('staging')).map((container) => container.Id.slice(0, 12)), [before.host], 'only the serving container is left');
});
