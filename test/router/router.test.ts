import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ask, backend, echo, echoBackend, listen, openSocket, socketEchoBackend, testRouter, type Echo } from './helpers.js';

test('a request reaches its environment with method, path, query, body, status and headers intact', async (t) => {
  const { routes, router } = await testRouter(t);
  routes.set('web', 'pr-7', await echoBackend(t, 'pr-7'));

  const answer = await ask(router.port, 'pr-7.web.localhost', '/api/items?q=a%20b&n=1', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'x-custom': 'kept' },
    body: 'hello body',
  });
  assert.equal(answer.status, 201);
  assert.equal(answer.headers['x-backend'], 'pr-7');
  const echo = JSON.parse(answer.body) as Echo;
  assert.equal(echo.method, 'POST');
  assert.equal(echo.url, '/api/items?q=a%20b&n=1');
  assert.equal(echo.body, 'hello body');
  assert.equal(echo.headers['x-custom'], 'kept');
  assert.equal(echo.headers.host, 'pr-7.web.localhost', 'the Host header reaches the backend as asked');
  assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(echo.headers['x-forwarded-host'], 'pr-7.web.localhost');
  assert.equal(echo.headers['x-forwarded-proto'], 'http');
  assert.equal(echo.headers['x-forwarded-port'], '80');

  for (const host of ['PR-7.Web.LOCALHOST', `pr-7.web.localhost:${router.port}`, 'pr-7.web.localhost.']) {
    const again = await ask(router.port, host, '/');
    assert.equal(again.status, 201, host);
    assert.equal(again.headers['x-backend'], 'pr-7', host);
  }
  const withPort = JSON.parse((await ask(router.port, `pr-7.web.localhost:${router.port}`)).body) as Echo;
  assert.equal(withPort.headers['x-forwarded-port'], String(router.port));
});

test('connections to a backend are kept alive and reused', async (t) => {
  const { routes, router } = await testRouter(t);
  const server = createServer(echo('pr-7'));
  let connections = 0;
  server.on('connection', () => (connections += 1));
  routes.set('web', 'pr-7', await listen(t, server));
  for (let i = 0; i < 5; i += 1) {
    const answer = await ask(router.port, 'pr-7.web.localhost', '/', { headers: { connection: 'close' } });
    assert.equal(answer.status, 201);
    assert.equal(answer.headers.connection, 'close', "the client's Connection header is about the client's hop");
  }
  assert.equal(connections, 1, "the backend's connection outlives the clients' ones");
});

test('after set, new requests go to the new port; a client polling through 20 switches sees no error', async (t) => {
  const { routes, router } = await testRouter(t);
  const [blue, green] = [await echoBackend(t, 'blue'), await echoBackend(t, 'green')];
  routes.set('web', 'staging', blue);
  assert.equal((await ask(router.port, 'staging.web.localhost')).headers['x-backend'], 'blue');
  routes.set('web', 'staging', green);
  assert.equal((await ask(router.port, 'staging.web.localhost')).headers['x-backend'], 'green');

  const seen = new Set<string>();
  let switching = true;
  const poll = (async () => {
    let count = 0;
    while (switching) {
      const answer = await ask(router.port, 'staging.web.localhost', `/poll/${count++}`);
      assert.equal(answer.status, 201, answer.body);
      seen.add(String(answer.headers['x-backend']));
      await sleep(20);
    }
    return count;
  })();
  for (let i = 0; i < 20; i += 1) {
    routes.set('web', 'staging', i % 2 === 0 ? blue : green);
    await sleep(25);
  }
  switching = false;
  assert.ok((await poll) >= 10);
  assert.deepEqual([...seen].sort(), ['blue', 'green']);
});

test('a streamed response arrives chunk by chunk, before the backend has finished', async (t) => {
  const { routes, router } = await testRouter(t);
  let finished = false;
  routes.set('web', 'pr-7', await backend(t, async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const n of [1, 2, 3]) {
      res.write(`data: ${n}\n\n`);
      await sleep(100);
    }
    finished = true;
    res.end();
  }));

  const chunks = await new Promise<{ text: string; finished: boolean }[]>((resolve, reject) => {
    const received: { text: string; finished: boolean }[] = [];
    request({ host: '127.0.0.1', port: router.port, path: '/events', headers: { host: 'pr-7.web.localhost' } }, (res) => {
      res.on('data', (chunk: Buffer) => received.push({ text: chunk.toString(), finished }));
      res.on('end', () => resolve(received));
    })
      .on('error', reject)
      .end();
  });
  assert.deepEqual(chunks[0], { text: 'data: 1\n\n', finished: false });
  assert.equal(chunks.map((chunk) => chunk.text).join(''), 'data: 1\n\ndata: 2\n\ndata: 3\n\n');
});

test('a WebSocket upgrade is proxied: the client gets 101 and its bytes echoed back', async (t) => {
  const { routes, router } = await testRouter(t);
  const sockets = await socketEchoBackend(t);
  routes.set('web', 'pr-7', sockets.port);

  const { status, socket } = await openSocket(router.port, 'pr-7.web.localhost');
  assert.equal(status, 101);
  assert.ok(socket !== undefined);
  const echoed = new Promise<string>((resolve) => socket.once('data', (data: Buffer) => resolve(data.toString())));
  socket.write('ping over the socket');
  assert.equal(await echoed, 'ping over the socket');
  socket.destroy();
  assert.equal(sockets.upgrades[0]?.['x-forwarded-proto'], 'ws');
  assert.equal(sockets.upgrades[0]?.host, 'pr-7.web.localhost');
});
