import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { commitState, deploymentRequest, deploymentStatus, shorten } from '../../src/github/deployment-report.js';
import { isOwnDeployment } from '../../src/policy/deployments.js';
import type { Deployment as GitHubDeployment } from '../../src/events/domain.js';

const none = { error: null, message: null };

test('slipway states map to GitHub deployment states, waiting says what for, a failure says why', () => {
  assert.deepEqual(deploymentStatus('waiting', { error: null, message: 'gate: waiting for check test (missing)' }), { state: 'queued', description: 'waiting: gate: waiting for check test (missing)' });
  assert.deepEqual(deploymentStatus('queued', none), { state: 'queued', description: 'queued' });
  assert.deepEqual(deploymentStatus('in_progress', none), { state: 'in_progress', description: 'deploying' });
  assert.deepEqual(deploymentStatus('success', none), { state: 'success', description: 'deployed' });
  assert.deepEqual(deploymentStatus('failure', { error: 'build command exited with code 1', message: 'x' }), { state: 'failure', description: 'build command exited with code 1' });
  assert.deepEqual(deploymentStatus('error', { error: null, message: 'interrupted' }), { state: 'error', description: 'interrupted' });
  assert.deepEqual(deploymentStatus('inactive', { error: null, message: 'environment destroyed' }), { state: 'inactive', description: 'environment destroyed' });
  assert.deepEqual(deploymentStatus('inactive', none, 'superseded'), { state: 'inactive', description: 'superseded by a newer deployment' });
  assert.deepEqual(deploymentStatus('inactive', none, 'destroyed'), { state: 'inactive', description: 'environment destroyed' });
  assert.deepEqual(['queued', 'in_progress', 'success', 'failure', 'error', 'inactive'].map((s) => commitState(s as never)), ['pending', 'pending', 'success', 'failure', 'error', null]);
});

test('descriptions fit GitHub\'s 140 characters on one line, cut with an ellipsis', () => {
  const long = `line one\n${'x'.repeat(300)}`;
  const description = deploymentStatus('failure', { error: long, message: null }).description;
  assert.equal(description.length, 140);
  assert.ok(description.startsWith('line one xxx'));
  assert.ok(description.endsWith('…'));
  assert.equal(shorten('  a \t b  '), 'a b');
  assert.equal(shorten('x'.repeat(140)), 'x'.repeat(140));
});

test('a GitHub deployment request: the sha, transient for previews and branches, production where configured, the marker policy knows', () => {
  const config = parseConfig(`apps:
  - name: web
    repo: acme/web
    target: { type: command, deploy: [./deploy.sh] }
    environments:
      - { name: production, track: { release: {} }, productionEnvironment: true }
      - { name: staging, track: { branch: main } }
      - { name: "pr-{number}", track: { pullRequests: {} } }
      - { name: "br-{branch}", track: { branches: ["feature/*"] } }
`, 'slipway.yaml', {}, '/srv');
  const rules = config.apps[0]?.environments ?? [];
  const request = (name: string, env: string) => deploymentRequest({ id: 12, app: 'web', env, sha: 'a'.repeat(40) }, rules.find((rule) => rule.name === name) ?? null);
  const production = request('production', 'production');
  assert.deepEqual(production, {
    ref: 'a'.repeat(40),
    environment: 'production',
    task: 'deploy',
    auto_merge: false,
    required_contexts: [],
    transient_environment: false,
    production_environment: true,
    description: 'slipway deploys web to production',
    payload: { slipway: { app: 'web', env: 'production', deployment: 12 } },
  });
  assert.deepEqual(
    [request('staging', 'staging'), request('pr-{number}', 'pr-7'), request('br-{branch}', 'br-feature-x')].map((r) => [r.transient_environment, r.production_environment]),
    [[false, false], [true, false], [true, false]],
  );
  // The `deployment` webhook GitHub sends back for it is recognized as slipway's own.
  assert.ok(isOwnDeployment({ payload: production.payload } as unknown as GitHubDeployment));
});
