import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHost } from '../../src/router/host.js';
import { RouteTable } from '../../src/router/routes.js';

test('parseHost reads <env>.<app>.<domain>, in any case, with a port or a trailing dot', () => {
  const web = { app: 'web', env: 'pr-7' };
  for (const host of ['pr-7.web.localhost', 'PR-7.Web.LocalHost', 'pr-7.web.localhost:8081', 'pr-7.web.localhost.', 'pr-7.web.localhost.:80']) {
    assert.deepEqual(parseHost(host, 'localhost'), web, host);
  }
  assert.deepEqual(parseHost('staging.api.apps.example.com', 'apps.example.com'), { app: 'api', env: 'staging' });
});

test('parseHost refuses every other shape', () => {
  const hosts = [
    undefined,
    '',
    'localhost',
    'web.localhost',
    'a.pr-7.web.localhost',
    'pr-7.web.example.com',
    'pr-7.weblocalhost',
    '.web.localhost',
    'pr-7..localhost',
    'pr_7.web.localhost',
    '-pr.web.localhost',
    `${'a'.repeat(64)}.web.localhost`,
    '127.0.0.1:8081',
    '[::1]:8081',
    '<b>.web.localhost',
  ];
  for (const host of hosts) assert.equal(parseHost(host, 'localhost'), undefined, String(host));
});

test('a route is set, switched, marked starting only when it has no port, and removed', () => {
  const routes = new RouteTable({ domain: 'localhost', publicPort: 8081 });
  assert.equal(routes.lookup('web', 'pr-7'), undefined);
  routes.starting('web', 'pr-7');
  assert.deepEqual(routes.lookup('web', 'pr-7'), { kind: 'starting' });
  routes.set('web', 'pr-7', 4001);
  routes.starting('web', 'pr-7');
  assert.deepEqual(routes.lookup('web', 'pr-7'), { kind: 'ready', host: '127.0.0.1', port: 4001 });
  routes.set('web', 'pr-7', 4002);
  assert.deepEqual(routes.lookup('web', 'pr-7'), { kind: 'ready', host: '127.0.0.1', port: 4002 });
  assert.equal(routes.lookup('pr-7', 'web'), undefined, 'app and env are not interchangeable');
  routes.remove('web', 'pr-7');
  assert.equal(routes.lookup('web', 'pr-7'), undefined);
});

test('a failed first deploy and a crash loop are routes of their own: starting replaces a failure, only set replaces a crash loop', () => {
  const routes = new RouteTable({ domain: 'localhost', publicPort: 8081, publicUrl: 'https://slipway.example.com' });
  routes.starting('web', 'pr-7');
  routes.failed('web', 'pr-7', { deploymentId: 12 });
  assert.deepEqual(routes.lookup('web', 'pr-7'), { kind: 'failed', deploymentId: 12 });
  routes.starting('web', 'pr-7');
  assert.deepEqual(routes.lookup('web', 'pr-7'), { kind: 'starting' }, 'a new deployment builds');
  routes.set('web', 'pr-7', 4001);
  routes.failed('web', 'pr-7', { deploymentId: 13 });
  assert.deepEqual(routes.lookup('web', 'pr-7'), { kind: 'ready', host: '127.0.0.1', port: 4001 }, 'a failure never hides a release that serves');
  routes.crashed('web', 'pr-7', { exitCode: 3, signal: null, restarts: 4 });
  assert.deepEqual(routes.lookup('web', 'pr-7'), { kind: 'crashed', exitCode: 3, signal: null, restarts: 4 });
  routes.starting('web', 'pr-7');
  assert.equal(routes.lookup('web', 'pr-7')?.kind, 'crashed', 'a redeploy keeps the crash page until it switches');
  routes.set('web', 'pr-7', 4002);
  assert.deepEqual(routes.lookup('web', 'pr-7'), { kind: 'ready', host: '127.0.0.1', port: 4002 });
  assert.equal(routes.deploymentUrl(12), 'https://slipway.example.com/deployments/12');
  assert.equal(new RouteTable({ domain: 'localhost', publicPort: 8081 }).deploymentUrl(12), null, 'no server.publicUrl: no link');
});

test('urlFor leaves out port 80 and normalizes the domain', () => {
  assert.equal(new RouteTable({ domain: 'localhost', publicPort: 8081 }).urlFor('web', 'pr-7'), 'http://pr-7.web.localhost:8081/');
  assert.equal(new RouteTable({ domain: 'Apps.Example.com.', publicPort: 80 }).urlFor('web', 'pr-7'), 'http://pr-7.web.apps.example.com/');
});

test('drained counts begin/end per address and times out with false', async () => {
  const routes = new RouteTable({ domain: 'localhost', publicPort: 8081 });
  const local = '127.0.0.1';
  assert.equal(await routes.drained(4001, 1000), true, 'nothing in flight');
  routes.begin(local, 4001);
  routes.begin(local, 4001);
  routes.begin(local, 4002);
  routes.begin('10.0.0.5', 4001);
  assert.equal(await routes.drained(4001, 20), false);
  const drained = routes.drained(4001, 5000);
  routes.end(local, 4001);
  routes.end(local, 4002);
  assert.equal(await routes.drained(4002, 1000), true, 'another port drains on its own');
  routes.end(local, 4001);
  assert.equal(await drained, true, 'the same port on another host is another backend');
  assert.equal(await routes.drained(4001, 20, '10.0.0.5'), false);
  routes.end('10.0.0.5', 4001);
  assert.equal(await routes.drained(4001, 20, '10.0.0.5'), true);
  routes.end(local, 4001);
  routes.begin(local, 4001);
  assert.equal(await routes.drained(4001, 20), false, 'an extra end does not go below zero');
});
