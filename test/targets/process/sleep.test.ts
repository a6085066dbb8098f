import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { alive, ask, MANIFEST, request, setup, SHA2, worktree } from './helpers.js';

const never = () => new AbortController().signal;

test('sleep stops the release and keeps its worktree; wake starts it again from there and routes to it', async (t) => {
  const { root, routes, target } = setup(t);
  await target.apply(request(worktree(root, 'a', MANIFEST)));
  const first = await ask(routes.ports.get('pr-7') ?? 0);

  assert.equal(await target.sleep('web', 'pr-7'), true);
  assert.equal(alive(first.pid), false, 'its process group is gone');
  assert.deepEqual(routes.calls.slice(-2), ['sleeping web/pr-7', `drained ${first.env.PORT}`], 'requests wake it from now; those in flight drain first');
  assert.equal(await target.sleep('web', 'pr-7'), false, 'asleep already: nothing to stop');
  assert.deepEqual((await target.list()).map((env) => env.env), ['pr-7'], 'a sleeping environment is still one the target runs');

  await target.wake('web', 'pr-7', never());
  const woken = await ask(routes.ports.get('pr-7') ?? 0);
  assert.notEqual(woken.pid, first.pid);
  assert.equal(woken.env.SLIPWAY_SHA, first.env.SLIPWAY_SHA, 'the same release');
  assert.equal(woken.env.PORT, String(routes.ports.get('pr-7')), 'PORT says where it listens');
});

test('a restarted slipway leaves a sleeping environment asleep, and a deploy to it runs the new release', async (t) => {
  const { root, routes, target, another } = setup(t);
  await target.apply(request(worktree(root, 'a', MANIFEST)));
  await target.sleep('web', 'pr-7');
  await target.close();
  routes.calls.length = 0;

  const again = another();
  await again.recover();
  assert.deepEqual(routes.calls, ['sleeping web/pr-7'], 'not started again at recovery');
  await again.apply(request(worktree(root, 'b', MANIFEST), { sha: SHA2 }));
  const serving = await ask(routes.ports.get('pr-7') ?? 0);
  assert.equal(serving.env.SLIPWAY_SHA, SHA2);
  assert.equal(await again.sleep('web', 'pr-7'), true, 'awake again: it can sleep');
});

test('a release that cannot start again stays asleep, and the wake says why', async (t) => {
  const { root, routes, target } = setup(t);
  const dir = worktree(root, 'a', MANIFEST);
  await target.apply(request(dir));
  await target.sleep('web', 'pr-7');
  rmSync(dir, { recursive: true, force: true });
  const calls = routes.calls.length;
  await assert.rejects(target.wake('web', 'pr-7', never()), { code: 'target_process_no_worktree' });
  assert.equal(routes.calls.length, calls, 'its route still sleeps');
  assert.equal(await target.sleep('web', 'pr-7'), false, 'still asleep');
});
