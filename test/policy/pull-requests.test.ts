// pull_request: one preview per qualifying pull request, gone when it closes or stops qualifying.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config } from '../../src/config/schema.js';
import type { PullRequestEvent } from '../../src/events/domain.js';
import { applyPolicy, type PolicyResult } from '../../src/policy/policy.js';
import { config, decision, EXAMPLE, load, pullRequest, summary } from './helpers.js';

/**
 * applyPolicy, checking that every intent carries the pull request's updated_at (which lets
 * the store drop stale deliveries) and leaving it out of the intents the tests compare.
 */
function policy(event: PullRequestEvent, settings: Config): PolicyResult {
  const result = applyPolicy(event, settings);
  assert.equal(typeof event.updatedAt, 'number', 'the fixtures carry updated_at');
  for (const intent of result.intents) assert.equal('eventAt' in intent ? intent.eventAt : undefined, event.updatedAt);
  return { ...result, intents: result.intents.map((intent) => (intent.kind === 'follow' || intent.kind === 'destroy' ? (({ eventAt: _eventAt, ...rest }) => rest)(intent) : intent)) };
}

const HEAD = 'e84cc64499f50d72071c1a2ce65752ff3838f03f';

/** The example, with the preview rule's `pullRequests` settings replaced. */
const previews = (settings: string) =>
  config(`      - name: staging
        track: { branch: main }
      - name: pr-{number}
        track: { pullRequests: ${settings} }
`);

test('an opened pull request gets a preview that follows refs/pull/N/head', () => {
  const result = policy(pullRequest(), EXAMPLE);
  assert.deepEqual(result.intents, [
    {
      kind: 'follow',
      app: 'web',
      env: 'pr-42',
      ref: 'refs/pull/42/head',
      sha: HEAD,
      pr: 42,
      branch: 'feature/login',
      trigger: 'pull_request.opened',
      ttlMs: 259_200_000,
      fork: false,
      rule: 'pr-{number}',
    },
  ]);
  assert.deepEqual(decision(result, 'pr-{number}'), {
    app: 'web',
    environment: 'pr-{number}',
    matched: true,
    reason: 'pull request #42 (feature/login into main) opened: pr-42 follows refs/pull/42/head',
  });
  assert.deepEqual(decision(result, 'staging'), { app: 'web', environment: 'staging', matched: false, reason: 'follows branch main, not pull requests' });
  assert.equal(decision(result, 'production').reason, 'follows releases, not pull requests');
  assert.equal(decision(result, 'br-{branch}').reason, 'follows branches matching feature/*, not pull requests');
});

test('reopened, synchronize, ready_for_review, labeled, unlabeled and edited follow a qualifying pull request', () => {
  for (const action of ['reopened', 'synchronize', 'ready_for_review', 'labeled', 'unlabeled', 'edited', 'converted_to_draft']) {
    const event = pullRequest({ action, draft: false, head: { ref: 'feature/login', sha: 'abc123', repoFullName: 'acme/webapp' } });
    const [intent] = policy(event, EXAMPLE).intents;
    assert.deepEqual(
      intent,
      { kind: 'follow', app: 'web', env: 'pr-42', ref: 'refs/pull/42/head', sha: 'abc123', pr: 42, branch: 'feature/login', trigger: `pull_request.${action}`, ttlMs: 259_200_000, fork: false, rule: 'pr-{number}' },
      action,
    );
  }
});

test('closed destroys the preview, merged or not', () => {
  const merged = policy(load('pull_request', 'pull-request-closed-merged'), EXAMPLE);
  assert.deepEqual(merged.intents, [{ kind: 'destroy', app: 'web', env: 'pr-42', reason: 'pull request #42 was merged', trigger: 'pull_request.closed' }]);
  assert.deepEqual(decision(merged, 'pr-{number}'), {
    app: 'web',
    environment: 'pr-{number}',
    matched: true,
    reason: 'pull request #42 was merged; destroy pr-42',
  });
  const closed = policy(pullRequest({ action: 'closed', state: 'closed' }), EXAMPLE);
  assert.deepEqual(closed.intents, [{ kind: 'destroy', app: 'web', env: 'pr-42', reason: 'pull request #42 was closed without merging', trigger: 'pull_request.closed' }]);
  // Even one that never qualified: destroying what does not exist changes nothing.
  const fork = policy({ ...load('pull_request', 'pull-request-opened-fork'), action: 'closed', state: 'closed' }, EXAMPLE);
  assert.deepEqual(summary(fork), ['destroy web/pr-57']);
});

