import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicy, appsFor } from '../../src/policy/policy.js';
import { environmentRules } from '../../src/policy/rules.js';
import { config, EXAMPLE, push } from './helpers.js';

test('environmentRules lists what each environment of an app follows, for explain', () => {
  const [web] = EXAMPLE.apps;
  assert.ok(web);
  assert.deepEqual(environmentRules(web), [
    { app: 'web', environment: 'staging', kind: 'branch', follows: 'branch main', ttl: null, gate: null, rollback: null },
    { app: 'web', environment: 'production', kind: 'release', follows: 'releases', ttl: null, gate: null, rollback: null },
    {
      app: 'web',
      environment: 'pr-{number}',
      kind: 'pullRequests',
      follows: 'pull requests into main (drafts: no, forks: deny)',
      ttl: '3d',
      gate: null,
      rollback: null,
    },
    { app: 'web', environment: 'br-{branch}', kind: 'branches', follows: 'branches matching feature/*', ttl: null, gate: null, rollback: null },
  ]);
  const [other] = config(`      - name: pr-{number}
        track: { pullRequests: { drafts: true, labels: [preview, qa], forks: trusted } }
        ttl: 1h30m
      - name: canary
        track: { release: { prerelease: true } }
`).apps;
  assert.ok(other);
  assert.deepEqual(
    environmentRules(other).map((rule) => [rule.follows, rule.ttl]),
    [
      ['pull requests into any branch (drafts: yes, forks: trusted, labelled preview, qa)', '1h30m'],
      ['releases and prereleases', null],
    ],
  );
});

test('environmentRules describes gates and rollbacks', () => {
  const [web] = config(`      - name: dev
        track: { branch: develop }
        gate: { checks: [build, test], statuses: [ci/jenkins], workflows: [CI] }
      - name: staging
        track: { branch: main }
        gate: { checkSuites: all, timeout: 30m }
        rollback:
      - name: pr-{number}
        track: { pullRequests: {} }
        gate: { checkSuites: [github-actions, codecov], workflows: [CI], timeout: 1h30m }
        rollback: { on: [error] }
`).apps;
  assert.ok(web);
  assert.deepEqual(
    environmentRules(web).map((rule) => [rule.environment, rule.gate, rule.rollback]),
    [
      ['dev', 'checks build, test; statuses ci/jenkins; workflows CI (timeout 1h)', null],
      ['staging', 'all check suites (timeout 30m)', 'on failure, error'],
      ['pr-{number}', 'workflows CI; check suites of github-actions, codecov (timeout 1h30m)', 'on error'],
    ],
  );
});

test('workflowRun and deployments environments: described for explain, skipped by events about branches', () => {
  const withCi = config(`      - name: nightly
        track: { workflowRun: { workflow: build, branch: main } }
      - name: any
        track: { workflowRun: { workflow: CI } }
      - name: qa
        track: { deployments: true }
`);
  const [web] = withCi.apps;
  assert.ok(web);
  assert.deepEqual(
    environmentRules(web).map((rule) => [rule.kind, rule.follows]),
    [
      ['workflowRun', 'workflow run "build" on main'],
      ['workflowRun', 'workflow run "CI" on any branch'],
      ['deployments', 'GitHub deployments to qa'],
    ],
  );
  assert.deepEqual(applyPolicy(push('main'), withCi), {
    intents: [],
    decisions: [
      { app: 'web', environment: 'nightly', matched: false, reason: 'follows workflow run "build" on main, not branches' },
      { app: 'web', environment: 'any', matched: false, reason: 'follows workflow run "CI" on any branch, not branches' },
      { app: 'web', environment: 'qa', matched: false, reason: 'follows GitHub deployments to qa, not branches' },
    ],
    signal: null,
    approval: null,
    command: null,
  });
});

test('appsFor finds the apps of a repository, ignoring case', () => {
  assert.deepEqual(appsFor('acme/webapp', EXAMPLE).map((app) => app.name), ['web']);
  assert.deepEqual(appsFor('ACME/Other', EXAMPLE).map((app) => app.name), ['other']);
  assert.deepEqual(appsFor('acme/nothing', EXAMPLE), []);
});
