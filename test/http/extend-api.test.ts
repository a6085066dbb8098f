import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Origin } from '../helpers/git.js';
import { startTestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import type { Answer } from '../helpers/webhook.js';

// POST /api/environments/:app/:env/extend through a real slipway (HTTP on a free port, SQLite in a
// temp folder, a real git repository): it moves the expiry as `/slipway extend` does, and refuses
// what it cannot do without changing anything.

const HOUR = 3_600_000;

function refused(answer: Answer, status: number, code: string, message: RegExp): void {
  assert.equal(answer.status, status, answer.body);
  const { error } = answer.json() as { error: { code: string; message: string } };
  assert.equal(error.code, code);
  assert.match(error.message, message);
}

test('extend pushes a live environment\'s expiry out as /slipway extend does, and refuses bad durations, kept and TTL-less environments', async (t) => {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  origin.commit('main', 'v1');
  origin.commit('qa', 'qa1');
  const yaml = `
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: [sh, -c, 'echo deployed'], timeout: 30s }
    environments:
      - { name: staging, track: { branch: main } }
      - { name: qa, track: { branch: qa }, ttl: 1h }
`;
  const service = await startTestService(t, { yaml, dataDir: join(root, 'data') });
  assert.equal((await service.api('POST', '/api/environments/webapp/qa/deploy', { ref: 'qa' })).status, 202);
  assert.equal((await service.api('POST', '/api/environments/webapp/staging/deploy', { ref: 'main' })).status, 202);
  const before = await service.store.getEnvironment('webapp', 'qa');
  assert.ok(before?.expiresAt !== null && before?.expiresAt !== undefined);

  const asked = Date.now();
  const answer = await service.api('POST', '/api/environments/webapp/qa/extend', { by: '2d' });
  assert.equal(answer.status, 200, answer.body);
  const { expiresAt } = answer.json() as { expiresAt: number };
  // The TTL counts from now, then two days more.
  assert.ok(expiresAt >= asked + HOUR + 48 * HOUR && expiresAt <= Date.now() + HOUR + 48 * HOUR, `${expiresAt - asked}`);
  const after = await service.store.getEnvironment('webapp', 'qa');
  assert.equal(after?.expiresAt, expiresAt);
  assert.equal(after?.generation, before.generation, 'nothing is deployed again');

  const extend = (env: string, body?: unknown) => service.api('POST', `/api/environments/webapp/${env}/extend`, body);
  refused(await extend('qa', { by: '2weeks' }), 400, 'invalid_duration', /"2weeks" is not a duration: expected a duration such as 30s/);
  refused(await extend('qa', { by: '0s' }), 400, 'invalid_duration', /longer than 0s/);
  refused(await extend('qa', { by: '31d' }), 400, 'invalid_duration', /at most 30d/);
  refused(await extend('qa', { by: 48 }), 400, 'bad_body', /such as \{"by": "2d"\}/);
  refused(await extend('qa'), 400, 'bad_body', /such as \{"by": "2d"\}/);
  refused(await extend('qa', { by: '1h', until: 'never' }), 400, 'bad_body', /unknown field "until"; expected only: by/);
  refused(await extend('staging', { by: '1h' }), 409, 'does_not_expire', /webapp\/staging does not expire \(it has no TTL\)/);
  refused(await extend('nowhere', { by: '1h' }), 404, 'not_found', /no environment webapp\/nowhere/);
  refused(await service.api('POST', '/api/environments/shop/qa/extend', { by: '1h' }), 404, 'not_found', /unknown app "shop"; expected one of: webapp/);
  assert.equal((await service.store.getEnvironment('webapp', 'qa'))?.expiresAt, expiresAt, 'no refusal changed the expiry');

  await service.store.changeEnvironments([{ kind: 'command', app: 'webapp', env: 'qa', trigger: 'command.keep', keep: true }], 'test');
  refused(await extend('qa', { by: '1h' }), 409, 'does_not_expire', /it is kept/);
  await service.api('POST', '/api/environments/webapp/qa/destroy');
  refused(await extend('qa', { by: '1h' }), 404, 'not_found', /destroyed/);
});
