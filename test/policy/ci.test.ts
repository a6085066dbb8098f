import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalize } from '../../src/events/normalize.js';
import type { DomainEvent } from '../../src/events/domain.js';
import { applyPolicy } from '../../src/policy/policy.js';
import { checkRun, checkSuite, commitStatus, deployment, deploymentStatus, workflowRun } from '../helpers/ci.js';
import { config } from './helpers.js';

const SHA = 'f'.repeat(40);
const event = (name: string, payload: unknown): DomainEvent => {
  const normalized = normalize(name, payload);
  assert.ok(normalized !== null);
  return normalized;
};

const CONFIG = config(`      - name: dev
        track: { branch: develop }
        gate: { checks: [build] }
      - name: qa
        track: { deployments: true }
        rollback: { on: [failure] }
      - name: pr-{number}
        track: { pullRequests: {} }
        rollback: {}
      - name: nightly
        track: { workflowRun: { workflow: build, branch: main } }
        artifact: site
      - name: latest
        track: { workflowRun: { workflow: .github/workflows/build.yml } }
`);

test('CI events become signals for every app of their repository, matched by sha', () => {
  const run = applyPolicy(event('check_run', checkRun(SHA, 'build', 'timed_out', { branch: null })), CONFIG);
  assert.deepEqual(run.intents, []);
  assert.deepEqual(run.signal?.apps, ['web']);
  assert.equal(run.signal?.report.repo, 'acme/webapp');
  assert.deepEqual({ ...run.signal?.report, order: undefined, url: undefined }, {
    repo: 'acme/webapp', sha: SHA, kind: 'check_run', name: 'build', app: 'github-actions', state: 'failure', conclusion: 'timed_out', order: undefined, url: undefined,
  });
  assert.equal(applyPolicy(event('check_run', checkRun(SHA, 'build', null)), CONFIG).signal?.report.state, 'pending');
  assert.equal(applyPolicy(event('check_run', checkRun(SHA, 'build', 'skipped')), CONFIG).signal?.report.state, 'success');
  assert.equal(applyPolicy(event('status', commitStatus(SHA, 'ci/jenkins', 'error')), CONFIG).signal?.report.state, 'failure');
  assert.equal(applyPolicy(event('check_suite', checkSuite(SHA, 'neutral', { id: 5 })), CONFIG).signal?.report.name, '5');
  const rerun = applyPolicy(event('workflow_run', workflowRun(SHA, 'CI', 'success', { id: 9, attempt: 2 })), CONFIG).signal?.report;
  assert.deepEqual(rerun?.order, [9, 2, 2]);
  assert.equal(applyPolicy(event('deployment', deployment(SHA, 'qa')), CONFIG).signal, null);
});

test('a deployment created for an environment tracking deployments pins its sha, linked', () => {
  const result = applyPolicy(event('deployment', deployment(SHA, 'QA', { id: 77 })), CONFIG);
  assert.deepEqual(result.intents, [{ kind: 'pin', app: 'web', env: 'qa', sha: SHA, trigger: 'deployment.created', githubDeploymentId: 77, artifactRunId: null, rule: 'qa' }]);
  const own = applyPolicy(event('deployment', deployment(SHA, 'qa', { payload: { slipway: { deployment: 3 } } })), CONFIG);
  assert.deepEqual(own.intents, []);
  assert.match(own.decisions.find((d) => d.environment === 'qa')?.reason ?? '', /created by slipway/);
  const task = applyPolicy(event('deployment', deployment(SHA, 'qa', { task: 'deploy:migrations' })), CONFIG);
  assert.deepEqual(task.intents, []);
  assert.deepEqual(applyPolicy(event('deployment', deployment(SHA, 'production')), CONFIG).intents, []);
});

test('deployment statuses note the timeline, and roll back where rollback.on says so', () => {
  const progress = applyPolicy(event('deployment_status', deploymentStatus(SHA, 'qa', 77, 'in_progress')), CONFIG);
  assert.equal(progress.intents[0]?.kind, 'note');
  const failure = applyPolicy(event('deployment_status', deploymentStatus(SHA, 'qa', 77, 'failure')), CONFIG);
  assert.deepEqual(failure.intents, [{
    kind: 'rollback', app: 'web', env: 'qa', trigger: 'deployment_status.failure', reason: 'GitHub deployment 77 reported failure', failedSha: SHA, toSha: null, quarantine: true,
  }]);
  // qa rolls back on failure only; error is noted.
  assert.equal(applyPolicy(event('deployment_status', deploymentStatus(SHA, 'qa', 77, 'error')), CONFIG).intents[0]?.kind, 'note');
  // A templated environment matches the names it makes.
  const preview = applyPolicy(event('deployment_status', deploymentStatus(SHA, 'pr-12', 78, 'error')), CONFIG);
  assert.deepEqual(preview.intents.map((i) => `${i.kind} ${i.env}`), ['rollback pr-12']);
});

test('a successful run of the workflow on the branch pins its commit and, with artifact, its run', () => {
  const main = applyPolicy(event('workflow_run', workflowRun(SHA, 'build', 'success', { id: 41 })), CONFIG);
  assert.deepEqual(main.intents.map((i) => i.kind === 'pin' ? `${i.env} ${i.sha === SHA} ${i.artifactRunId}` : i.kind), ['nightly true 41', 'latest true null']);
  const branch = applyPolicy(event('workflow_run', workflowRun(SHA, 'build', 'success', { branch: 'develop' })), CONFIG);
  assert.deepEqual(branch.intents.map((i) => i.env), ['latest']);
  assert.match(branch.decisions.find((d) => d.environment === 'nightly')?.reason ?? '', /built develop, not main/);
  assert.deepEqual(applyPolicy(event('workflow_run', workflowRun(SHA, 'build', 'failure')), CONFIG).intents, []);
  assert.deepEqual(applyPolicy(event('workflow_run', workflowRun(SHA, 'build', null)), CONFIG).intents, []);
  const fork = applyPolicy(event('workflow_run', workflowRun(SHA, 'build', 'success', { fork: true })), CONFIG);
  assert.deepEqual(fork.intents, []);
  assert.match(fork.decisions.find((d) => d.environment === 'nightly')?.reason ?? '', /fork/);
});
