import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { refused } from '../helpers/api.js';
import { Origin } from '../helpers/git.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { eventually, type Answer } from '../helpers/webhook.js';

// The rollback, history and gate endpoints through a real slipway (HTTP on a free port, SQLite
// in a temp folder, a real git repository): what they refuse, and that a refusal changes nothing.

async function setup(t: TestContext) {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  const yaml = `
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: [sh, -c, 'echo deployed'], timeout: 30s }
    environments:
      - name: staging
        track: { branch: main }
      - name: dev
        track: { branch: develop }
        gate: { checks: [build] }
`;
  const service = await startTestService(t, { yaml, dataDir: join(root, 'data') });
  return { origin, service };
}

const call = (service: TestService, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> => service.api(method, path, body);

test('rollback, history, gate and deploy {follow} refuse bad requests with a code, changing nothing', async (t) => {
  const { origin, service } = await setup(t);
  const sha = origin.commit('main', 'v1');
  assert.equal((await call(service, 'POST', '/api/environments/webapp/staging/deploy', { sha })).status, 202);
  const env = await eventually(async () => {
    const found = await service.store.getEnvironment('webapp', 'staging');
    return found?.state === 'ready' ? found : undefined;
  });
  const rollback = '/api/environments/webapp/staging/rollback';
  refused(await call(service, 'POST', rollback, { to: sha, why: 'x' }), 400, 'bad_body', /unknown field "why"; expected only: to/);
  refused(await call(service, 'POST', rollback, { to: 42 }), 400, 'invalid_sha', /40 \(or 64/);
  refused(await call(service, 'POST', rollback, { to: 'main' }), 400, 'invalid_sha', /full commit sha/);
  refused(await call(service, 'POST', rollback, '[1]'), 400, 'bad_body', /JSON object/);
  refused(await call(service, 'POST', rollback), 409, 'nothing_to_roll_back', /no earlier successful deployment/);
  refused(await call(service, 'POST', rollback, { to: sha }), 409, 'already_running', /already runs/);
  refused(await call(service, 'POST', '/api/environments/webapp/nowhere/rollback'), 404, 'not_found', /no environment webapp\/nowhere/);
  refused(await call(service, 'POST', '/api/environments/webapp/staging/deploy', { follow: false }), 400, 'bad_body', /follow must be true/);
  refused(await call(service, 'POST', '/api/environments/webapp/staging/deploy', { follow: true, sha }), 400, 'bad_body', /give one of ref, sha or follow/);
  refused(await call(service, 'POST', '/api/environments/webapp/staging/deploy', { follow: true }), 409, 'no_ref', /only ever pinned/);
  refused(await call(service, 'GET', '/api/environments/webapp/staging/deployments?limit=0'), 400, 'invalid_query', /limit must be/);
  refused(await call(service, 'GET', '/api/environments/webapp/staging/deployments?limit=abc'), 400, 'invalid_query', /limit must be/);
  refused(await call(service, 'GET', '/api/environments/webapp/staging/gate'), 404, 'no_gate', /has no gate/);
  refused(await call(service, 'GET', '/api/environments/webapp/dev/gate?sha=zz'), 400, 'invalid_sha', /full commit sha/);
  refused(await call(service, 'GET', '/api/environments/webapp/dev/gate'), 404, 'not_found', /no environment webapp\/dev/);
  // With a sha, the gate reads before the environment exists: signals may arrive first.
  const early = await call(service, 'GET', `/api/environments/webapp/dev/gate?sha=${sha}`);
  assert.equal(early.status, 200, early.body);
  assert.equal((early.json() as { verdict: { summary: string } }).verdict.summary, 'waiting for check build (missing)');
  const after = await service.store.getEnvironment('webapp', 'staging');
  assert.equal(after?.generation, env.generation, 'nothing was changed');
  assert.equal(after?.quarantinedSha, null);

  const history = await call(service, 'GET', '/api/environments/webapp/staging/deployments?limit=5');
  assert.equal(history.status, 200);
  const body = history.json() as { deployments: { sha: string; state: string }[] };
  assert.deepEqual(body.deployments.map((d) => `${d.sha}:${d.state}`), [`${sha}:success`]);
});
