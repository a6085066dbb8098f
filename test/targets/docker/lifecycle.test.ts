import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { LABELS } from '../../../src/targets/docker/labels.js';
import type { DestroyRequest } from '../../../src/targets/target.js';
import { capture } from '../helpers.js';
import { ask, request, setup, SHA1, SHA2, until, worktree } from './helpers.js';

const SHA3 = '3333333333333333333333333333333333333333';
const FAST = { baseMs: 50, maxMs: 200, stableMs: 60_000 };

async function containers(docker: Docker, app: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.app}=${app}`] } });
}

async function images(docker: Docker, app: string): Promise<string[]> {
  const list = await docker.listImages({ filters: { reference: [`slipway/${app}`] } });
  return list.flatMap((image) => image.RepoTags ?? []).sort();
}

function destroyRequest(app: string, env: string, log: (text: string) => void = () => undefined): DestroyRequest {
  return { app, env, workdir: null, vars: {}, log, signal: new AbortController().signal };
}

test('a restarted slipway adopts the running container (no second one) and starts a stopped one again', async (t) => {
  const { app, root, base, docker, routes, target, another } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  await target.apply(request(app, worktree(root, 'b', base, { version: 'two' }), { env: 'staging', sha: SHA2 }));
  await target.close();
  const before = await containers(docker, app);
  assert.equal(before.length, 2, 'slipway stopping leaves its containers running');
  const staging = before.find((container) => container.Labels[LABELS.env] === 'staging');
  await docker.getContainer(staging?.Id ?? '').stop({ t: 1 });
  routes.ports.clear();

  const again = another();
  await again.recover();
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, 'one', 'the running one is routed again');
  await until('staging answers again', () => ask(routes.ports.get('staging') ?? 0).then(() => true, () => false));
  assert.equal((await ask(routes.ports.get('staging') ?? 0)).version, 'two');
  const after = await containers(docker, app);
  assert.deepEqual(after.map((container) => container.Id).sort(), before.map((container) => container.Id).sort(), 'the same containers, no new one');
  assert.deepEqual((await again.list()).map((running) => running.env).sort(), ['pr-7', 'staging']);
});

test('a container that crashes is started again with backoff, with its restarts and last exit code reported', async (t) => {
  const { app, root, base, routes, statuses, target } = await setup(t, {}, { backoff: FAST });
  await target.apply(request(app, worktree(root, 'a', base), { vars: { CRASH_AFTER_MS: '700' } }));
  await until('a restart is reported', () => statuses.some((status) => status.state === 'running' && status.restarts >= 1));
  const restarting = statuses.find((status) => status.state === 'restarting');
  assert.deepEqual(restarting, { app, env: 'pr-7', state: 'restarting', restarts: 1, lastExitCode: 3, lastSignal: null });
  await until('it gives up after crashing five times in a row', () => statuses.some((status) => status.state === 'crashed'), 30_000);
  assert.ok(routes.calls.filter((call) => call.startsWith('set ')).length >= 2, 'each healthy restart is routed');
  assert.match(routes.calls.at(-1) ?? '', new RegExp(`^crashed ${app}/pr-7 code 3 signal null restarts \\d+$`), 'its URL says it keeps crashing');
});

test('destroy removes the containers and the images no environment keeps; destroying again finds nothing', async (t) => {
  const { app, root, base, docker, routes, target } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base)));
  await target.apply(request(app, worktree(root, 'b', base), { env: 'staging', sha: SHA2 }));
  const out = capture();
  await target.destroy(destroyRequest(app, 'pr-7', out.log));
  assert.match(out.text(), /removed the container of web-[0-9a-f]+\/pr-7 and its route/);
  assert.ok(routes.calls.includes(`remove ${app}/pr-7`));
  assert.deepEqual((await containers(docker, app)).map((container) => container.Labels[LABELS.env]), ['staging']);
  assert.deepEqual(await images(docker, app), [`slipway/${app}:${SHA2}`], "the destroyed environment's image went; staging's stays");
  assert.deepEqual(await target.list(), [{ app, env: 'staging', sha: SHA2 }]);
  const again = capture();
  await target.destroy(destroyRequest(app, 'pr-7', again.log));
  assert.match(again.text(), /no container runs for web-[0-9a-f]+\/pr-7; nothing to destroy/);
});

test('images are kept for the last two successful shas of an environment and removed beyond that', async (t) => {
  const { app, root, base, docker, target } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base), { sha: SHA1 }));
  await target.apply(request(app, worktree(root, 'b', base), { sha: SHA2 }));
  assert.deepEqual(await images(docker, app), [`slipway/${app}:${SHA1}`, `slipway/${app}:${SHA2}`]);
  await target.apply(request(app, worktree(root, 'c', base), { sha: SHA3 }));
  assert.deepEqual(await images(docker, app), [`slipway/${app}:${SHA2}`, `slipway/${app}:${SHA3}`]);
});

test('containers of environments slipway has no record of are listed, so the orphan sweep removes them', async (t) => {
  const { app, root, base, docker, stateDir, target } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base)));
  // The record is lost (a restored data folder, say): the container is still found by its labels.
  rmSync(join(stateDir, `${app}.pr-7.json`));
  assert.deepEqual(await target.list(), [{ app, env: 'pr-7', sha: null }]);
  await target.destroy(destroyRequest(app, 'pr-7'));
  assert.deepEqual(await containers(docker, app), []);
});

test('a container a crash left half-deployed is removed at recovery', async (t) => {
  const { app, root, base, docker, target, another } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base)));
  const [serving] = await containers(docker, app);
  // A container a deployment started when slipway died before switching to it.
  const instance = serving?.Labels[LABELS.instance] ?? '';
  const stray = await docker.createContainer({
    Image: `slipway/${app}:${SHA1}`,
    Labels: { [LABELS.managed]: 'true', [LABELS.instance]: instance, [LABELS.app]: app, [LABELS.env]: 'pr-7', [LABELS.sha]: SHA2 },
  });
  await target.close();
  await another().recover();
  assert.deepEqual((await containers(docker, app)).map((container) => container.Id), [serving?.Id]);
  await assert.rejects(docker.getContainer(stray.id).inspect(), /no such container/i);
});

test('removing an image no environment keeps leaves its layers: the next build starts from them', async (t) => {
  const { app, root, base, target } = await setup(t);
  const dockerfile = `FROM ${base}\nWORKDIR /app\nRUN ["node", "-e", "require('fs').writeFileSync('/app/deps', 'x'.repeat(1e6))"]\nCOPY server.cjs VERSION ./\nCMD ["node", "server.cjs"]\n`;
  await target.apply(request(app, worktree(root, 'a', base, { dockerfile }), { env: 'pr-7', sha: SHA1 }));
  await target.destroy(destroyRequest(app, 'pr-7'));
  const out = capture();
  await target.apply(request(app, worktree(root, 'b', base, { dockerfile, version: 'two' }), { env: 'pr-8', sha: SHA2, log: out.log }));
  assert.match(out.text(), /Step 3\/\d+ : RUN \["node", "-e".*\n ---> Using cache\n/, 'the dependency step came from the cache');
});

test('two environments deploying one sha build its image once; one cancelled does not fail the other', async (t) => {
  const { app, root, base, routes, target } = await setup(t);
  const workdir = worktree(root, 'a', base, { version: 'shared' });
  const [first, second] = [capture(), capture()];
  await Promise.all([
    target.apply(request(app, workdir, { env: 'staging', log: first.log })),
    target.apply(request(app, workdir, { env: 'pr-7', log: second.log })),
  ]);
  const builds = [first.text(), second.text()].filter((text) => text.includes('Successfully built'));
  assert.equal(builds.length, 1, 'built once');
  assert.match([first.text(), second.text()].join(''), /is being made for another environment; waiting for it/);
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, 'shared');

  const slow = worktree(root, 'b', base, { dockerfile: `FROM ${base}\nRUN ["node", "-e", "setTimeout(() => {}, 1500)"]\nWORKDIR /app\nCOPY server.cjs VERSION ./\nCMD ["node", "server.cjs"]\n`, version: 'slow' });
  const cancel = new AbortController();
  const cancelled = target.apply(request(app, slow, { env: 'staging', sha: SHA2, signal: cancel.signal, log: capture((text) => text.includes('Step 2/') && cancel.abort()).log }));
  const other = target.apply(request(app, slow, { env: 'pr-7', sha: SHA2 }));
  await assert.rejects(cancelled, (error: Error & { code?: string }) => error.code === 'target_cancelled');
  await other;
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, 'slow');
});

test('dangling images and build cache are pruned on a schedule', async (t) => {
  const { logged } = await setup(t, {}, { pruneEveryMs: 200 });
  await until('a prune ran', () => logged.some((line) => line.includes('pruned dangling images and build cache')), 10_000);
  const line = JSON.parse(logged.find((each) => each.includes('pruned dangling images')) ?? '{}') as { images?: number; reclaimed?: number };
  assert.equal(typeof line.images, 'number');
  assert.equal(typeof line.reclaimed, 'number');
});
