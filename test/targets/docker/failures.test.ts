import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../../src/logger.js';
import { DockerTarget } from '../../../src/targets/docker/docker-target.js';
import { LABELS } from '../../../src/targets/docker/labels.js';
import { capture } from '../helpers.js';
import { ask, dockerConfig, request, setup, SHA1, SHA2, worktree } from './helpers.js';

async function containersOf(docker: import('dockerode'), app: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.app}=${app}`] } });
  return list.map((container) => container.Labels[LABELS.sha] ?? '');
}

test('a Dockerfile that fails to build leaves the previous release serving, with the build output in the error', async (t) => {
  const { app, root, base, docker, routes, target } = await setup(t);
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  const port = routes.ports.get('pr-7') ?? 0;
  const broken = worktree(root, 'b', base, { dockerfile: `FROM ${base}\nRUN echo preparing the frobnicator && exit 7\n` });
  await assert.rejects(target.apply(request(app, broken, { sha: SHA2, deploymentId: 43 })), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_docker_build');
    assert.match(error.message, /^docker build failed: The command '\/bin\/sh -c echo preparing the frobnicator && exit 7' returned a non-zero code: 7/);
    assert.match(error.message, /its last output:\n( {2}.*\n)* {2}preparing the frobnicator/);
    return true;
  });
  assert.equal(routes.ports.get('pr-7'), port, 'the route still points to the old container');
  assert.equal((await ask(port)).version, 'one');
  assert.deepEqual(await containersOf(docker, app), [SHA1]);
});

test('a container that never gets healthy is removed, the old one keeps serving, and its output is in the error', async (t) => {
  // 6 s, not 2: under CI's load a container can take more than 2 s to listen at all, and then the error says so instead.
  const { app, root, base, docker, routes, target } = await setup(t, { health: { path: '/healthz', timeoutMs: 6000 } });
  await target.apply(request(app, worktree(root, 'a', base, { version: 'one' })));
  const port = routes.ports.get('pr-7') ?? 0;
  const sick = worktree(root, 'b', base, { version: 'two' });
  await assert.rejects(target.apply(request(app, sick, { sha: SHA2, deploymentId: 43, vars: { HEALTHY: 'never' } })), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_docker_unhealthy');
    assert.match(error.message, /^the container did not answer GET \/healthz with 2xx within 6s; GET \/healthz answered 503 \(last of \d+ tries\): "not yet"; its last output:\n {2}app starting on 8080/);
    return true;
  });
  assert.equal(routes.ports.get('pr-7'), port);
  assert.equal((await ask(port)).version, 'one');
  assert.deepEqual(await containersOf(docker, app), [SHA1], 'the unhealthy container is gone');
});

test('a container that exits at start fails the deployment with its exit code and output; a first deploy leaves its failure page only', async (t) => {
  const { app, root, base, docker, routes, target } = await setup(t);
  const out = capture();
  await assert.rejects(target.apply(request(app, worktree(root, 'a', base), { vars: { EXIT_AT_START: '4' }, log: out.log })), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_docker_exited');
    // stdout and stderr reach the engine's log through separate pipes: their relative order is not kept.
    const [head, ...lines] = error.message.split('\n');
    assert.equal(head, 'the container exited with code 4 before it became healthy; its last output:');
    assert.deepEqual(lines.sort(), ['  app starting on 8080', '  fatal: cannot start']);
    return true;
  });
  assert.deepEqual(routes.calls, [`starting ${app}/pr-7`, `failed ${app}/pr-7 deployment 42`]);
  assert.deepEqual(await containersOf(docker, app), []);
  assert.deepEqual(await target.list(), []);
});

test('a TCP health check waits for the app itself, not for the port Docker publishes', async (t) => {
  const { app, root, base, routes, target } = await setup(t, { health: { path: null, timeoutMs: 20_000 } });
  // The app listens only after 1.5 s; Docker's proxy accepts connections on the published port at once.
  const slow = `FROM ${base}\nWORKDIR /app\nCOPY server.cjs VERSION ./\nCMD ["node", "-e", "setTimeout(() => require('./server.cjs'), 1500)"]\n`;
  await target.apply(request(app, worktree(root, 'a', base, { version: 'late', dockerfile: slow })));
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, 'late', 'switched only once the app answers');
});

test('a container listening on another port than PORT, or on 127.0.0.1 inside, is told so', async (t) => {
  // 6 s for the same reason as above: the app must have started listening before the check gives up.
  const { app, root, base, target } = await setup(t, { health: { path: null, timeoutMs: 6000 } });
  // Real listeners, said the way Flask says it: on 5000 (PORT is 8080), then on PORT but on loopback only.
  const server = (host: string, port: string) =>
    `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '${host}', () => console.log(' * Running on http://${host}:' + ${port}));\n`;
  const elsewhere = worktree(root, 'a', base, { files: { 'server.cjs': server('0.0.0.0', '5000') } });
  await assert.rejects(target.apply(request(app, elsewhere)), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_docker_unhealthy');
    assert.match(
      error.message,
      /^the container did not accept a TCP connection on port 8080 within 6s; nothing answered on PORT=8080 \(\d+ tries\); listening on 5000 instead of PORT=8080\? Make the app listen on the port slipway gives it in \$PORT; its last output:\n {3}\* Running on http:\/\/0\.0\.0\.0:5000$/,
    );
    return true;
  });
  const loopback = worktree(root, 'b', base, { files: { 'server.cjs': server('127.0.0.1', 'process.env.PORT') } });
  await assert.rejects(target.apply(request(app, loopback, { sha: SHA2, deploymentId: 43 })), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_docker_unhealthy');
    assert.match(error.message, /; nothing answered on PORT=8080 \(\d+ tries\); listening on 127\.0\.0\.1:8080 inside the container\? The published port does not reach it there: listen on 0\.0\.0\.0; its last output:/);
    return true;
  });
});

test('a container killed for memory says so', async (t) => {
  const { app, root, base, target } = await setup(t, { resources: { memoryBytes: 32 * 1024 ** 2, cpus: null, pids: 256 } });
  const hog = `FROM ${base}\nCMD ["node", "-e", "const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))"]\n`;
  await assert.rejects(target.apply(request(app, worktree(root, 'a', base, { dockerfile: hog }))), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_docker_exited');
    assert.match(error.message, /^the container was killed: out of memory \(32MiB\) before it became healthy/);
    return true;
  });
});

test('an engine that cannot be reached fails the deployment readably and destroys nothing', async (t) => {
  const { app, root, base, stateDir, target: good, routes } = await setup(t);
  await good.apply(request(app, worktree(root, 'a', base)));
  await good.close();
  // The same slipway (state folder, routes) started again, told a socket where no engine answers.
  const target = new DockerTarget(dockerConfig({ host: 'unix:///nonexistent/docker.sock' }), { app, stateDir, routes, log: createLogger({ level: 'silent', pretty: false }) });
  t.after(() => target.close());
  await target.recover();
  await assert.rejects(target.apply(request(app, worktree(root, 'b', base), { sha: SHA2 })), /no Docker Engine at unix:\/\/\/nonexistent\/docker\.sock \(the socket does not exist; is dockerd running\?\)/);
  await assert.rejects(target.list(), /listing the containers: no Docker Engine at/);
  await assert.rejects(target.destroy({ app, env: 'pr-7', workdir: null, vars: {}, log: () => undefined, signal: new AbortController().signal }), /no Docker Engine/);
  assert.deepEqual(await good.list(), [{ app, env: 'pr-7', sha: SHA1 }], 'the environment is untouched: its record and its container');
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, 'a');
});
