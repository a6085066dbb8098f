import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { crashedPage, failedPage } from '../../src/router/pages.js';
import { RouteTable } from '../../src/router/routes.js';
import { startRouter } from '../../src/router/router.js';
import { ask, backend, captureLog, closedPort, echoBackend, LISTENER, openSocket, socketEchoBackend, testRouter } from './helpers.js';

test('an unknown host answers 404 with a page that names no environment', async (t) => {
  const { routes, router } = await testRouter(t);
  routes.set('web', 'pr-7', await echoBackend(t, 'pr-7'));
  routes.set('api', 'staging', await echoBackend(t, 'staging'));
  const hosts = ['localhost', 'nope.localhost', 'pr-99.web.localhost', 'pr-7.web.example.com', 'a.pr-7.web.localhost', '127.0.0.1'];
  for (const host of hosts) {
    const answer = await ask(router.port, host, '/', { headers: { accept: 'application/json' } });
    assert.equal(answer.status, 404, host);
    assert.match(String(answer.headers['content-type']), /^text\/html/, host);
    assert.match(answer.body, /No environment at this address/, host);
    assert.ok(answer.body.includes(host), host);
    for (const secret of ['pr-7.web', 'staging', 'api']) assert.ok(!answer.body.replace(host, '').includes(secret), `${host} shows ${secret}`);
  }
  const hostile = await ask(router.port, '<script>x</script>.localhost');
  assert.equal(hostile.status, 404);
  assert.ok(!hostile.body.includes('<script>x'));
  assert.ok(hostile.body.includes('&#60;script&#62;x&#60;/script&#62;.localhost'));
});

test('an environment building its first deployment answers 503 with Retry-After; a dead backend 502', async (t) => {
  const { log, lines } = captureLog();
  const { routes, router } = await testRouter(t, { log });
  routes.starting('web', 'pr-7');
  const starting = await ask(router.port, 'pr-7.web.localhost');
  assert.equal(starting.status, 503);
  assert.equal(starting.headers['retry-after'], '5');
  assert.match(starting.body, /<title>This environment is building<\/title>/);
  assert.match(starting.body, /first deployment is being built and started/);
  assert.match(starting.body, /<meta http-equiv="refresh" content="5">/);

  routes.set('api', 'staging', await closedPort());
  const down = await ask(router.port, 'staging.api.localhost', '/', { method: 'POST', body: 'not logged' });
  assert.equal(down.status, 502);
  assert.match(down.body, /not answering/);
  const errors = lines.filter((line) => line.msg === 'proxy error');
  assert.equal(errors.length, 1);
  assert.deepEqual([errors[0]?.app, errors[0]?.env, errors[0]?.code, errors[0]?.level], ['api', 'staging', 'ECONNREFUSED', 20]);
  assert.ok(!JSON.stringify(lines).includes('not logged'));
});

test('a failed first deployment answers 502 saying so and where its log is, without Retry-After', async (t) => {
  const { router, routes } = await testRouter(t, { publicUrl: 'https://slipway.example.com/base' });
  routes.starting('web', 'pr-7');
  routes.failed('web', 'pr-7', { deploymentId: 12 });
  const failed = await ask(router.port, 'pr-7.web.localhost', '/some/page');
  assert.equal(failed.status, 502);
  assert.equal(failed.headers['retry-after'], undefined, 'waiting does not help: a new commit or deploy does');
  assert.equal(failed.headers['cache-control'], 'no-store');
  assert.match(failed.body, /<title>This environment's deployment failed<\/title>/);
  assert.match(failed.body, /deployment 12\) failed, so nothing runs here yet/);
  assert.match(failed.body, /<code>slipway logs web pr-7 --build<\/code>/);
  assert.match(failed.body, /<a href="https:\/\/slipway\.example\.com\/base\/deployments\/12">/);
  assert.match(failed.body, /<code>slipway deploy web pr-7<\/code>/);

  const { router: bare, routes: bareRoutes } = await testRouter(t);
  bareRoutes.failed('web', 'pr-7', { deploymentId: 12 });
  const unlinked = await ask(bare.port, 'pr-7.web.localhost');
  assert.equal(unlinked.status, 502);
  assert.ok(!unlinked.body.includes('<a '), 'no server.publicUrl: the command only');
  assert.match(unlinked.body, /slipway logs web pr-7 --build/);
});

test('a crash-looping release answers 502 saying it keeps crashing, with how it last ended', async (t) => {
  const { router, routes } = await testRouter(t);
  routes.set('web', 'pr-7', await closedPort());
  routes.crashed('web', 'pr-7', { exitCode: 3, signal: null, restarts: 4 });
  const crashed = await ask(router.port, 'pr-7.web.localhost');
  assert.equal(crashed.status, 502);
  assert.match(crashed.body, /<title>This environment keeps crashing<\/title>/);
  assert.match(crashed.body, /last exited with code 3; after 4 restarts slipway no longer starts it again/);
  assert.match(crashed.body, /<code>slipway logs web pr-7<\/code>/);
  routes.crashed('web', 'pr-7', { exitCode: null, signal: 'SIGKILL', restarts: 2 });
  assert.match((await ask(router.port, 'pr-7.web.localhost')).body, /was last killed by SIGKILL; after 2 restarts/);
  routes.set('web', 'pr-7', await echoBackend(t, 'fixed'));
  assert.equal((await ask(router.port, 'pr-7.web.localhost')).status, 201, 'a new release serves again');
});