test('forks: deny (the default) gives a fork pull request nothing', () => {
  const result = policy(load('pull_request', 'pull-request-opened-fork'), EXAMPLE);
  assert.deepEqual(result.intents, []);
  assert.deepEqual(decision(result, 'pr-{number}'), {
    app: 'web',
    environment: 'pr-{number}',
    matched: false,
    reason: 'pull request #57 gets no environment: fork PRs are denied (forks: deny)',
  });
  assert.deepEqual(policy(load('pull_request', 'pull-request-opened-fork'), previews('{}')).intents, []);
  // A new commit on it: still nothing, and anything left over goes.
  const pushed = policy({ ...load('pull_request', 'pull-request-opened-fork'), action: 'synchronize' }, EXAMPLE);
  assert.deepEqual(pushed.intents, [
    { kind: 'destroy', app: 'web', env: 'pr-57', reason: 'pull request #57 no longer qualifies: fork PRs are denied (forks: deny)', trigger: 'pull_request.synchronize' },
  ]);
});

test('forks: allow previews every fork; forks: trusted only authors with write access', () => {
  const fork = load('pull_request', 'pull-request-opened-fork');
  assert.deepEqual(summary(policy(fork, previews('{ forks: allow }'))), ['follow web/pr-57 refs/pull/57/head']);
  const trusted = previews('{ forks: trusted }');
  const refused = policy(fork, trusted);
  assert.deepEqual(refused.intents, []);
  assert.equal(
    decision(refused, 'pr-{number}').reason,
    'pull request #57 gets no environment: fork PRs need an author who is OWNER, MEMBER, COLLABORATOR (forks: trusted); this author is FIRST_TIME_CONTRIBUTOR',
  );
  for (const association of ['OWNER', 'MEMBER', 'COLLABORATOR']) {
    assert.deepEqual(summary(policy({ ...fork, authorAssociation: association }, trusted)), ['follow web/pr-57 refs/pull/57/head'], association);
  }
  for (const association of ['CONTRIBUTOR', 'NONE', 'FIRST_TIMER', 'member']) {
    assert.deepEqual(policy({ ...fork, authorAssociation: association }, trusted).intents, [], association);
  }
  // A pull request from a branch of the repository itself is not a fork: no association needed.
  assert.deepEqual(summary(policy(pullRequest({ authorAssociation: 'CONTRIBUTOR' }), trusted)), ['follow web/pr-42 refs/pull/42/head']);
  // A fork whose repository was deleted is still a fork.
  const gone = { ...fork, head: { ...fork.head, repoFullName: null } };
  assert.deepEqual(policy(gone, previews('{}')).intents, []);
});

test('base branches: only pull requests into a followed base; editing the base away destroys', () => {
  const opened = policy(pullRequest({ base: { ref: 'develop', sha: 'b', repoFullName: 'acme/webapp' } }), EXAMPLE);
  assert.deepEqual(opened.intents, []);
  assert.equal(decision(opened, 'pr-{number}').reason, 'pull request #42 gets no environment: base develop is not in [main]');
  const edited = policy(pullRequest({ action: 'edited', base: { ref: 'develop', sha: 'b', repoFullName: 'acme/webapp' } }), EXAMPLE);
  assert.deepEqual(edited.intents, [
    { kind: 'destroy', app: 'web', env: 'pr-42', reason: 'pull request #42 no longer qualifies: base develop is not in [main]', trigger: 'pull_request.edited' },
  ]);
  const globs = previews('{ base: ["release/*", main] }');
  assert.deepEqual(summary(policy(pullRequest({ base: { ref: 'release/1.x', sha: 'b', repoFullName: 'acme/webapp' } }), globs)), [
    'follow web/pr-42 refs/pull/42/head',
  ]);
  // No base given: any base.
  assert.deepEqual(summary(policy(pullRequest({ base: { ref: 'anything/at/all', sha: 'b', repoFullName: 'acme/webapp' } }), previews('{}'))), [
    'follow web/pr-42 refs/pull/42/head',
  ]);
});

