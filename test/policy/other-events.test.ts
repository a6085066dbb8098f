// Events that move none of the example's environments (CI results, pings), and a deployment
// status for one without rollback (a note for its timeline).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicy } from '../../src/policy/policy.js';
import { EXAMPLE, load } from './helpers.js';

test('CI results and pings yield no intents', () => {
  const events = [
    load('check_suite', 'check-suite-completed-failure'),
    load('workflow_run', 'workflow-run-completed-failure'),
    { kind: 'ping' as const, hookId: 1, hookType: 'Repository', events: ['push'], zen: 'z', repository: null, sender: null, installationId: null },
  ];
  for (const event of events) {
    const result = applyPolicy(event, EXAMPLE);
    assert.deepEqual(result.intents, [], event.kind);
    // CI results are kept as signals for the apps of their repository; the rest are not signals.
    const ci = event.kind === 'check_suite' || event.kind === 'workflow_run';
    assert.deepEqual(result.signal?.apps ?? null, ci ? ['web'] : null, event.kind);
  }
});

test('a deployment status of an environment without rollback is noted on its timeline, nothing more', () => {
  const result = applyPolicy(load('deployment_status', 'deployment-status-failure'), EXAMPLE);
  assert.deepEqual(result.intents, [{
    kind: 'note', app: 'web', env: 'staging', trigger: 'deployment_status.failure', githubDeploymentId: 2450017788,
    message: 'GitHub deployment 2450017788: failure (https://github.com/acme/webapp/actions/runs/15388990011)',
  }]);
  assert.match(result.decisions.find((d) => d.environment === 'staging')?.reason ?? '', /no rollback configured/);
});

test('policy is pure: the same input gives the same output and the config is not changed', () => {
  const before = JSON.stringify(EXAMPLE);
  const event = load('push', 'push-forced');
  assert.deepEqual(applyPolicy(event, EXAMPLE), applyPolicy(event, EXAMPLE));
  assert.equal(JSON.stringify(EXAMPLE), before);
});
