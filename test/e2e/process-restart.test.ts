import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { processFolder, startServer, type RunningServer } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { appConfig, appFiles, freePort, Hooks, serving, startAppService, viaRouter } from '../helpers/process-app.js';
import { processesIn } from '../helpers/processes.js';
import { eventually } from '../helpers/webhook.js';
import { alive } from '../targets/process/helpers.js';

// Processes that end: an app that crashes, and slipway itself killed with SIGKILL. The apps
// are real Node processes on 127.0.0.1, reached through slipway's router by their names.

test('a crashed app is restarted with backoff and answers again; the environment counts the restart and its exit code', { timeout: 60_000 }, async (t) => {
  const { origin, service, routerPort, hooks } = await startAppService(t);
  const sha = origin.commitFiles('main', appFiles('v1'));
  await hooks.push('main', sha);
  const before = await serving(routerPort, 'staging', 'v1');

  const crash = await viaRouter(routerPort, 'staging', '/crash');
  assert.equal(crash.status, 200);
  await eventually(async () => (alive(before.pid) ? undefined : true), 5000);
  const crashedAt = Date.now();
  const after = await eventually(async () => {
    const answer = await serving(routerPort, 'staging', 'v1', 1000).catch(() => undefined);
    return answer !== undefined && answer.pid !== before.pid ? answer : undefined;
  }, 10_000);
  t.diagnostic(`answering again ${Date.now() - crashedAt} ms after the crash`);
  assert.deepEqual({ sha: after.sha, port: after.port }, { sha, port: before.port }, 'the same release, restarted on its port');

  const environment = await eventually(async () => {
    const env = await service.store.getEnvironment('web', 'staging');
    return env !== null && env.restarts >= 1 && env.lastExit !== null ? env : undefined;
  }, 5000);
  assert.equal(environment.lastExit, 'code 3');
  assert.equal(environment.state, 'ready');
});

const SECRET = 'process-restart-secret';

test('after slipway is SIGKILLed, starting it again brings back every ready environment behind a new router', { timeout: 120_000 }, async (t) => {
  // Whatever a failure left (slipway, then the apps it started) is killed before the folder goes.
  const { root, track } = processFolder(t, 'slipway-process-restart-', 'SIGKILL');
  let slipway: RunningServer | undefined;
  const origin = new Origin(join(root, 'origin'));
  const [apiPort, routerPort] = [await freePort(), await freePort()];
  assert.notEqual(apiPort, routerPort);
  const top = `github: { webhookSecret: ${SECRET} }
server: { host: 127.0.0.1, port: ${apiPort} }
store: { dataDir: data }
router: { host: 127.0.0.1, port: ${routerPort}, domain: localhost }`;
  writeFileSync(join(root, 'slipway.yaml'), appConfig(origin, { top, target: '{ type: process, stopGrace: 2s }' }));
  const start = async () => {
    slipway = await startServer(t, ['--config', join(root, 'slipway.yaml')], { cwd: root, fromConfig: true });
    track(slipway);
    return slipway;
  };

  const first = await start();
  assert.equal(first.url, `http://127.0.0.1:${apiPort}`);
  const hooks = new Hooks(origin, () => slipway?.url ?? '', SECRET);
  const main = origin.commitFiles('main', appFiles('main v1'));
  const head = origin.commitFiles('feature/login', appFiles('pr v1'));
  await hooks.push('main', main);
  await hooks.pullRequest('opened', 7, 'feature/login', head);
  const [staging, preview] = await Promise.all([serving(routerPort, 'staging', 'main v1'), serving(routerPort, 'pr-7', 'pr v1')]);
  const listed = await eventually(async () => {
    const { environments } = (await first.api('GET', '/api/environments')).json() as { environments: { name: string; state: string; sha: string; url: string }[] };
    return environments.length === 2 && environments.every((env) => env.state === 'ready') ? environments : undefined;
  }, 20_000);
  assert.deepEqual(
    listed.map(({ name, sha, url }) => ({ name, sha, url })).sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: 'pr-7', sha: head, url: `http://pr-7.web.localhost:${routerPort}/` },
      { name: 'staging', sha: main, url: `http://staging.web.localhost:${routerPort}/` },
    ],
  );

  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok(alive(staging.pid) && alive(preview.pid), 'the apps outlive slipway: they run in their own process groups');
  // While slipway is down, staging's process dies too: the next start must start it again.
  const record = JSON.parse(readFileSync(join(root, 'data', 'targets', 'process', 'web.staging.json'), 'utf8')) as { current: { pgid: number } };
  process.kill(-record.current.pgid, 'SIGKILL');
  await eventually(async () => (alive(staging.pid) ? undefined : true), 5000);

  const second = await start();
  const [stagingAfter, previewAfter] = await Promise.all([serving(routerPort, 'staging', 'main v1', 20_000), serving(routerPort, 'pr-7', 'pr v1', 20_000)]);
  assert.deepEqual({ ...stagingAfter, pid: 0 }, { ...staging, pid: 0 }, 'staging started again, at the same sha and on its port');
  assert.notEqual(stagingAfter.pid, staging.pid);
  assert.deepEqual(previewAfter, preview, 'the preview, still running, was adopted');

  // The new slipway manages what it adopted: a new head replaces it, and closing removes it.
  const head2 = origin.commitFiles('feature/login', appFiles('pr v2'));
  await hooks.pullRequest('synchronize', 7, 'feature/login', head2);
  const previewNext = await serving(routerPort, 'pr-7', 'pr v2', 20_000);
  await eventually(async () => (alive(preview.pid) ? undefined : true), 5000);
  await hooks.pullRequest('closed', 7, 'feature/login', head2);
  await eventually(async () => ((await viaRouter(routerPort, 'pr-7')).status === 404 ? true : undefined), 20_000);
  assert.equal(alive(previewNext.pid), false);

  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
  assert.deepEqual(processesIn(root).map((found) => found.description), [], 'no app process is left');
  assert.equal(alive(stagingAfter.pid), false);
});
