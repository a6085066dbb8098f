import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMENT_MARKER, previewCommentBody, type PreviewEntry } from '../../src/github/pr-comment.js';
import type { ForkApproval } from '../../src/domain/approvals.js';
import type { CommandRecord } from '../../src/domain/commands.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const entry = (overrides: Partial<PreviewEntry> = {}): PreviewEntry => ({
  app: 'web',
  env: 'pr-7',
  present: true,
  state: 'ready',
  url: 'http://pr-7.web.example.com',
  expiresAt: Date.UTC(2026, 10, 30, 12, 5),
  keep: false,
  deployment: { sha: SHA, state: 'success', error: null, message: null, logUrl: 'https://slipway.example.com/deployments/3' },
  ...overrides,
});
const row = (body: string) => body.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Environment'));

test('the comment starts with its marker and lists each preview: URL, short sha, state, expiry, log', () => {
  const body = previewCommentBody('acme/web', 7, [entry(), entry({ app: 'api', env: 'pr-7', url: null, deployment: null, expiresAt: null })]);
  assert.ok(body.startsWith(`${COMMENT_MARKER} acme/web#7 -->\n`));
  assert.deepEqual(row(body), [
    '| api/pr-7 | ⏳ waiting to deploy | — | — | — | — |',
    '| web/pr-7 | ✅ ready | [http://pr-7.web.example.com](http://pr-7.web.example.com) | `0123456` | 2026-11-30 12:05 UTC | [log](https://slipway.example.com/deployments/3) |',
  ]);
});

test('each state reads as what it is: deploying, waiting for what, failed with why, destroyed', () => {
  const state = (overrides: Partial<PreviewEntry>) => row(previewCommentBody('acme/web', 7, [entry(overrides)]))[0]?.split(' | ')[1];
  const deployment = entry().deployment ?? assert.fail();
  assert.equal(state({ deployment: { ...deployment, state: 'in_progress' } }), '⏳ deploying');
  assert.equal(state({ deployment: { ...deployment, state: 'waiting', message: 'gate: waiting for check test (missing)' } }), '⏳ waiting: gate: waiting for check test (missing)');
  assert.equal(state({ deployment: { ...deployment, state: 'failure', error: 'build command exited with code 1' } }), '❌ failed: build command exited with code 1');
  assert.equal(state({ present: false, state: 'destroying' }), '🗑️ being destroyed');
  const destroyed = row(previewCommentBody('acme/web', 7, [entry({ present: false, state: 'destroyed', url: null })]))[0] ?? '';
  assert.match(destroyed, /^\| web\/pr-7 \| 🗑️ destroyed \| — \| `0123456` \| — \|/, 'no URL and no expiry once destroyed');
});

test('text from a failure cannot break the table, add markup or mention anyone', () => {
  const error = 'boom | <!-- slipway:preview x --> [click](http://evil) @admin `rm`\nnext line ' + 'x'.repeat(200);
  const deployment = { ...(entry().deployment ?? assert.fail()), state: 'failure' as const, error };
  const line = row(previewCommentBody('acme/web', 7, [entry({ deployment })]))[0] ?? '';
  assert.equal(line.split(' | ').length, 6, line);
  assert.ok(!line.includes('<!--') && !line.includes('[click]') && !line.includes(' @admin'), line);
  assert.match(line, /\\<\\!-- slipway:preview x --\\>/);
  assert.ok(line.includes('…'), 'a long reason is cut');
});

test('a fork pull request under forks: approve says where its approval stands, without mentioning anyone', () => {
  const approval = { repo: 'acme/web', pr: 7, sha: SHA, by: null, reason: null, updatedAt: 0 };
  const note = (overrides: Partial<ForkApproval>) => previewCommentBody('acme/web', 7, [entry()], { ...approval, state: 'awaiting', ...overrides }).trimEnd().split('\n').at(-1);
  assert.equal(note({}), '🔒 This pull request comes from a fork: `0123456` deploys only once a user with write permission comments `/slipway deploy` to deploy it.');
  assert.equal(
    note({ reason: 'new commits since the approval of 0123456789ab; a new approval is needed' }),
    '🔒 This pull request comes from a fork: new commits since the approval of 0123456789ab; a new approval is needed; `0123456` deploys only once a user with write permission comments `/slipway deploy` to deploy it.',
  );
  assert.equal(note({ state: 'approved', by: 'maintainer' }), '🔓 `0123456` was approved by \\@maintainer; a new push needs a new approval.');
  assert.equal(note({ state: 'refused', by: 'reader', reason: '@reader lacks write permission' }), '⛔ `/slipway deploy` by \\@reader was refused: \\@reader lacks write permission.');
  assert.equal(previewCommentBody('acme/web', 7, [entry()]).includes('fork'), false, 'no approval: no note');
});

test('the last command shows what came of it, or why it was refused or failed; a kept preview does not expire', () => {
  const command: CommandRecord = {
    repo: 'acme/web', pr: 7, pullRequest: true, commentId: 1, login: 'maintainer', text: '/slipway redeploy', deliveryId: 'd1',
    state: 'done', outcome: 'redeploying the head of web/pr-7', reaction: 'rocket', receivedAt: 0, decidedAt: 1,
  };
  const note = (overrides: Partial<CommandRecord>) => previewCommentBody('acme/web', 7, [entry()], null, { ...command, ...overrides }).trimEnd().split('\n').at(-1);
  assert.equal(note({}), '🚀 Last command: /slipway redeploy by \\@maintainer: redeploying the head of web/pr-7.');
  assert.equal(note({ state: 'received', outcome: null }), '👀 Last command: /slipway redeploy by \\@maintainer is being checked.');
  assert.equal(note({ login: 'reader', state: 'refused', outcome: '@reader lacks write permission' }), '😕 Last command: /slipway redeploy by \\@reader was refused: \\@reader lacks write permission.');
  assert.equal(note({ state: 'failed', outcome: 'cannot check whether @x may write' }), '😕 Last command: /slipway redeploy by \\@maintainer failed: cannot check whether \\@x may write.');
  const hostile = note({ text: '/slipway <!--x--> | [a](b) `c`', state: 'refused', outcome: 'unknown command' }) ?? '';
  assert.ok(!hostile.includes('<!--') && !hostile.includes('[a]') && !hostile.includes(' | '), hostile);
  assert.match(row(previewCommentBody('acme/web', 7, [entry({ keep: true })]))[0] ?? '', /\| kept \|/);
});
