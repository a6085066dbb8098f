import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backend, openSocket, socketEchoBackend, testRouter } from './helpers.js';

// The router's idle timeouts are short here (1 s): what is not idle must outlive them.

const SHORT = { headersTimeoutMs: 1000, keepAliveTimeoutMs: 1000 };

test('a WebSocket outlives the idle timeouts, quiet or not', { timeout: 15_000 }, async (t) => {
  const { routes, router } = await testRouter(t, { limits: SHORT });
  const sockets = await socketEchoBackend(t);
  routes.set('web', 'pr-7', sockets.port);
  const { status, socket } = await openSocket(router.port, 'pr-7.web.localhost');
  assert.equal(status, 101);
  assert.ok(socket !== undefined);
  t.after(() => socket.destroy());
  let closed = false;
  socket.once('close', () => (closed = true));
  await sleep(2500);
  assert.equal(closed, false, 'a quiet WebSocket is still open after 2.5× the timeouts');
  const echoed = new Promise<string>((resolve) => socket.once('data', (data: Buffer) => resolve(data.toString())));
  socket.write('still there');
  assert.equal(await echoed, 'still there');
});

test('a slow answer and a long stream outlive the idle timeouts', { timeout: 15_000 }, async (t) => {
  const { routes, router } = await testRouter(t, { limits: SHORT });
  routes.set('web', 'pr-7', await backend(t, async (_req, res) => {
    await sleep(1500);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let n = 1; n <= 4; n += 1) {
      res.write(`data: ${n}\n\n`);
      await sleep(400);
    }
    res.end();
  }));
  const text = await new Promise<string>((resolve, reject) => {
    request({ host: '127.0.0.1', port: router.port, path: '/events', headers: { host: 'pr-7.web.localhost' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(text, 'data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n');
});
