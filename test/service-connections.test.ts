import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { startTestService, type TestService } from './helpers/service.js';
import { deliver, eventually, send } from './helpers/webhook.js';

// Both listeners of a real slipway (webhook/API server and router) on 127.0.0.1, with small
// connection caps and short timeouts, flooded by a bounded number of idle connections.

const APP = 'apps: [{ name: web, repo: acme/web }]';
const ping = { zen: 'Keep it logically awesome.', hook_id: 7, hook: { type: 'Repository', id: 7, events: ['push'] } };

/** A connection to 127.0.0.1:`port` that sends `text` (nothing when empty); `closedAt` is when the server closed it. */
function idle(t: TestContext, port: number, text = '') {
  const socket: Socket = connect(port, '127.0.0.1', () => {
    if (text !== '') socket.write(text);
  });
  const openedAt = Date.now();
  const state = { socket, openedAt, closedAt: null as number | null, received: '' };
  socket.on('data', (chunk: Buffer) => (state.received += chunk.toString()));
  socket.on('error', () => {});
  socket.on('close', () => (state.closedAt = Date.now()));
  t.after(() => socket.destroy());
  return state;
}

/** The status of `GET /` at 127.0.0.1:`port` on a fresh connection, or the error code when none came. */
function status(port: number, host: string): Promise<number | string> {
  return new Promise((resolve) => {
    request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('timeout', function (this: { destroy(): void }) {
        this.destroy();
      })
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
      .end();
  });
}

async function refusedCount(service: TestService, listener: string): Promise<number> {
  const metrics = (await service.api('GET', '/metrics')).body;
  const line = metrics.split('\n').find((text) => text.startsWith(`slipway_connections_refused_total{listener="${listener}"}`));
  return Number(line?.split(' ')[1] ?? 0);
}

test('a flood of idle router connections past its cap is refused at once; the webhook port still answers; the router answers again after the idle timeout', { timeout: 30_000 }, async (t) => {
  const cap = 4;
  const yaml = `router: { host: 127.0.0.1, maxConnections: ${cap}, headersTimeout: 2s }\nserver: { maxConnections: 8 }\n${APP}`;
  const service = await startTestService(t, { yaml });
  const routerPort = Number(new URL(service.routerUrl ?? '').port);

  const flood = Array.from({ length: 3 * cap }, () => idle(t, routerPort));
  const started = Date.now();
  await eventually(async () => (flood.filter((c) => c.closedAt !== null).length >= 2 * cap ? true : undefined), 1500);
  assert.ok(Date.now() - started < 2000, 'the connections over the cap are closed before any idle timeout');
  assert.equal(flood.filter((c) => c.closedAt !== null).length, 2 * cap, 'the ones under the cap stay open');
  assert.ok(flood.every((c) => c.received === ''), 'a refused connection gets no answer: it is closed');
  assert.notEqual(await status(routerPort, 'nothing.web.localhost'), 404, 'a new router request is refused while the cap is full');

  assert.equal((await send(`${service.url}/healthz`, { method: 'GET' })).status, 200);
  assert.equal((await deliver(service.url, { event: 'ping', payload: ping })).status, 202);
  assert.equal(await refusedCount(service, 'router'), 2 * cap + 1);
  assert.equal(await refusedCount(service, 'server'), 0);

  // The idle ones are closed by the router's headers timeout, then it takes requests again.
  await eventually(async () => (flood.every((c) => c.closedAt !== null) ? true : undefined), 4000);
  assert.equal(await status(routerPort, 'nothing.web.localhost'), 404);
});

test('idle connections are closed near the configured timeouts on both listeners: silent, half a request, kept alive', { timeout: 30_000 }, async (t) => {
  const timeouts = 'maxConnections: 50, headersTimeout: 1s, keepAliveTimeout: 2s';
  const service = await startTestService(t, { yaml: `router: { host: 127.0.0.1, ${timeouts} }\nserver: { ${timeouts} }\n${APP}` });
  const ports = { server: Number(new URL(service.url).port), router: Number(new URL(service.routerUrl ?? '').port) };
  const kinds: Record<string, { text: string; timeoutMs: number }> = {
    silent: { text: '', timeoutMs: 1000 },
    'half a request': { text: 'GET /healthz HTTP/1.1\r\nHost: x.web.localhost\r\n', timeoutMs: 1000 },
    // Told "Keep-Alive: timeout=2"; node closes 1 s later, so that a request sent just in time is not cut.
    'kept alive': { text: 'GET /healthz HTTP/1.1\r\nHost: x.web.localhost\r\n\r\n', timeoutMs: 2000 },
  };
  const connections = Object.entries(ports).flatMap(([listener, port]) =>
    Object.entries(kinds).map(([kind, { text, timeoutMs }]) => Object.assign(idle(t, port, text), { name: `${listener}, ${kind}`, timeoutMs })),
  );
  await eventually(async () => (connections.every((c) => c.closedAt !== null) ? true : undefined), 4500).catch(() => undefined);
  for (const { name, closedAt, openedAt } of connections) t.diagnostic(`${name}: ${closedAt === null ? 'open' : `closed after ${closedAt - openedAt} ms`}`);
  for (const connection of connections) {
    const { name, timeoutMs } = connection;
    assert.ok(connection.closedAt !== null, `${name}: still open after 2× its timeout of ${timeoutMs} ms`);
    const after = connection.closedAt - connection.openedAt;
    assert.ok(after >= timeoutMs - 100 && after < 2 * timeoutMs, `${name}: closed after ${after} ms, for a timeout of ${timeoutMs} ms`);
  }
  for (const name of ['server, kept alive', 'router, kept alive']) {
    const answer = connections.find((c) => c.name === name)?.received ?? '';
    assert.match(answer, /^HTTP\/1\.1 (200|404) /, `${name} was answered before it idled`);
    assert.match(answer, /\r\nKeep-Alive: timeout=2\r\n/i, name);
  }
});

test('caps that do not fit in the open-file limit stop the start with a clear error', async (t) => {
  await assert.rejects(startTestService(t, { yaml: `server: { maxConnections: 1000000 }\n${APP}` }), (error: NodeJS.ErrnoException) => {
    assert.equal(error.code, 'connection_limits');
    assert.match(error.message, /server\.maxConnections \(1000000\) and router\.maxConnections \(\d+, derived/);
    assert.match(error.message, /raise the limit \(ulimit -n/);
    return true;
  });
});
