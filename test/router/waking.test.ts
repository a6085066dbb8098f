import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ask, echoBackend, openSocket, socketEchoBackend, testRouter, type Echo } from './helpers.js';

// The waker stands in for the engine, which starts a sleeping environment's release under its lease.

test('a request to a sleeping environment waits while it wakes, then reaches it with its body; concurrent ones share one wake-up', async (t) => {
  const { routes, router } = await testRouter(t);
  const port = await echoBackend(t, 'pr-7');
  routes.sleeping('web', 'pr-7');
  const woken: string[] = [];
  routes.setWaker(async (app, env) => {
    woken.push(`${app}/${env}`);
    await sleep(300);
    routes.set(app, env, port);
  });
  const [post, get] = await Promise.all([
    ask(router.port, 'pr-7.web.localhost', '/form', { method: 'POST', body: 'held while it woke', headers: { 'content-type': 'text/plain' } }),
    ask(router.port, 'pr-7.web.localhost', '/', { headers: { accept: 'application/json' } }),
  ]);
  assert.equal(post.status, 201);
  assert.equal((JSON.parse(post.body) as Echo).body, 'held while it woke');
  assert.equal(get.status, 201);
  assert.deepEqual(woken, ['web/pr-7']);
  assert.deepEqual(routes.takeUses().map(({ app, env }) => `${app}/${env}`), ['web/pr-7'], 'a request to it counts as its use');
});

test('a browser gets the self-reloading "waking up" page after a second; a failed wake answers 502', async (t) => {
  const { routes, router } = await testRouter(t);
  routes.sleeping('web', 'pr-7');
  let fail = false;
  let tries = 0;
  routes.setWaker(async () => {
    tries += 1;
    if (fail) throw new Error('start command exited with code 1');
    await sleep(3000);
  });
  const browser = await ask(router.port, 'pr-7.web.localhost', '/', { headers: { accept: 'text/html,*/*' } });
  assert.equal(browser.status, 503);
  assert.equal(browser.headers['retry-after'], '1');
  assert.match(browser.body, /<title>This environment is waking up<\/title>/);
  assert.match(browser.body, /<meta http-equiv="refresh" content="1">/);

  await sleep(3100);
  fail = true;
  const failed = await ask(router.port, 'pr-7.web.localhost', '/', { headers: { accept: 'application/json' } });
  assert.equal(failed.status, 502);
  assert.match(failed.body, /could not wake up/);
  assert.match(failed.body, /slipway logs web pr-7/);
  assert.ok(!failed.body.includes('exited with code 1'), 'the error stays out of the public page');
  fail = false;
  const soon = await ask(router.port, 'pr-7.web.localhost', '/', { headers: { accept: 'application/json' } });
  assert.equal(soon.status, 502, 'right after a failed wake-up no request starts another one');
  assert.equal(tries, 2, 'the first wake-up and the one that failed; none since');
});

test('a WebSocket upgrade to a sleeping environment wakes it and is then passed through', async (t) => {
  const { routes, router } = await testRouter(t);
  const { port } = await socketEchoBackend(t);
  routes.sleeping('web', 'pr-7');
  routes.setWaker(async (app, env) => {
    await sleep(200);
    routes.set(app, env, port);
  });
  const opened = await openSocket(router.port, 'pr-7.web.localhost');
  assert.equal(opened.status, 101);
  opened.socket?.destroy();
});
