import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { DEMO_REPO, demoConfigYaml } from '../../src/demo/config.js';
import { pullRequestWebhook, pushWebhook, releaseWebhook, type PayloadRepository, type Webhook } from '../../src/demo/payloads.js';
import type { DomainEvent } from '../../src/events/domain.js';
import { normalize } from '../../src/events/normalize.js';
import { applyPolicy } from '../../src/policy/policy.js';

const repo: PayloadRepository = { fullName: DEMO_REPO, cloneUrl: 'file:///tmp/slipway%20demo/repo' };
const at = new Date('2025-03-01T12:00:00Z');
const main = 'a'.repeat(40);
const head = 'b'.repeat(40);

function normalized(webhook: Webhook): DomainEvent {
  const event = normalize(webhook.event, JSON.parse(JSON.stringify(webhook.payload)));
  assert.ok(event !== null, `${webhook.event} is an event slipway uses`);
  return event;
}

const repository = { fullName: 'demo/web', cloneUrl: repo.cloneUrl, htmlUrl: repo.cloneUrl, defaultBranch: 'main', private: false };

test('a push creating main, and a later push', () => {
  const created = normalized(pushWebhook(repo, { branch: 'main', before: null, after: main, message: 'first', at }));
  assert.deepEqual(created, {
    kind: 'push',
    repository,
    sender: 'newcomer',
    installationId: null,
    ref: 'refs/heads/main',
    refType: 'branch',
    refName: 'main',
    before: '0'.repeat(40),
    after: main,
    created: true,
    deleted: false,
    forced: false,
    baseRef: null,
    compareUrl: `${repo.cloneUrl}#compare/000000000000...aaaaaaaaaaaa`,
  });
  const moved = normalized(pushWebhook(repo, { branch: 'main', before: main, after: head, message: 'second', at }));
  assert.ok(moved.kind === 'push');
  assert.equal(moved.created, false);
  assert.equal(moved.before, main);
});

test('a pull request opened, synchronized and closed, from a branch of the same repository', () => {
  const change = (action: 'opened' | 'synchronize' | 'closed', seconds: number) =>
    pullRequestWebhook(repo, {
      action,
      number: 1,
      title: 'A friendlier greeting',
      head: { branch: 'feature/greeting', sha: head },
      base: { branch: 'main', sha: main },
      updatedAt: new Date(at.getTime() + seconds * 1000),
    });
  const opened = normalized(change('opened', 0));
  assert.deepEqual(opened, {
    kind: 'pull_request',
    repository,
    sender: 'newcomer',
    installationId: null,
    action: 'opened',
    number: 1,
    state: 'open',
    draft: false,
    merged: false,
    head: { ref: 'feature/greeting', sha: head, repoFullName: 'demo/web' },
    base: { ref: 'main', sha: main, repoFullName: 'demo/web' },
    fork: false,
    labels: [],
    label: null,
    author: 'newcomer',
    authorAssociation: 'OWNER',
    htmlUrl: `${repo.cloneUrl}#pull/1`,
    updatedAt: at.getTime(),
  });
  const synchronized = normalized(change('synchronize', 1));
  assert.ok(synchronized.kind === 'pull_request');
  assert.deepEqual([synchronized.action, synchronized.state, synchronized.updatedAt], ['synchronize', 'open', at.getTime() + 1000]);
  const closed = normalized(change('closed', 2));
  assert.ok(closed.kind === 'pull_request');
  assert.deepEqual([closed.action, closed.state, closed.merged, closed.updatedAt], ['closed', 'closed', false, at.getTime() + 2000]);
});

test('a published release', () => {
  const event = normalized(releaseWebhook(repo, { tag: 'v1.0.0', target: 'main', name: 'v1.0.0', at }));
  assert.deepEqual(event, {
    kind: 'release',
    repository,
    sender: 'newcomer',
    installationId: null,
    action: 'published',
    tag: 'v1.0.0',
    name: 'v1.0.0',
    prerelease: false,
    draft: false,
    htmlUrl: `${repo.cloneUrl}#releases/tag/v1.0.0`,
  });
});

test("the demo config sends each webhook to the story's environment", () => {
  const config = parseConfig(demoConfigYaml({ repoUrl: repo.cloneUrl, webhookSecret: 's', routerPort: 0 }), 'slipway.yaml', {}, '/tmp');
  const intents = (webhook: Webhook) => applyPolicy(normalized(webhook), config).intents.map((i) => `${i.kind} ${i.app}/${i.env}`);
  const pr = { number: 1, title: 't', head: { branch: 'feature/greeting', sha: head }, base: { branch: 'main', sha: main }, updatedAt: at };
  assert.deepEqual(intents(pushWebhook(repo, { branch: 'main', before: null, after: main, message: 'm', at })), ['follow web/staging']);
  assert.deepEqual(intents(pullRequestWebhook(repo, { ...pr, action: 'opened' })), ['follow web/pr-1']);
  assert.deepEqual(intents(pullRequestWebhook(repo, { ...pr, action: 'synchronize' })), ['follow web/pr-1']);
  assert.deepEqual(intents(pullRequestWebhook(repo, { ...pr, action: 'closed' })), ['destroy web/pr-1']);
  assert.deepEqual(intents(releaseWebhook(repo, { tag: 'v1.0.0', target: 'main', name: 'v1.0.0', at })), ['follow web/production']);
});

test('the demo config keeps a repository path with "${" as it is', () => {
  const url = 'file:///tmp/${HOME}/repo';
  const config = parseConfig(demoConfigYaml({ repoUrl: url, webhookSecret: 's', routerPort: 0 }), 'slipway.yaml', {}, '/tmp');
  assert.equal(config.apps[0]?.url, url);
});