test('drafts get nothing unless drafts: true; converted_to_draft destroys, ready_for_review creates', () => {
  const draft = policy(pullRequest({ draft: true }), EXAMPLE);
  assert.deepEqual(draft.intents, []);
  assert.equal(decision(draft, 'pr-{number}').reason, 'pull request #42 gets no environment: draft pull requests get no environment (drafts: false)');
  assert.deepEqual(policy(pullRequest({ action: 'converted_to_draft', draft: true }), EXAMPLE).intents, [
    {
      kind: 'destroy',
      app: 'web',
      env: 'pr-42',
      reason: 'pull request #42 no longer qualifies: draft pull requests get no environment (drafts: false)',
      trigger: 'pull_request.converted_to_draft',
    },
  ]);
  assert.deepEqual(summary(policy(pullRequest({ action: 'ready_for_review', draft: false }), EXAMPLE)), ['follow web/pr-42 refs/pull/42/head']);
  assert.deepEqual(summary(policy(pullRequest({ draft: true }), previews('{ drafts: true }'))), ['follow web/pr-42 refs/pull/42/head']);
  assert.deepEqual(summary(policy(pullRequest({ action: 'converted_to_draft', draft: true }), previews('{ drafts: true }'))), [
    'follow web/pr-42 refs/pull/42/head',
  ]);
});

test('required labels gate creation, and removing one destroys', () => {
  const gated = previews('{ labels: [preview] }');
  const unlabelled = policy(pullRequest({ labels: [] }), gated);
  assert.deepEqual(unlabelled.intents, []);
  assert.equal(decision(unlabelled, 'pr-{number}').reason, 'pull request #42 gets no environment: label preview is required');
  assert.deepEqual(summary(policy(pullRequest({ action: 'labeled', label: 'preview', labels: ['bug', 'preview'] }), gated)), [
    'follow web/pr-42 refs/pull/42/head',
  ]);
  assert.deepEqual(summary(policy(pullRequest({ labels: ['Preview'] }), gated)), ['follow web/pr-42 refs/pull/42/head'], 'labels compare case-insensitively, as on GitHub');
  assert.deepEqual(policy(pullRequest({ action: 'unlabeled', label: 'preview', labels: ['bug'] }), gated).intents, [
    { kind: 'destroy', app: 'web', env: 'pr-42', reason: 'pull request #42 no longer qualifies: label preview is required', trigger: 'pull_request.unlabeled' },
  ]);
  const two = policy(pullRequest({ action: 'labeled', label: 'bug', labels: ['bug'] }), previews('{ labels: [preview, qa] }'));
  assert.equal(decision(two, 'pr-{number}').reason, 'pull request #42 no longer qualifies: labels preview, qa are required; destroy pr-42');
});

test('every reason a pull request does not qualify is given', () => {
  const fork = load('pull_request', 'pull-request-opened-fork');
  const event = { ...fork, draft: true, base: { ...fork.base, ref: 'develop' } };
  const result = policy(event, previews('{ base: [main], labels: [preview] }'));
  assert.equal(
    decision(result, 'pr-{number}').reason,
    'pull request #57 gets no environment: fork PRs are denied (forks: deny); base develop is not in [main]; draft pull requests get no environment (drafts: false); label preview is required',
  );
});

test('other actions change nothing, and say so', () => {
  for (const action of ['assigned', 'review_requested', 'locked', 'milestoned', 'auto_merge_enabled', 'enqueued']) {
    const result = policy(pullRequest({ action }), EXAMPLE);
    assert.deepEqual(result.intents, [], action);
    assert.equal(decision(result, 'pr-{number}').reason, `pull request #42 ${action}: this action does not change preview environments`);
  }
});

test('an event about a pull request that is already closed never creates its preview', () => {
  const result = policy(pullRequest({ action: 'labeled', state: 'closed', label: 'preview' }), EXAMPLE);
  assert.deepEqual(result.intents, [{ kind: 'destroy', app: 'web', env: 'pr-42', reason: 'pull request #42 is closed', trigger: 'pull_request.labeled' }]);
});

test('names: {number} and {app} fill the template', () => {
  const cfg = config('      - name: "{app}-pr-{number}"\n        track: { pullRequests: {} }\n');
  assert.deepEqual(summary(policy(pullRequest({ number: 1234 }), cfg)), ['follow web/web-pr-1234 refs/pull/1234/head']);
});

test("follow intents carry the environment's ttl for the store", () => {
  const [withTtl] = policy(pullRequest(), EXAMPLE).intents;
  assert.equal(withTtl?.kind === 'follow' ? withTtl.ttlMs : undefined, 72 * 3_600_000);
  const [without] = policy(pullRequest(), previews('{}')).intents;
  assert.equal(without?.kind === 'follow' ? without.ttlMs : undefined, null);
});
