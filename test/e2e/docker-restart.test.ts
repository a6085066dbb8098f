import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer, type RunningServer } from '../helpers/cli.js';
import { DOCKER_TARGET, dockerAppFiles, dockerForTest } from '../helpers/docker-app.js';
import { Origin } from '../helpers/git.js';
import { appConfig, freePort, Hooks, serving } from '../helpers/process-app.js';
import { baseImage, testEngine } from '../fixtures/docker-base.js';
import { eventually } from '../helpers/webhook.js';

// slipway killed with SIGKILL while its environments run as containers on the real Docker
// Engine: the next start adopts them, through a new router, without starting a second one.

const SECRET = 'docker-restart-secret';

test('after slipway is SIGKILLed, every ready environment serves again from the same container', { timeout: 180_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-docker-restart-'));
  let slipway: RunningServer | undefined;
  const shas: string[] = [];
  t.after(async () => {
    if (slipway !== undefined && slipway.child.exitCode === null && slipway.child.signalCode === null) {
      slipway.child.kill('SIGKILL');
      await slipway.exited;
    }
  });
  const base = await baseImage(await testEngine());
  const origin = new Origin(join(root, 'origin'));
  const [apiPort, routerPort] = [await freePort(), await freePort()];
  const top = `github: { webhookSecret: ${SECRET} }
server: { host: 127.0.0.1, port: ${apiPort} }
store: { dataDir: data }
router: { host: 127.0.0.1, port: ${routerPort}, domain: localhost }`;
  writeFileSync(join(root, 'slipway.yaml'), appConfig(origin, { top, target: DOCKER_TARGET }));
  const start = async () => {
    slipway = await startServer(t, ['--config', join(root, 'slipway.yaml')], { cwd: root, fromConfig: true });
    return slipway;
  };
  const first = await start();
  const { docker, containers } = await dockerForTest(t, join(root, 'data'), () => shas);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const hooks = new Hooks(origin, () => slipway?.url ?? '', SECRET);
  const main = origin.commitFiles('main', dockerAppFiles('main v1', base));
  const head = origin.commitFiles('feature/login', dockerAppFiles('pr v1', base));
  shas.push(main, head);
  await hooks.push('main', main);
  await hooks.pullRequest('opened', 7, 'feature/login', head);
  const [staging, preview] = await Promise.all([serving(routerPort, 'staging', 'main v1', 60_000), serving(routerPort, 'pr-7', 'pr v1', 60_000)]);
  await eventually(async () => {
    const { environments } = (await first.api('GET', '/api/environments')).json() as { environments: { state: string }[] };
    return environments.length === 2 && environments.every((env) => env.state === 'ready') ? true : undefined;
  }, 30_000);

  first.child.kill('SIGKILL');
  await first.exited;
  const before = [...(await containers('staging')), ...(await containers('pr-7'))].map((container) => container.Id).sort();
  assert.equal(before.length, 2, 'the containers outlive slipway');
  // While slipway is down, staging's container stops too: the next start must start it again.
  const [stagingContainer] = await containers('staging');
  await docker.getContainer(stagingContainer?.Id ?? '').stop({ t: 1 });

  await start();
  const [stagingAfter, previewAfter] = await Promise.all([serving(routerPort, 'staging', 'main v1', 30_000), serving(routerPort, 'pr-7', 'pr v1', 30_000)]);
  assert.equal(previewAfter.host, preview.host, 'the preview answers from the same container, adopted');
  assert.equal(stagingAfter.host, staging.host, 'staging answers from its own container, started again');
  const after = [...(await containers('staging')), ...(await containers('pr-7'))].map((container) => container.Id).sort();
  assert.deepEqual(after, before, 'no second container');

  // The new slipway manages what it adopted: a new head replaces the preview's container.
  const head2 = origin.commitFiles('feature/login', dockerAppFiles('pr v2', base));
  shas.push(head2);
  await hooks.pullRequest('synchronize', 7, 'feature/login', head2);
  const previewNext = await serving(routerPort, 'pr-7', 'pr v2', 60_000);
  assert.notEqual(previewNext.host, preview.host);
  await eventually(async () => ((await containers('pr-7')).length === 1 ? true : undefined), 10_000);
  const running = slipway;
  assert.ok(running !== undefined);
  running.child.kill('SIGTERM');
  assert.equal(await running.exited, 0, running.output());
  assert.equal((await containers('staging')).length, 1, 'a stopping slipway leaves its containers for the next start');
});
