import assert from 'node:assert/strict';
import { test } from 'node:test';
import { echoBackend, openSocket, rawExchange, socketEchoBackend, testRouter, type Echo } from './helpers.js';

// Raw sockets: node's client would neither send an absolute-form target nor two Host headers.

/** The status code and body of a raw HTTP/1.1 answer (chunked or not). */
function parseAnswer(raw: string): { status: number; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const [head, rest] = [raw.slice(0, split), raw.slice(split + 4)];
  const chunked = /\r\ntransfer-encoding: chunked/i.test(head);
  const body = chunked ? rest.replace(/(?:^|\r\n)[0-9a-f]+\r\n/gi, '') : rest;
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: body.replace(/\r\n$/, '') };
}

test('an absolute-form target picks the environment, whatever Host says; the backend gets origin form and that Host', async (t) => {
  const { routes, router } = await testRouter(t);
  routes.set('web', 'pr-1', await echoBackend(t, 'pr-1'));
  routes.set('web', 'pr-2', await echoBackend(t, 'pr-2'));
  const authority = `pr-1.web.localhost:${router.port}`;

  for (const host of ['pr-2.web.localhost', 'nothing.localhost']) {
    const raw = await rawExchange(router.port, `GET http://${authority}/x?y=1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    const { status, body } = parseAnswer(raw);
    assert.equal(status, 201, raw);
    const echo = JSON.parse(body) as Echo;
    assert.equal(echo.name, 'pr-1', `Host: ${host} is ignored`);
    assert.equal(echo.url, '/x?y=1');
    assert.equal(echo.headers.host, authority);
    assert.equal(echo.headers['x-forwarded-host'], authority);
  }
  const unknown = parseAnswer(await rawExchange(router.port, 'GET http://nothing.localhost/ HTTP/1.1\r\nHost: pr-1.web.localhost\r\nConnection: close\r\n\r\n'));
  assert.equal(unknown.status, 404, 'the target names no environment, so Host does not rescue it');
});

test('an absolute-form target that is not an http URL with a host is refused with 400', async (t) => {
  const { routes, router } = await testRouter(t);
  routes.set('web', 'pr-1', await echoBackend(t, 'pr-1'));
  for (const target of ['ftp://pr-1.web.localhost/x', 'http:///x', 'urn:pr-1.web.localhost']) {
    const raw = await rawExchange(router.port, `GET ${target} HTTP/1.1\r\nHost: pr-1.web.localhost\r\nConnection: close\r\n\r\n`);
    assert.equal(parseAnswer(raw).status, 400, `${target}: ${raw}`);
  }
});

test('a request with two Host headers is refused with 400, in any letter case, upgrades included', async (t) => {
  const { routes, router } = await testRouter(t);
  routes.set('web', 'pr-1', await echoBackend(t, 'pr-1'));
  for (const [first, second] of [['Host', 'Host'], ['Host', 'host'], ['HOST', 'hOsT']]) {
    const raw = await rawExchange(router.port, `GET /x HTTP/1.1\r\n${first}: pr-1.web.localhost\r\n${second}: pr-2.web.localhost\r\nConnection: close\r\n\r\n`);
    const { status, body } = parseAnswer(raw);
    assert.equal(status, 400, raw);
    assert.match(body, /Host/);
  }
  const same = await rawExchange(router.port, 'GET /x HTTP/1.1\r\nHost: pr-1.web.localhost\r\nHost: pr-1.web.localhost\r\nConnection: close\r\n\r\n');
  assert.equal(parseAnswer(same).status, 400, 'two Host lines are refused even when they agree');
  const upgrade = await rawExchange(
    router.port,
    'GET /socket HTTP/1.1\r\nHost: pr-1.web.localhost\r\nHost: pr-2.web.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
  );
  assert.equal(parseAnswer(upgrade).status, 400, upgrade);
});

test('a WebSocket upgrade with an absolute-form target goes to the environment the target names', async (t) => {
  const { routes, router } = await testRouter(t);
  const sockets = await socketEchoBackend(t);
  routes.set('web', 'pr-1', sockets.port);
  const raw = await rawExchange(
    router.port,
    `GET http://pr-1.web.localhost/socket HTTP/1.1\r\nHost: elsewhere.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    /\r\n\r\n/,
  );
  assert.match(raw, /^HTTP\/1\.1 101 /, raw);
  assert.equal(sockets.upgrades[0]?.host, 'pr-1.web.localhost');
  assert.equal((await openSocket(router.port, 'pr-1.web.localhost')).status, 101, 'origin form still works');
});
