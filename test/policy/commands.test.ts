// Pull request commands as policy sees them (pure): which comments are commands, how their text
// parses, what each plans against the pull request's previews, and the slipway:keep label.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Environment } from '../../src/domain/environments.js';
import type { IssueCommentEvent } from '../../src/events/domain.js';
import { applyPolicy } from '../../src/policy/policy.js';
import { keepLabel, parseCommand, planCommand } from '../../src/policy/commands.js';
import { EXAMPLE, pullRequest } from './helpers.js';

function comment(overrides: Partial<IssueCommentEvent> = {}): IssueCommentEvent {
  const { repository, sender, installationId } = pullRequest();
  return { kind: 'issue_comment', repository, sender, installationId, action: 'created', number: 42, pullRequest: true, commentId: 9, body: '/slipway redeploy', author: 'maintainer', authorAssociation: 'MEMBER', ...overrides };
}

const NOW = Date.UTC(2026, 0, 10, 12, 0);
const HOUR = 3_600_000;

function preview(overrides: Partial<Environment> = {}): Environment {
  return {
    id: 1, app: 'web', name: 'pr-42', present: true, desiredRef: 'refs/pull/42/head', pinnedSha: null, generation: 3, observedGeneration: 3,
    observedSha: 'a'.repeat(40), state: 'ready', url: null, pr: 42, branch: 'feature/login', ttlMs: 72 * HOUR, lastCommitAt: NOW - HOUR,
    expiresAt: NOW + 71 * HOUR, keep: false, redeploy: false, lastTrigger: 'pull_request.opened', lastDelivery: 'd1', rule: 'pr-{number}',
    quarantinedSha: null, githubDeploymentId: null, artifactRunId: null, restarts: 0, lastExit: null, fork: false, requestedAt: null,
    sleptAt: null, wakes: 0, usedAt: null, builtBy: null, failedSha: null, failedConfig: null, createdAt: NOW - HOUR, updatedAt: NOW - HOUR, ...overrides,
  };
}

test('a /slipway comment on a pull request of a configured repository is a command, recorded with its words', () => {
  assert.deepEqual(applyPolicy(comment({ body: '  /slipway   extend\n48h \r\n' }), EXAMPLE).command, {
    repo: 'acme/webapp', pr: 42, pullRequest: true, commentId: 9, login: 'maintainer', text: '/slipway extend 48h', refusal: null,
  });
  for (const body of ['/slipway redeploy', '/slipway destroy', '/slipway keep', '/slipway sleep']) {
    assert.equal(applyPolicy(comment({ body }), EXAMPLE).command?.refusal, null, body);
  }
});

test('other comments, edits, /slipway deploy (the fork approval) and repositories slipway does not serve are no command', () => {
  for (const event of [
    comment({ body: 'LGTM, /slipway redeploy' }),
    comment({ body: '/slipwayredeploy' }),
    comment({ body: '/slipway deploy' }),
    comment({ action: 'edited' }),
    comment({ action: 'deleted' }),
  ]) {
    assert.equal(applyPolicy(event, EXAMPLE).command, null, `${event.action} ${event.body}`);
  }
  const other = { ...pullRequest().repository, fullName: 'acme/unknown' };
  assert.equal(applyPolicy(comment({ repository: other }), EXAMPLE).command, null);
});

test('a command on a plain issue, from a deleted account, or that is not one is refused on receipt, saying why', () => {
  const refusal = (overrides: Partial<IssueCommentEvent>) => applyPolicy(comment(overrides), EXAMPLE).command?.refusal;
  assert.equal(refusal({ pullRequest: false }), 'commands work on pull requests, and this is an issue');
  assert.equal(refusal({ author: null }), 'the account that commented is gone');
  assert.equal(refusal({ body: '/slipway' }), 'no command given; expected one of: redeploy, destroy, extend DURATION, keep, sleep');
  assert.equal(refusal({ body: '/slipway redploy' }), 'unknown command "redploy"; expected one of: redeploy, destroy, extend DURATION, keep, sleep');
  const long = applyPolicy(comment({ body: `/slipway redeploy ${'x'.repeat(200)}` }), EXAMPLE).command;
  assert.equal(long?.refusal, 'not a command: longer than 100 characters');
  assert.equal(long?.text.length, 101, 'kept short, with an ellipsis');
});

test('command text parses strictly: one duration for extend, none for the others', () => {
  assert.deepEqual(parseCommand('/slipway extend 48h'), { command: { verb: 'extend', ms: 48 * HOUR } });
  assert.deepEqual(parseCommand('/slipway extend 1h30m'), { command: { verb: 'extend', ms: 90 * 60_000 } });
  assert.deepEqual(parseCommand('/slipway keep'), { command: { verb: 'keep' } });
  assert.deepEqual(parseCommand('/slipway extend two days'), { reason: 'extend takes one duration, such as /slipway extend 48h' });
  assert.deepEqual(parseCommand('/slipway extend'), { reason: 'extend takes one duration, such as /slipway extend 48h' });
  assert.deepEqual(parseCommand('/slipway extend 2weeks'), { reason: '"2weeks" is not a duration: expected a duration such as 30s, 10m, 72h, 7d or 1h30m' });
  assert.deepEqual(parseCommand('/slipway extend 0s'), { reason: 'extend needs a duration longer than 0s' });
  assert.deepEqual(parseCommand('/slipway extend 31d'), { reason: 'extend is at most 30d; /slipway keep keeps the preview for good' });
  assert.deepEqual(parseCommand('/slipway destroy now'), { reason: 'destroy takes no arguments' });
  assert.deepEqual(parseCommand('/slipway Redeploy'), { reason: 'unknown command "Redeploy"; expected one of: redeploy, destroy, extend DURATION, keep, sleep' });
});

