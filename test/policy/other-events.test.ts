// Events that move no environment in this issue: CI signals, deployments, pings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicy } from '../../src/policy/policy.js';
import { EXAMPLE, load } from './helpers.js';

test('CI signals, deployment statuses and pings yield no intents', () => {
  const events = [
    load('check_suite', 'check-suite-completed-failure'),
    load('workflow_run', 'workflow-run-completed-failure'),
    load('deployment_status', 'deployment-status-failure'),
    { kind: 'ping' as const, hookId: 1, hookType: 'Repository', events: ['push'], zen: 'z', repository: null, sender: null, installationId: null },
  ];
  for (const event of events) assert.deepEqual(applyPolicy(event, EXAMPLE), { intents: [], decisions: [] }, event.kind);
});

test('policy is pure: the same input gives the same output and the config is not changed', () => {
  const before = JSON.stringify(EXAMPLE);
  const event = load('push', 'push-forced');
  assert.deepEqual(applyPolicy(event, EXAMPLE), applyPolicy(event, EXAMPLE));
  assert.equal(JSON.stringify(EXAMPLE), before);
});
