import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { LABELS } from '../../../src/targets/docker/labels.js';
import { ask, request, setup, SHA2, until, worktree } from './helpers.js';

const SHA3 = '3333333333333333333333333333333333333333';

// Replicas sharing one store and one engine: each replica supervises the containers it made.
// When another replica routes an environment to a container of its own (it deployed it) or
// removes its route (it destroyed it), the container this replica ran for it goes. FakeRoutes
// stands for the route table, and its follow() for the word of another replica's change.

async function running(docker: Docker, app: string, env: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.app}=${app}`, `${LABELS.env}=${env}`] } });
  return list.map((container) => container.Id);
}

test('another replica routing an environment elsewhere, or removing its route, takes it over: the container here goes', async (t) => {
  const { app, root, base, docker, routes, target, logged } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  await target.apply(request(app, worktree(root, 'b', base, { version: 'two' }), { env: 'staging', sha: SHA2 }));
  const port = routes.ports.get('pr-7') ?? 0;

  // Word of its own route, and of another replica's page while it serves, change nothing.
  routes.follow(app, 'pr-7', { kind: 'ready', host: '127.0.0.1', port });
  routes.follow(app, 'pr-7', { kind: 'starting' });
  routes.follow(app, 'pr-7', { kind: 'ready', host: '10.0.0.9', port });
  // Its record goes last, then it says so.
  const handedOver = () => logged.filter((line) => line.includes('another replica took the environment over')).length;
  await until('the preview is handed over', () => handedOver() === 1);
  assert.deepEqual(await running(docker, app, 'pr-7'), []);
  await assert.rejects(ask(port), { code: 'ECONNREFUSED' });

  routes.follow(app, 'staging', null);
  await until('staging is handed over', () => handedOver() === 2);
  assert.deepEqual(await running(docker, app, 'staging'), []);
  assert.deepEqual(await target.list(), []);
  assert.ok(!routes.calls.some((call) => call.startsWith('remove ') || call.startsWith('crashed ')), `this replica wrote no route: ${routes.calls.join(', ')}`);
});

test('a replica that starts again removes its container where another took the environment over, and adopts it where the stored route is a stale one of its own', async (t) => {
  const { app, root, stateDir, base, docker, routes, target, another } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  await target.apply(request(app, worktree(root, 'b', base, { version: 'two' }), { env: 'staging', sha: SHA2 }));
  await target.close();
  const [previewPort, stagingPort] = [routes.ports.get('pr-7') ?? 0, routes.ports.get('staging') ?? 0];
  // While it was away, another replica (its own state folder) deployed pr-7 to a container of its own.
  const other = another(`${stateDir}-other`);
  await other.apply(request(app, worktree(root, 'c', base, { version: 'three' }), { sha: SHA3 }));
  const otherPort = routes.ports.get('pr-7') ?? 0;
  routes.others.set('pr-7', { kind: 'ready', host: '127.0.0.1', port: otherPort });
  // Staging's stored route names a port nothing runs on: this replica was killed before storing its last switch.
  routes.others.set('staging', { kind: 'ready', host: '127.0.0.1', port: 1 });
  routes.calls.length = 0;

  const again = another();
  await again.recover();
  assert.equal((await running(docker, app, 'pr-7')).length, 1, 'only the other replica\'s preview is left');
  assert.equal((await ask(otherPort)).version, 'three');
  assert.equal((await running(docker, app, 'staging')).length, 1, 'its own staging is adopted');
  assert.deepEqual(routes.calls, [`drained ${previewPort}`, `set ${app}/staging ${stagingPort}`], 'pr-7 is drained, not routed; staging is routed again');
  assert.equal((await ask(stagingPort)).version, 'two');
  assert.deepEqual((await again.list()).map((env) => env.env), ['staging']);
});

test('a deployment that no longer holds its lease when its container is healthy switches nothing: the container goes, the route is left as it is', async (t) => {
  const { app, root, base, docker, routes, target } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  const port = routes.ports.get('pr-7') ?? 0;
  const calls = routes.calls.length;
  await assert.rejects(
    target.apply(request(app, worktree(root, 'b', base, { version: 'two' }), { sha: SHA2, holdsLease: () => false })),
    { code: 'target_lease_lost', message: /no longer held its environment lease.*traffic was not switched to it/ },
  );
  assert.deepEqual(routes.calls.slice(calls), [], 'no route written');
  assert.equal((await ask(port)).version, 'one', 'the old container serves on');
  assert.equal((await running(docker, app, 'pr-7')).length, 1);

  // A first deployment: nothing of it is left, and no page either (the environment is another replica's to deploy).
  await assert.rejects(target.apply(request(app, worktree(root, 'c', base, { version: 'three' }), { env: 'qa', sha: SHA3, holdsLease: () => false })), { code: 'target_lease_lost' });
  assert.deepEqual(routes.calls.slice(calls), [`starting ${app}/qa`]);
  assert.deepEqual(await running(docker, app, 'qa'), []);
  assert.deepEqual((await target.list()).map((env) => env.env), ['pr-7']);
});
