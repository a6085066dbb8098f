// Hand-made payloads (test/fixtures/payloads/) for cases the official examples lack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DomainEvent } from '../../src/events/domain.js';
import { normalize } from '../../src/events/normalize.js';

const MAIN_BEFORE = '5da16f820a6ee7d49ad271272b50d3596b02f8c2';
const MAIN_AFTER = 'f30f332fb1420050585e45649714f3b79e100a4a';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(`test/fixtures/payloads/${name}.json`, 'utf8'));
}

/** Normalizes a fixture and narrows the result to the expected kind. */
function load<K extends DomainEvent['kind']>(kind: K, name: string): Extract<DomainEvent, { kind: K }> {
  const event = normalize(kind, fixture(name));
  assert.ok(event !== null);
  assert.equal(event.kind, kind);
  assert.equal(event.repository?.fullName, 'acme/webapp');
  assert.equal(event.installationId, 48213577);
  return event as Extract<DomainEvent, { kind: K }>;
}

test('an ordinary push to main names the branch and both shas', () => {
  const event = load('push', 'push-main');
  assert.deepEqual(
    { ref: event.ref, refType: event.refType, refName: event.refName, before: event.before, after: event.after },
    { ref: 'refs/heads/main', refType: 'branch', refName: 'main', before: MAIN_BEFORE, after: MAIN_AFTER },
  );
  assert.deepEqual([event.created, event.deleted, event.forced], [false, false, false]);
  assert.equal(event.sender, 'octo-dev');
  assert.deepEqual(event.repository, {
    fullName: 'acme/webapp',
    cloneUrl: 'https://github.com/acme/webapp.git',
    htmlUrl: 'https://github.com/acme/webapp',
    defaultBranch: 'main',
    private: false,
  });
});

test('a forced push keeps the slash in the branch name', () => {
  const event = load('push', 'push-forced');
  assert.equal(event.forced, true);
  assert.equal(event.refType, 'branch');
  assert.equal(event.refName, 'feature/login');
});

test('a branch-deletion push is marked deleted with an all-zero after', () => {
  const event = load('push', 'push-branch-deleted');
  assert.equal(event.deleted, true);
  assert.equal(event.after, '0'.repeat(40));
  assert.equal(event.refName, 'feature/login');
});

test('a pull request from a fork is marked fork with both repositories visible', () => {
  const event = load('pull_request', 'pull-request-opened-fork');
  assert.equal(event.action, 'opened');
  assert.equal(event.number, 57);
  assert.equal(event.fork, true);
  assert.deepEqual(event.head, { ref: 'fix-typo', sha: '9a6d6fe8030a011fac5c4cb5b2ff3b3212a28dc8', repoFullName: 'outside-dev/webapp' });
  assert.deepEqual(event.base, { ref: 'main', sha: MAIN_BEFORE, repoFullName: 'acme/webapp' });
  assert.equal(event.authorAssociation, 'FIRST_TIME_CONTRIBUTOR');
  assert.equal(event.author, 'outside-dev');
  assert.equal(event.sender, 'outside-dev');
  assert.equal(event.merged, false);
});

test('a pull request whose head repository was deleted counts as a fork', () => {
  const payload = fixture('pull-request-opened-fork') as { pull_request: { head: { repo: unknown } } };
  payload.pull_request.head.repo = null;
  const event = normalize('pull_request', payload);
  assert.ok(event?.kind === 'pull_request');
  assert.equal(event.fork, true);
  assert.equal(event.head.repoFullName, null);
});

test('a merged pull request closes as merged, same repository, with its labels', () => {
  const event = load('pull_request', 'pull-request-closed-merged');
  assert.equal(event.action, 'closed');
  assert.equal(event.state, 'closed');
  assert.equal(event.merged, true);
  assert.equal(event.fork, false);
  assert.deepEqual(event.labels, ['preview']);
  assert.equal(event.htmlUrl, 'https://github.com/acme/webapp/pull/42');
});

test('branch create and delete carry the short name and the full ref', () => {
  for (const [kind, name] of [['create', 'create-branch'], ['delete', 'delete-branch']] as const) {
    const event = load(kind, name);
    assert.deepEqual(
      { ref: event.ref, refType: event.refType, refName: event.refName },
      { ref: 'refs/heads/feature/login', refType: 'branch', refName: 'feature/login' },
    );
  }
});

test('a failed check suite reports its conclusion, sha, branch and app', () => {
  const event = load('check_suite', 'check-suite-completed-failure');
  assert.deepEqual(
    [event.action, event.status, event.conclusion, event.headSha, event.headBranch, event.appSlug],
    ['completed', 'completed', 'failure', MAIN_AFTER, 'main', 'github-actions'],
  );
  assert.equal(event.sender, 'github-actions[bot]');
});

test('a failed workflow run reports its conclusion and where its artifacts are', () => {
  const event = load('workflow_run', 'workflow-run-completed-failure');
  assert.equal(event.conclusion, 'failure');
  assert.equal(event.name, 'CI');
  assert.equal(event.path, '.github/workflows/ci.yml');
  assert.equal(event.headSha, MAIN_AFTER);
  assert.equal(event.event, 'push');
  assert.equal(event.fork, false);
  assert.equal(event.artifactsUrl, 'https://api.github.com/repos/acme/webapp/actions/runs/15388990011/artifacts');
});

test('a failed deployment status names the environment, the deployment and its URLs', () => {
  const event = load('deployment_status', 'deployment-status-failure');
  assert.equal(event.state, 'failure');
  assert.equal(event.environment, 'staging');
  assert.equal(event.environmentUrl, 'https://staging.webapp.acme.example');
  assert.equal(event.targetUrl, 'https://github.com/acme/webapp/actions/runs/15388990011');
  assert.deepEqual(event.deployment, {
    id: 2450017788,
    sha: MAIN_AFTER,
    ref: 'main',
    task: 'deploy',
    environment: 'staging',
    payload: {},
  });
});
