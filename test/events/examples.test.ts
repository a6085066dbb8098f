// Every api.github.com example of the events slipway uses, from @octokit/webhooks-examples,
// normalizes to the right kind with the fields a deployer reads equal to the payload's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { DomainEvent } from '../../src/events/domain.js';
import { ESSENTIAL_EVENTS, normalize, type EssentialEvent } from '../../src/events/normalize.js';
import type { GithubCheckRunPayload, GithubCheckSuitePayload } from '../../src/events/checks.js';
import type { GithubIssueCommentPayload } from '../../src/events/issue-comment.js';
import type { GithubDeploymentPayload, GithubDeploymentStatusPayload } from '../../src/events/deployment.js';
import type { GithubPingPayload } from '../../src/events/ping.js';
import type { GithubPullRequestPayload } from '../../src/events/pull-request.js';
import type { GithubPushPayload } from '../../src/events/push.js';
import type { GithubCreatePayload, GithubDeletePayload } from '../../src/events/refs.js';
import type { GithubReleasePayload } from '../../src/events/release.js';
import type { GithubStatusPayload } from '../../src/events/status.js';
import type { GithubWorkflowRunPayload } from '../../src/events/workflow-run.js';

const require = createRequire(import.meta.url);
const index = require('@octokit/webhooks-examples/api.github.com/index.json') as {
  name: string;
  examples: unknown[];
}[];

type Check<E extends EssentialEvent> = (event: Extract<DomainEvent, { kind: E }>, payload: unknown) => void;

/** Per event: the payload fields (read through GitHub's documented type) the domain event must carry. */
const CHECKS: { [E in EssentialEvent]: Check<E> } = {
  ping(event, payload) {
    const p = payload as GithubPingPayload;
    assert.equal(event.hookId, p.hook_id ?? null);
    assert.equal(event.hookType, p.hook?.type ?? null);
    assert.deepEqual(event.events, p.hook?.events ?? null);
    assert.equal(event.zen, p.zen ?? null);
    assert.equal(event.repository?.fullName ?? null, p.repository?.full_name ?? null);
  },
  push(event, payload) {
    const p = payload as GithubPushPayload;
    assert.equal(event.ref, p.ref);
    assert.equal(event.before, p.before);
    assert.equal(event.after, p.after);
    assert.equal(event.deleted, p.deleted);
    assert.equal(event.created, p.created);
    assert.equal(event.forced, p.forced);
    assert.equal(`refs/${event.refType === 'tag' ? 'tags' : 'heads'}/${event.refName}`, p.ref);
  },
  pull_request(event, payload) {
    const p = payload as GithubPullRequestPayload;
    assert.equal(event.action, p.action);
    assert.equal(event.number, p.number);
    assert.equal(event.head.sha, p.pull_request.head.sha);
    assert.equal(event.head.ref, p.pull_request.head.ref);
    assert.equal(event.base.sha, p.pull_request.base.sha);
    assert.equal(event.base.repoFullName, p.pull_request.base.repo.full_name);
    assert.equal(event.draft, p.pull_request.draft ?? false);
    assert.equal(event.authorAssociation, p.pull_request.author_association);
    assert.deepEqual(event.labels, p.pull_request.labels.map((label) => label.name));
    assert.equal(event.fork, false, 'the examples are all same-repository pull requests');
  },
  create(event, payload) {
    const p = payload as GithubCreatePayload;
    assert.equal(event.refName, p.ref);
    assert.equal(event.refType, p.ref_type);
  },
  delete(event, payload) {
    const p = payload as GithubDeletePayload;
    assert.equal(event.refName, p.ref);
    assert.equal(event.refType, p.ref_type);
  },
  deployment(event, payload) {
    const p = payload as GithubDeploymentPayload;
    assert.equal(event.deployment.id, p.deployment.id);
    assert.equal(event.deployment.sha, p.deployment.sha);
    assert.equal(event.deployment.ref, p.deployment.ref);
    assert.equal(event.deployment.environment, p.deployment.environment);
    assert.deepEqual(event.deployment.payload, p.deployment.payload);
  },
  deployment_status(event, payload) {
    const p = payload as GithubDeploymentStatusPayload;
    assert.equal(event.state, p.deployment_status.state);
    assert.equal(event.environment, p.deployment_status.environment);
    assert.equal(event.deployment.id, p.deployment.id);
    assert.equal(event.deployment.sha, p.deployment.sha);
  },
  release(event, payload) {
    const p = payload as GithubReleasePayload;
    assert.equal(event.action, p.action);
    assert.equal(event.tag, p.release.tag_name);
    assert.equal(event.prerelease, p.release.prerelease);
    assert.equal(event.draft, p.release.draft);
  },
  check_run(event, payload) {
    const p = payload as GithubCheckRunPayload;
    assert.equal(event.name, p.check_run.name);
    assert.equal(event.headSha, p.check_run.head_sha);
    assert.equal(event.status, p.check_run.status);
    assert.equal(event.conclusion, p.check_run.conclusion);
    assert.deepEqual(event.pullRequests, p.check_run.pull_requests.map((pr) => pr.number));
  },
  check_suite(event, payload) {
    const p = payload as GithubCheckSuitePayload;
    assert.equal(event.headSha, p.check_suite.head_sha);
    assert.equal(event.conclusion, p.check_suite.conclusion);
    assert.equal(event.headBranch, p.check_suite.head_branch);
    assert.equal(event.appSlug, p.check_suite.app.slug ?? null);
  },
  workflow_run(event, payload) {
    const p = payload as GithubWorkflowRunPayload;
    assert.equal(event.id, p.workflow_run.id);
    assert.equal(event.name, p.workflow_run.name);
    assert.equal(event.headSha, p.workflow_run.head_sha);
    assert.equal(event.headBranch, p.workflow_run.head_branch);
    assert.equal(event.conclusion, p.workflow_run.conclusion);
    assert.equal(event.artifactsUrl, p.workflow_run.artifacts_url);
    assert.equal(event.fork, p.workflow_run.head_repository.id !== p.repository.id);
  },
  status(event, payload) {
    const p = payload as GithubStatusPayload;
    assert.equal(event.sha, p.sha);
    assert.equal(event.state, p.state);
    assert.equal(event.context, p.context);
    assert.deepEqual(event.branches, p.branches.map((branch) => branch.name));
  },
  issue_comment(event, payload) {
    const p = payload as GithubIssueCommentPayload;
    assert.equal(event.action, p.action);
    assert.equal(event.number, p.issue.number);
    assert.equal(event.pullRequest, p.issue.pull_request !== undefined);
    assert.equal(event.body, p.comment.body);
    assert.equal(event.author, p.comment.user?.login ?? null);
    assert.equal(event.authorAssociation, p.comment.author_association);
  },
};