test('every value on the failure and crash pages is HTML-escaped', () => {
  const hostile = '<script>alert(1)</script>"\'&';
  const failed = failedPage({ app: hostile, env: hostile }, 7, `https://x.example/"><img src=x onerror=alert(1)>`);
  const crashed = crashedPage({ app: hostile, env: hostile }, { exitCode: null, signal: hostile, restarts: 1 });
  for (const page of [failed, crashed]) {
    assert.ok(!page.body.includes('<script>alert'), page.body);
    assert.ok(!page.body.includes('"><img'), page.body);
    assert.ok(page.body.includes('&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;'), page.body);
  }
});

test('an upgrade to an unknown, starting, failed, crashed or dead environment gets the same answers', async (t) => {
  const { routes, router } = await testRouter(t);
  routes.starting('web', 'pr-7');
  routes.set('api', 'staging', await closedPort());
  routes.failed('web', 'pr-8', { deploymentId: 3 });
  routes.crashed('web', 'pr-9', { exitCode: 1, signal: null, restarts: 4 });
  assert.equal((await openSocket(router.port, 'nope.web.localhost')).status, 404);
  assert.equal((await openSocket(router.port, 'pr-7.web.localhost')).status, 503);
  assert.equal((await openSocket(router.port, 'staging.api.localhost')).status, 502);
  assert.equal((await openSocket(router.port, 'pr-8.web.localhost')).status, 502);
  assert.equal((await openSocket(router.port, 'pr-9.web.localhost')).status, 502);
});

test('drained(port) waits for the in-flight requests to that port, or gives up with false', async (t) => {
  const { routes, router } = await testRouter(t);
  const releases: (() => void)[] = [];
  const slow = await backend(t, (_req, res) => releases.push(() => res.end('slow')));
  routes.set('web', 'pr-7', slow);
  assert.equal(await routes.drained(slow, 1000), true, 'nothing in flight yet');

  const answer = ask(router.port, 'pr-7.web.localhost');
  while (releases.length === 0) await sleep(5);
  assert.equal(await routes.drained(slow, 50), false);
  let settled = false;
  const drained = routes.drained(slow, 5000).then((value) => ((settled = true), value));
  routes.set('web', 'pr-7', await echoBackend(t, 'next'));
  assert.equal((await ask(router.port, 'pr-7.web.localhost')).headers['x-backend'], 'next');
  assert.equal(settled, false, 'the slow request is still in flight after the switch');
  releases.shift()?.();
  assert.equal((await answer).body, 'slow');
  assert.equal(await drained, true);
});

test('a client that goes away ends its in-flight request', async (t) => {
  const { routes, router } = await testRouter(t);
  let received = false;
  const stuck = await backend(t, () => (received = true));
  routes.set('web', 'pr-7', stuck);
  const client = request({ host: '127.0.0.1', port: router.port, headers: { host: 'pr-7.web.localhost' } });
  client.on('error', () => {});
  client.end();
  while (!received) await sleep(5);
  assert.equal(await routes.drained(stuck, 20), false);
  client.destroy();
  assert.equal(await routes.drained(stuck, 5000), true);
});

test('a backend that dies mid-response ends the client response and its in-flight count', { timeout: 5000 }, async (t) => {
  const { routes, router } = await testRouter(t);
  const dying = await backend(t, (_req, res) => {
    res.writeHead(200).write('partial');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  routes.set('web', 'pr-7', dying);
  await assert.rejects(ask(router.port, 'pr-7.web.localhost'), { code: 'ECONNRESET' });
  assert.equal(await routes.drained(dying, 5000), true);
});

test('two routers run in one process, each with its own routes', async (t) => {
  const one = await testRouter(t);
  const two = await testRouter(t, { domain: 'apps.test' });
  one.routes.set('web', 'pr-7', await echoBackend(t, 'one'));
  two.routes.set('web', 'pr-7', await echoBackend(t, 'two'));
  assert.equal((await ask(one.router.port, 'pr-7.web.localhost')).headers['x-backend'], 'one');
  assert.equal((await ask(two.router.port, 'pr-7.web.apps.test')).headers['x-backend'], 'two');
  assert.equal((await ask(two.router.port, 'pr-7.web.localhost')).status, 404);
  await one.router.close();
  assert.equal((await ask(two.router.port, 'pr-7.web.apps.test')).status, 201);
});

test('close() ends open streams and WebSockets at once; a taken port is a clear error', { timeout: 5000 }, async (t) => {
  const { routes, router } = await testRouter(t);
  routes.set('web', 'pr-7', await backend(t, (_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: open\n\n')));
  routes.set('web', 'ws', (await socketEchoBackend(t)).port);
  const { socket } = await openSocket(router.port, 'ws.web.localhost');
  const socketClosed = new Promise((resolve) => socket?.on('close', resolve));
  const stream = await new Promise<IncomingMessage>((resolve, reject) => {
    request({ host: '127.0.0.1', port: router.port, headers: { host: 'pr-7.web.localhost' } }, (res) => res.once('data', () => resolve(res)))
      .on('error', reject)
      .end();
  });
  const streamClosed = new Promise((resolve) => stream.on('close', resolve));
  await Promise.all([router.close(), streamClosed, socketClosed]);

  const taken = await testRouter(t);
  const routes2 = new RouteTable({ domain: 'localhost', publicPort: taken.router.port });
  const log = captureLog().log;
  await assert.rejects(startRouter({ host: '127.0.0.1', port: taken.router.port, routes: routes2, log, ...LISTENER }), {
    code: 'router_listen_failed',
    message: new RegExp(`127\\.0\\.0\\.1:${taken.router.port} \\(EADDRINUSE\\)`),
  });
});
