import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refused } from '../helpers/api.js';
import { dashboardApp } from '../helpers/dashboard-app.js';
import { follow } from '../helpers/seed.js';

// POST /api/environments/:app/:env/extend through a real slipway (HTTP on a free port, SQLite in a
// temp folder, a real git repository): it moves the expiry as `/slipway extend` does, and refuses
// what it cannot do without changing anything.

const HOUR = 3_600_000;

test('extend pushes a live environment\'s expiry out as /slipway extend does, and refuses bad durations, kept and TTL-less environments', async (t) => {
  const { service } = await dashboardApp(t);
  await service.store.changeEnvironments([follow('webapp', 'pr-5', 'refs/pull/5/head', { rule: 'pr-{number}', pr: 5, ttlMs: HOUR })], 'test');
  assert.equal((await service.api('POST', '/api/environments/webapp/staging/deploy', { ref: 'main' })).status, 202);
  const before = await service.store.getEnvironment('webapp', 'pr-5');
  assert.ok(before?.expiresAt !== null && before?.expiresAt !== undefined);

  const asked = Date.now();
  const answer = await service.api('POST', '/api/environments/webapp/pr-5/extend', { by: '2d' });
  assert.equal(answer.status, 200, answer.body);
  const { expiresAt } = answer.json() as { expiresAt: number };
  // The TTL counts from now, then two days more.
  assert.ok(expiresAt >= asked + HOUR + 48 * HOUR && expiresAt <= Date.now() + HOUR + 48 * HOUR, `${expiresAt - asked}`);
  const after = await service.store.getEnvironment('webapp', 'pr-5');
  assert.equal(after?.expiresAt, expiresAt);
  assert.equal(after?.generation, before.generation, 'nothing is deployed again');

  const extend = (env: string, body?: unknown) => service.api('POST', `/api/environments/webapp/${env}/extend`, body);
  refused(await extend('pr-5', { by: '2weeks' }), 400, 'invalid_duration', /"2weeks" is not a duration: expected a duration such as 30s/);
  refused(await extend('pr-5', { by: '0s' }), 400, 'invalid_duration', /longer than 0s/);
  refused(await extend('pr-5', { by: '31d' }), 400, 'invalid_duration', /at most 30d/);
  refused(await extend('pr-5', { by: 48 }), 400, 'bad_body', /such as \{"by": "2d"\}/);
  refused(await extend('pr-5'), 400, 'bad_body', /such as \{"by": "2d"\}/);
  refused(await extend('pr-5', { by: '1h', until: 'never' }), 400, 'bad_body', /unknown field "until"; expected only: by/);
  refused(await extend('staging', { by: '1h' }), 409, 'does_not_expire', /webapp\/staging does not expire \(it has no TTL\)/);
  refused(await extend('nowhere', { by: '1h' }), 404, 'not_found', /no environment webapp\/nowhere/);
  refused(await service.api('POST', '/api/environments/shop/pr-5/extend', { by: '1h' }), 404, 'not_found', /unknown app "shop"; expected one of: webapp, docs/);
  assert.equal((await service.store.getEnvironment('webapp', 'pr-5'))?.expiresAt, expiresAt, 'no refusal changed the expiry');

  await service.store.changeEnvironments([{ kind: 'command', app: 'webapp', env: 'pr-5', trigger: 'command.keep', keep: true }], 'test');
  refused(await extend('pr-5', { by: '1h' }), 409, 'does_not_expire', /it is kept/);
  await service.api('POST', '/api/environments/webapp/pr-5/destroy');
  refused(await extend('pr-5', { by: '1h' }), 404, 'not_found', /destroyed/);
});
