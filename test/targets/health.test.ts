import assert from 'node:assert/strict';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { probePause, waitHealthy, type Health } from '../../src/targets/health.js';
import { whyUnhealthy } from '../../src/targets/unhealthy.js';

// Real servers on real ports of 127.0.0.1: what waitHealthy sees of each kind of app, and what
// the deployment's error then says.

/** Listens on a free port of 127.0.0.1; closed after the test (open connections cut). */
async function listen(t: TestContext, server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  return address.port;
}

/** An HTTP app, and how many requests it was sent. */
async function httpApp(t: TestContext, handler: RequestListener): Promise<{ port: number; requests: () => number }> {
  let requests = 0;
  const server = createHttpServer((req, res) => {
    requests += 1;
    handler(req, res);
  });
  return { port: await listen(t, server), requests: () => requests };
}

/** A port nothing listens on (taken, then given back). */
async function closedPort(t: TestContext): Promise<number> {
  const server = createTcpServer();
  const port = await listen(t, server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const HTTP: Health = { path: '/healthz', timeoutMs: 1500 };
const never = new AbortController().signal;

test('the schedule: fast while nothing listens, then backing off from 50 ms, doubling up to 1 s, once the app answers', () => {
  assert.equal(probePause(0, 0), 10);
  assert.equal(probePause(1999, 0), 10);
  assert.equal(probePause(2000, 0), 100);
  assert.equal(probePause(30_000, 0), 100);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map((answers) => probePause(0, answers)), [50, 100, 200, 400, 800, 1000, 1000, 1000]);
  assert.equal(probePause(30_000, 2), 100, 'the backoff does not depend on how long waiting took');
});

test('an app that answers 500 is asked a few times, not hundreds; the error gives the status, the tries and the body', async (t) => {
  const app = await httpApp(t, (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('database not migrated\n'));
  const outcome = await waitHealthy(app.port, { path: '/healthz', timeoutMs: 3000 }, never);
  assert.equal(outcome.result, 'unhealthy');
  assert.deepEqual(outcome.last, { kind: 'answered', status: 500, body: 'database not migrated' });
  assert.equal(outcome.tries, app.requests(), 'every probe reached the app');
  // Backing off from 50 ms to 1 s, 3 s hold at most 7 probes; at the fast pace they would be hundreds.
  assert.ok(app.requests() <= 8, `asked ${app.requests()} times`);
  assert.equal(
    whyUnhealthy(outcome, HTTP, app.port, '', false),
    `; GET /healthz answered 500 (last of ${outcome.tries} tries): "database not migrated"`,
  );
});

test('a last probe the timeout cuts short and that gets no answer does not hide the answer before it', async (t) => {
  // The first request is answered 503 at once; later ones only after the health timeout.
  const app = await httpApp(t, (_req, res) => {
    const answer = () => res.writeHead(503, { 'content-type': 'text/plain' }).end('not yet');
    if (app.requests() === 1) answer();
    else setTimeout(answer, 5000).unref();
  });
  const outcome = await waitHealthy(app.port, { path: '/healthz', timeoutMs: 1000 }, never);
  assert.equal(app.requests(), 2, 'the second probe was made, and cut short');
  assert.deepEqual([outcome.tries, outcome.last], [1, { kind: 'answered', status: 503, body: 'not yet' }]);
  assert.equal(whyUnhealthy(outcome, HTTP, app.port, '', false), '; GET /healthz answered 503 (its only try): "not yet"');
});

test('a body with terminal control characters is shown without them, on one line', async (t) => {
  const body = '\x1b[2J\x1b[31mfatal\x1b[0m:\r\nbad\u202econfig\x07 \x1b]0;owned\x07here\x9b1m\x00end';
  const app = await httpApp(t, (_req, res) => res.writeHead(503).end(body));
  const outcome = await waitHealthy(app.port, { path: '/healthz', timeoutMs: 2000 }, never);
  assert.deepEqual(outcome.last, { kind: 'answered', status: 503, body: 'fatal: bad config here end' });
  const why = whyUnhealthy(outcome, HTTP, app.port, '', false);
  assert.match(why, /^; GET \/healthz answered 503 \((its only try|last of \d+ tries)\): "fatal: bad config here end"$/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(why, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
});

test('a huge, endless body is read only so far: the probe returns, the snippet is bounded', async (t) => {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const app = await httpApp(t, (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    const more = () => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      if (!res.destroyed) res.once('drain', more);
    };
    more();
  });
  const outcome = await waitHealthy(app.port, { path: '/healthz', timeoutMs: 2000 }, never);
  assert.equal(outcome.last?.kind, 'answered');
  assert.ok(outcome.last.kind === 'answered');
  assert.equal(outcome.last.body, `${'x'.repeat(199)}…`);
  assert.ok(sent < 64 * 1024 * 1024, `the probe stopped reading (the app could send ${sent} bytes)`);
});

test('a body cut inside a character shows no half of it', async (t) => {
  // Spaces collapse, so "ok" is what shows; a 4-byte emoji straddles the 4096-byte read limit.
  const app = await httpApp(t, (_req, res) => res.writeHead(500).end(`${' '.repeat(4092)}ok😀 and more`));
  const outcome = await waitHealthy(app.port, { path: '/healthz', timeoutMs: 200 }, never);
  assert.deepEqual(outcome.last, { kind: 'answered', status: 500, body: 'ok' });
  const short = await httpApp(t, (_req, res) => res.writeHead(500).end(`${'é'.repeat(198)}😀😀`));
  const cut = await waitHealthy(short.port, { path: '/healthz', timeoutMs: 200 }, never);
  assert.deepEqual(cut.last, { kind: 'answered', status: 500, body: `${'é'.repeat(198)}…` }, 'the 200-character cut does not split the emoji');
});

test('nothing listening: the error says plainly that nothing answered on PORT', async (t) => {
  const port = await closedPort(t);
  // 1 s, not 200 ms: a loaded machine can spend 200 ms on one refused connection, and this checks that the count is said.
  const outcome = await waitHealthy(port, { path: null, timeoutMs: 1000 }, never);
  assert.deepEqual([outcome.result, outcome.last], ['unhealthy', { kind: 'refused' }]);
  assert.ok(outcome.tries > 1, `${outcome.tries} tries`);
  assert.equal(whyUnhealthy(outcome, { path: null, timeoutMs: 200 }, port, 'booting\n', false), `; nothing answered on PORT=${port} (${outcome.tries} tries)`);
  assert.equal(
    whyUnhealthy(outcome, { path: null, timeoutMs: 200 }, port, 'booting\nServer listening on 5000\n', false),
    `; nothing answered on PORT=${port} (${outcome.tries} tries); listening on 5000 instead of PORT=${port}? Make the app listen on the port slipway gives it in $PORT`,
  );
});

test('an app that takes the connection and never answers, and one that closes it at once, are told apart from nothing listening', async (t) => {
  const silent = await listen(t, createTcpServer(() => {}));
  const outcome = await waitHealthy(silent, { path: '/healthz', timeoutMs: 300 }, never);
  assert.deepEqual(outcome.last, { kind: 'silent' });
  assert.match(whyUnhealthy(outcome, HTTP, silent, '', false), /^; GET \/healthz was taken but not answered in time \((its only try|last of \d+ tries)\)$/);

  const closing = await listen(t, createTcpServer((socket) => socket.destroy()));
  const closed = await waitHealthy(closing, { path: '/healthz', timeoutMs: 300 }, never);
  assert.deepEqual(closed.last, { kind: 'closed' });
  assert.match(whyUnhealthy(closed, HTTP, closing, '', false), new RegExp(`^; GET /healthz was taken and closed without an answer \\(last of \\d+ tries\\): is it HTTP on PORT=${closing}\\?$`));
  assert.ok(closed.tries < 20, `backed off: ${closed.tries} tries`);

  // Behind a publishing proxy a connection closed at once means nothing listens behind it.
  const proxied = await waitHealthy(closing, { path: '/healthz', timeoutMs: 300 }, never, { proxied: true });
  assert.deepEqual(proxied.last, { kind: 'refused' });
  const held = await waitHealthy(closing, { path: null, timeoutMs: 300 }, never, { proxied: true });
  assert.deepEqual([held.result, held.last], ['unhealthy', { kind: 'refused' }]);
});

test('an app that answers 2xx is healthy at once; one answered by a process that does not own the port is foreign', async (t) => {
  const app = await httpApp(t, (_req, res) => res.writeHead(204).end());
  assert.deepEqual(await waitHealthy(app.port, HTTP, never), { result: 'healthy', tries: 1, last: { kind: 'healthy' } });
  const foreign = await waitHealthy(app.port, { path: '/healthz', timeoutMs: 100 }, never, { owns: () => false });
  assert.equal(foreign.result, 'foreign');
  assert.equal(whyUnhealthy(foreign, HTTP, app.port, 'listening on 5000', false), `; port ${app.port} answered, but from another process, which holds it`);
});
