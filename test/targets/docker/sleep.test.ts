import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { LABELS } from '../../../src/targets/docker/labels.js';
import { ask, request, setup, worktree } from './helpers.js';

async function states(docker: Docker, app: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.app}=${app}`] } });
  return list.map((container) => container.State);
}

test('sleep stops the container and keeps it; wake starts that same container again and routes to it', async (t) => {
  const { app, root, base, docker, routes, target } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  assert.deepEqual(await states(docker, app), ['running']);
  const port = routes.ports.get('pr-7');

  assert.equal(await target.sleep(app, 'pr-7'), true);
  assert.deepEqual(await states(docker, app), ['exited'], 'stopped, not removed');
  assert.deepEqual(routes.calls.slice(-2), [`sleeping ${app}/pr-7`, `drained ${port}`], 'requests wake it from now; those in flight drain first');
  assert.equal(await target.sleep(app, 'pr-7'), false, 'asleep already: nothing to stop');
  assert.deepEqual((await target.list()).map((env) => env.env), ['pr-7'], 'a sleeping environment is still one the target runs');

  await target.wake(app, 'pr-7', new AbortController().signal);
  assert.deepEqual(await states(docker, app), ['running'], 'the same container, started again');
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, 'one');
});

test('a restarted slipway leaves a sleeping container asleep (and stops one a kill left running)', async (t) => {
  const { app, root, base, docker, routes, target, another } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  await target.sleep(app, 'pr-7');
  await target.close();
  const [container] = await docker.listContainers({ all: true, filters: { label: [`${LABELS.app}=${app}`] } });
  // As if slipway died after recording the sleep but before the container stopped.
  await docker.getContainer(container?.Id ?? '').start();
  routes.calls.length = 0;

  const again = another();
  await again.recover();
  assert.deepEqual(routes.calls, [`sleeping ${app}/pr-7`]);
  assert.deepEqual(await states(docker, app), ['exited']);
  await again.wake(app, 'pr-7', new AbortController().signal);
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, 'one');
});

test('a container that cannot start again stays asleep, and the wake says why', async (t) => {
  const { app, root, base, docker, target } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  await target.sleep(app, 'pr-7');
  const [container] = await docker.listContainers({ all: true, filters: { label: [`${LABELS.app}=${app}`] } });
  await docker.getContainer(container?.Id ?? '').remove({ force: true });
  await assert.rejects(target.wake(app, 'pr-7', new AbortController().signal), /container/);
  assert.equal(await target.sleep(app, 'pr-7'), false, 'still asleep');
});
