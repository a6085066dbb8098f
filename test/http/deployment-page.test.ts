import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestService } from '../helpers/service.js';
import { send } from '../helpers/webhook.js';

// slipway's page for one deployment (GitHub links to it as the deployment's log), read over
// real HTTP from a real slipway on SQLite.

const YAML = (top: string) => `${top}apps:\n  - name: webapp\n    repo: acme/webapp\n    target: { type: command, deploy: [./deploy.sh] }\n    environments:\n      - { name: staging, track: { branch: main } }\n`;

test('a deployment page shows what was deployed where, its timeline and log, all escaped', async (t) => {
  const service = await startTestService(t, { yaml: YAML('') });
  const { store } = service;
  await store.changeEnvironments([{ kind: 'follow', app: 'webapp', env: 'staging', ref: 'refs/heads/<b>main</b>', shaHint: null, pr: null, branch: 'main', ttlMs: null, trigger: 'push' }], 'd0');
  const env = await store.getEnvironment('webapp', 'staging');
  assert.ok(env !== null);
  // The engine converges too; this test holds the lease first and writes the deployment itself.
  const token = await store.acquireLease(`env:${env.id}`, 'test', 60_000);
  assert.ok(token !== null, 'the test holds the environment');
  const fence = { lease: `env:${env.id}`, token };
  const deployment = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha: 'a'.repeat(40), ref: env.desiredRef, trigger: 'push', deliveryId: 'd0', fence });
  await store.completeDeployment({ id: deployment.id, state: 'failure', error: 'exit <1> & "quoted"', log: '<script>alert(1)</script>\n', url: null, fence });

  const page = await service.api('GET', `/deployments/${deployment.id}`);
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.ok(page.body.includes(`<title>Deployment ${deployment.id} · slipway</title>`), page.body);
  assert.ok(page.body.includes('>webapp/staging</a>'), page.body);
  assert.ok(page.body.includes(`<code>${'a'.repeat(40)}</code>`));
  assert.ok(page.body.includes('refs/heads/&#60;b&#62;main&#60;/b&#62;'));
  assert.ok(page.body.includes('exit &#60;1&#62; &#38; &#34;quoted&#34;'));
  assert.ok(page.body.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
  assert.ok(!page.body.includes('<script>') && !page.body.includes('<b>'), page.body);

  assert.equal((await service.api('GET', `/deployments/x1`)).status, 400);
  assert.equal((await service.api('GET', `/deployments/999999`)).status, 404);
});

test('the deployment page asks a browser without a session to sign in, and lets the API token in', async (t) => {
  const service = await startTestService(t, { yaml: YAML('server:\n  apiToken: tok-9\n') });
  const anonymous = await send(`${service.url}/deployments/1`, { method: 'GET' });
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.location, '/login?next=%2Fdeployments%2F1');
  const allowed = await send(`${service.url}/deployments/1`, { method: 'GET', headers: { authorization: 'Bearer tok-9' } });
  assert.equal(allowed.status, 404, 'let in; there is no deployment 1');
});