test('redeploy, keep and extend change every live preview of the pull request; destroy holds it until the next push', () => {
  const api = preview({ id: 2, app: 'api', ttlMs: null, expiresAt: null });
  const previews = [preview(), api, preview({ id: 3, app: 'docs', present: false, state: 'destroyed' })];
  assert.deepEqual(planCommand({ verb: 'redeploy' }, previews, 'maintainer', NOW), {
    changes: [
      { kind: 'command', app: 'web', env: 'pr-42', trigger: 'command.redeploy', redeploy: true },
      { kind: 'command', app: 'api', env: 'pr-42', trigger: 'command.redeploy', redeploy: true },
    ],
    outcome: 'redeploying the head of web/pr-42, api/pr-42',
  });
  assert.deepEqual(planCommand({ verb: 'keep' }, [preview()], 'maintainer', NOW), {
    changes: [{ kind: 'command', app: 'web', env: 'pr-42', trigger: 'command.keep', keep: true }],
    outcome: 'web/pr-42 is kept: no TTL, no sleep',
  });
  assert.deepEqual(planCommand({ verb: 'destroy' }, previews, 'maintainer', NOW), {
    changes: ['web', 'api'].map((app) => ({ kind: 'destroy', app, env: 'pr-42', reason: 'destroyed by /slipway destroy from @maintainer', trigger: 'command.destroy', hold: true })),
    outcome: 'destroyed web/pr-42, api/pr-42 until the next push',
  });
  // The expiry moves from the later of what it was and a full TTL from now; a preview without a TTL is left alone.
  assert.deepEqual(planCommand({ verb: 'extend', ms: 48 * HOUR }, previews, 'maintainer', NOW), {
    changes: [{ kind: 'command', app: 'web', env: 'pr-42', trigger: 'command.extend', extendMs: 48 * HOUR }],
    outcome: 'web/pr-42 now expires 2026-01-15 12:00 UTC',
  });
});

test('a command is refused when there is no live preview or nothing expires', () => {
  const plan = (command: Parameters<typeof planCommand>[0], previews: Environment[]) => planCommand(command, previews, 'maintainer', NOW);
  assert.deepEqual(plan({ verb: 'redeploy' }, []), { refused: 'this pull request has no preview' });
  assert.deepEqual(plan({ verb: 'destroy' }, [preview({ present: false, state: 'destroyed' })]), { refused: 'web/pr-42 is destroyed; the next push to the pull request recreates it' });
  assert.deepEqual(plan({ verb: 'extend', ms: HOUR }, [preview({ ttlMs: null, expiresAt: null })]), { refused: 'web/pr-42 does not expire (it has no TTL)' });
  assert.deepEqual(plan({ verb: 'extend', ms: HOUR }, [preview({ keep: true })]), { refused: 'web/pr-42 does not expire (it is kept)' });
});

test('/slipway sleep puts the running previews whose target can sleep to sleep; kept, stopped and command-target ones are refused, saying why', () => {
  const sleepy = () => true;
  const plan = (previews: Environment[], canSleep = sleepy) => planCommand({ verb: 'sleep' }, previews, 'maintainer', NOW, canSleep);
  assert.deepEqual(plan([preview(), preview({ app: 'api', state: 'sleeping' })]), {
    changes: [],
    sleep: [{ app: 'web', env: 'pr-42' }],
    outcome: 'web/pr-42 sleeps now; the next visit to its URL wakes it',
  });
  assert.deepEqual(plan([preview({ keep: true })]), { refused: 'web/pr-42 is kept (/slipway keep or the slipway:keep label): it does not sleep' });
  assert.deepEqual(plan([preview()], () => false), { refused: "web/pr-42 runs on a target that cannot sleep (only process and docker targets behind slipway's router do)" });
  assert.deepEqual(plan([preview({ state: 'sleeping' })]), { refused: 'web/pr-42 is not running now (asleep already, deploying or failed)' });
  assert.deepEqual(plan([]), { refused: 'this pull request has no preview' });
});

test('slipway:keep: on while the pull request has the label, off when it was just removed, else left alone', () => {
  assert.equal(keepLabel(pullRequest({ action: 'labeled', labels: ['preview', 'Slipway:Keep'], label: 'Slipway:Keep' })), true);
  assert.equal(keepLabel(pullRequest({ action: 'synchronize', labels: ['slipway:keep'] })), true);
  assert.equal(keepLabel(pullRequest({ action: 'unlabeled', labels: ['preview'], label: 'slipway:keep' })), false);
  assert.equal(keepLabel(pullRequest({ action: 'unlabeled', labels: [], label: 'preview' })), undefined);
  assert.equal(keepLabel(pullRequest({ action: 'synchronize', labels: [] })), undefined);
  const follows = (action: string, labels: string[], label: string | null) =>
    applyPolicy(pullRequest({ action, labels, label }), EXAMPLE).intents.map((intent) => intent.kind === 'follow' && intent.keep);
  assert.deepEqual(follows('labeled', ['slipway:keep'], 'slipway:keep'), [true]);
  assert.deepEqual(follows('unlabeled', [], 'slipway:keep'), [false]);
  assert.deepEqual(follows('synchronize', [], null), [undefined]);
});