function checkEnvelope(event: DomainEvent, payload: unknown): void {
  const p = payload as {
    repository?: { full_name: string; clone_url: string; default_branch: string; private: boolean };
    sender?: { login: string };
    installation?: { id: number };
  };
  assert.equal(event.sender, p.sender?.login ?? null);
  assert.equal(event.installationId, p.installation?.id ?? null);
  if (p.repository === undefined) return assert.equal(event.repository, null);
  assert.deepEqual(
    event.repository && [event.repository.fullName, event.repository.cloneUrl, event.repository.defaultBranch, event.repository.private],
    [p.repository.full_name, p.repository.clone_url, p.repository.default_branch, p.repository.private],
  );
}

function examplesOf(name: EssentialEvent): unknown[] {
  return index.find((entry) => entry.name === name)?.examples ?? [];
}

test('the examples cover every essential event', () => {
  for (const name of ESSENTIAL_EVENTS) assert.ok(examplesOf(name).length > 0, `no example of ${name}`);
  const total = ESSENTIAL_EVENTS.reduce((sum, name) => sum + examplesOf(name).length, 0);
  assert.ok(total >= 90, `expected about 93 examples, found ${total}`);
});

for (const name of ESSENTIAL_EVENTS) {
  examplesOf(name).forEach((payload, i) => {
    const action = (payload as { action?: string }).action;
    test(`${name} example ${i + 1}${action === undefined ? '' : ` (${action})`} normalizes`, () => {
      const event = normalize(name, payload);
      assert.ok(event !== null);
      assert.equal(event.kind, name);
      checkEnvelope(event, payload);
      (CHECKS[name] as Check<EssentialEvent>)(event as never, payload);
    });
  });
}
