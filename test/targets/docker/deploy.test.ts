import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LABELS } from '../../../src/targets/docker/labels.js';
import { capture } from '../helpers.js';
import { ask, request, setup, SHA1, SHA2, worktree } from './helpers.js';

test('a healthy deploy builds the image, starts a container on 127.0.0.1 and routes the environment to it', async (t) => {
  const { app, root, base, docker, routes, statuses, target } = await setup(t, { resources: { memoryBytes: 256 * 1024 ** 2, cpus: 0.5, pids: 256 } });
  const workdir = worktree(root, 'a', base, { version: 'one' });
  const out = capture();
  const secret = 'hunter2-not-in-any-argv';
  const result = await target.apply(request(app, workdir, { log: out.log, vars: { API_KEY: secret, NODE_ENV: 'production' } }));

  assert.deepEqual(result, { url: `http://pr-7.${app}.slipway.test`, builtBy: 'Dockerfile' });
  const port = routes.ports.get('pr-7');
  assert.ok(port !== undefined);
  assert.deepEqual(routes.calls, [`starting ${app}/pr-7`, `set ${app}/pr-7 ${port}`]);
  const { version, env } = await ask(port);
  assert.equal(version, 'one');
  assert.equal(env.PORT, '8080');
  assert.equal(env.API_KEY, secret);
  assert.equal(env.SLIPWAY_SHA, SHA1);
  assert.equal(env.SLIPWAY_URL, `http://pr-7.${app}.slipway.test`);
  assert.match(out.text(), /building slipway\/web-[0-9a-f]{8}:1111111111111111111111111111111111111111 from Dockerfile/);
  assert.match(out.text(), /Step \d+\/\d+ : COPY server.cjs VERSION/, 'the build output is in the deployment log');

  const [info] = await docker.listContainers({ filters: { label: [`${LABELS.app}=${app}`, `${LABELS.env}=pr-7`] } });
  assert.ok(info !== undefined);
  const inspected = await docker.getContainer(info.Id).inspect();
  assert.deepEqual(inspected.HostConfig.PortBindings, { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  assert.deepEqual(
    inspected.NetworkSettings.Ports['8080/tcp']?.map((binding) => binding.HostIp),
    ['127.0.0.1'],
    'published on 127.0.0.1 only',
  );
  assert.equal(inspected.HostConfig.Memory, 256 * 1024 ** 2);
  assert.equal(inspected.HostConfig.NanoCpus, 500_000_000);
  assert.equal(inspected.HostConfig.PidsLimit, 256);
  assert.deepEqual(inspected.HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '1048576', 'max-file': '3' } }, 'its output is rotated');
  const labels = inspected.Config.Labels;
  assert.equal(labels[LABELS.managed], 'true');
  assert.equal(labels[LABELS.app], app);
  assert.equal(labels[LABELS.env], 'pr-7');
  assert.equal(labels[LABELS.sha], SHA1);
  assert.equal(labels[LABELS.deployment], '42');
  assert.ok(![inspected.Path, ...inspected.Args].some((arg) => arg.includes(secret)), 'the secret is not in the container command');
  const argvs = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).map((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  });
  assert.ok(!argvs.some((argv) => argv.includes(secret)), 'no process on this machine has the secret in its argv');
  assert.deepEqual(await target.list(), [{ app, env: 'pr-7', sha: SHA1 }]);
  assert.deepEqual(statuses, [{ app, env: 'pr-7', state: 'running', restarts: 0, lastExitCode: null, lastSignal: null }]);
});

test('target.publish: the port is published on that address of the engine\'s machine, probed and routed there, and nowhere else', async (t) => {
  const { app, root, base, docker, routes, target } = await setup(t, { publish: '127.0.0.2' });
  const out = capture();
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' }), { log: out.log }));
  const port = routes.ports.get('pr-7');
  assert.ok(port !== undefined);
  assert.equal(routes.hosts.get('pr-7'), '127.0.0.2');
  assert.equal((await ask(port, '127.0.0.2')).version, 'one');
  await assert.rejects(ask(port, '127.0.0.1'), { code: 'ECONNREFUSED' }, 'not on 127.0.0.1');
  const [info] = await docker.listContainers({ filters: { label: [`${LABELS.app}=${app}`, `${LABELS.env}=pr-7`] } });
  assert.deepEqual((await docker.getContainer(info?.Id ?? '').inspect()).HostConfig.PortBindings, { '8080/tcp': [{ HostIp: '127.0.0.2', HostPort: '' }] });
  assert.match(out.text(), new RegExp(`published on 127\\.0\\.0\\.2\\n[^]*now goes to container slipway-${app}-pr-7-\\S+ \\(127\\.0\\.0\\.2:${port}\\)`));
});

test('the same sha again changes nothing; a new sha is switched to once healthy and the old container goes', async (t) => {
  const { app, root, base, docker, routes, target } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  const calls = routes.calls.length;
  const again = capture();
  const same = await target.apply(request(app, worktree(root, 'a', base, { version: 'one' }), { log: again.log }));
  assert.equal(same.builtBy, 'Dockerfile', 'what runs was built by the Dockerfile still');
  assert.equal(routes.calls.length, calls);
  assert.match(again.text(), /already runs, healthy/);

  const oldPort = routes.ports.get('pr-7') ?? 0;
  const out = capture();
  await target.apply(request(app, worktree(root, 'b', base, { version: 'two' }), { sha: SHA2, deploymentId: 43, log: out.log }));
  const newPort = routes.ports.get('pr-7') ?? 0;
  assert.notEqual(newPort, oldPort);
  assert.equal((await ask(newPort)).version, 'two');
  assert.deepEqual(routes.calls.slice(calls), [`set ${app}/pr-7 ${newPort}`, `drained ${oldPort}`]);
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.app}=${app}`, `${LABELS.env}=pr-7`] } });
  assert.deepEqual(left.map((container) => container.Labels[LABELS.sha]), [SHA2], 'only the new container is left');
  assert.match(out.text(), /stopping the container it replaces/);
});
