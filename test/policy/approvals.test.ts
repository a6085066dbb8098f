// forks: approve — fork pull requests are followed but marked, their heads noted; a
// `/slipway deploy` comment on a pull request becomes an approval request (decided through the API).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IssueCommentEvent } from '../../src/events/domain.js';
import { normalize } from '../../src/events/normalize.js';
import { applyPolicy } from '../../src/policy/policy.js';
import { config, EXAMPLE, pullRequest } from './helpers.js';

const APPROVE = config(`      - name: pr-{number}
        track: { pullRequests: { base: [main], forks: approve } }
`);
const forkHead = { ref: 'fix', sha: 'f00d', repoFullName: 'outside/webapp' };

function comment(overrides: Partial<IssueCommentEvent> = {}): IssueCommentEvent {
  const { repository, sender, installationId } = pullRequest();
  return { kind: 'issue_comment', repository, sender, installationId, action: 'created', number: 42, pullRequest: true, commentId: 9, body: '/slipway deploy', author: 'maintainer', authorAssociation: 'MEMBER', ...overrides };
}

test('a fork pull request under forks: approve is followed as a fork, and its head is noted for approval', () => {
  const result = applyPolicy(pullRequest({ fork: true, head: forkHead, authorAssociation: 'FIRST_TIME_CONTRIBUTOR' }), APPROVE);
  assert.deepEqual(result.intents.map((intent) => intent.kind === 'follow' && `${intent.env} ${intent.ref} fork=${intent.fork}`), ['pr-42 refs/pull/42/head fork=true']);
  assert.deepEqual(result.approval, { kind: 'head', repo: 'acme/webapp', pr: 42, sha: 'f00d' });
});

test('a same-repository pull request, or a fork one under another policy, notes no approval', () => {
  assert.equal(applyPolicy(pullRequest(), APPROVE).approval, null);
  const allow = config(`      - name: pr-{number}
        track: { pullRequests: { base: [main], forks: allow } }
`);
  const allowed = applyPolicy(pullRequest({ fork: true, head: forkHead }), allow);
  assert.equal(allowed.approval, null);
  assert.equal(allowed.intents[0]?.kind === 'follow' && allowed.intents[0].fork, true, 'still marked a fork: no secrets');
  assert.deepEqual(applyPolicy(pullRequest({ fork: true, head: forkHead }), EXAMPLE).intents, [], 'forks: deny');
});

test('/slipway deploy on a pull request asks for approval, with surrounding blanks ignored', () => {
  assert.deepEqual(applyPolicy(comment({ body: '  /slipway deploy\r\n' }), APPROVE), {
    intents: [],
    decisions: [],
    signal: null,
    approval: { kind: 'request', repo: 'acme/webapp', pr: 42, login: 'maintainer' },
    command: null,
  });
});

test('other comments, edits, plain issues and apps that never approve forks ask nothing', () => {
  for (const event of [
    comment({ body: 'LGTM, /slipway deploy' }),
    comment({ body: '/slipway deploy now' }),
    comment({ action: 'edited' }),
    comment({ pullRequest: false }),
    comment({ author: null }),
  ]) {
    assert.equal(applyPolicy(event, APPROVE).approval, null, JSON.stringify(event.body));
  }
  assert.equal(applyPolicy(comment(), EXAMPLE).approval, null);
});

test('an issue_comment payload normalizes: a pull request comment has issue.pull_request', () => {
  const base = pullRequest();
  const payload = {
    action: 'created',
    issue: { number: 57, pull_request: { url: 'https://api.github.com/repos/acme/webapp/pulls/57' } },
    comment: { id: 5, body: '/slipway deploy', user: { login: 'octo' }, author_association: 'COLLABORATOR' },
    repository: { id: 1, full_name: base.repository.fullName, clone_url: base.repository.cloneUrl, html_url: base.repository.htmlUrl, default_branch: 'main', private: false },
    sender: { login: 'octo' },
  };
  const event = normalize('issue_comment', payload);
  assert.deepEqual(event?.kind === 'issue_comment' && [event.number, event.pullRequest, event.body, event.author, event.authorAssociation], [57, true, '/slipway deploy', 'octo', 'COLLABORATOR']);
  const onIssue = normalize('issue_comment', { ...payload, issue: { number: 3 } });
  assert.equal(onIssue?.kind === 'issue_comment' && onIssue.pullRequest, false);
  assert.throws(() => normalize('issue_comment', { ...payload, comment: { id: 5 } }), /issue_comment payload/);
});
