import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationFacts } from '../../src/domain/notifications.js';
import type { Outgoing } from '../../src/notify/message.js';
import { render } from '../../src/notify/render.js';

// Each format's body for a success, a failure and a rollback, held against the fields each
// service documents for its incoming webhooks:
// - Slack: `text` (also the notification fallback) and `blocks` of Block Kit (`section` with
//   `mrkdwn` text, `context` with `elements`); `&`, `<`, `>` escaped, links as `<url|label>`.
// - Discord (Execute Webhook): `content` (at most 2000 characters) and `embeds` (`title`,
//   `description`, `url`, `color` as an integer, `fields` of `name`/`value`/`inline`,
//   `timestamp` ISO 8601), `allowed_mentions` to keep text from pinging.
// - Teams (incoming webhook, or a Workflows webhook flow): `type: "message"` and `attachments`
//   holding `contentType: application/vnd.microsoft.card.adaptive` with the AdaptiveCard as `content`.

const A = '1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d';
const B = '5d6e7f8a9b0c5d6e7f8a9b0c5d6e7f8a9b0c5d6e';
const AT = Date.UTC(2025, 0, 2, 3, 4, 5);

const base: NotificationFacts = {
  event: 'succeeded', app: 'web', environment: 'production', deployment: 42, sha: B, fromSha: A, ref: 'refs/heads/main', pr: null, branch: 'main',
  state: 'success', url: 'https://production.web.example.com', error: null, reason: null, trigger: 'push', startedAt: AT - 30_000, finishedAt: AT, at: AT,
};
const success: Outgoing = { id: 'delivery-1', facts: base, logUrl: 'https://slipway.example.com/deployments/42' };
const failure: Outgoing = {
  ...success,
  facts: { ...base, event: 'failed', state: 'failure', error: 'health check failed:\n  GET /healthz answered 500 <!channel> @everyone', url: 'https://production.web.example.com' },
};
const rollback: Outgoing = { ...success, facts: { ...base, event: 'rolled-back', sha: A, fromSha: B, reason: `deployment 41 of ${B.slice(0, 12)} failed`, trigger: 'rollback' } };

const bodyOf = (format: 'slack' | 'discord' | 'teams' | 'json', outgoing: Outgoing) => JSON.parse(render({ format, secret: null }, outgoing).body) as Record<string, unknown>;

test('slack: text and blocks, the summary from one sha to the other, links, and text from outside escaped', () => {
  const ok = bodyOf('slack', success);
  assert.equal(ok.text, `✅ web/production: deployed ${A.slice(0, 12)} → ${B.slice(0, 12)} (main)`);
  assert.deepEqual(ok.blocks, [
    { type: 'section', text: { type: 'mrkdwn', text: `✅ web/production: deployed ${A.slice(0, 12)} → ${B.slice(0, 12)} (main)` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: '<https://production.web.example.com|Open environment> · <https://slipway.example.com/deployments/42|Deployment log>' }] },
  ]);
  const bad = bodyOf('slack', failure);
  const why = 'health check failed: GET /healthz answered 500 &lt;!channel&gt; @everyone';
  assert.equal(bad.text, `❌ web/production: the deployment of ${B.slice(0, 12)} (main) failed; ${A.slice(0, 12)} still runs: ${why}`);
  const [section] = bad.blocks as { text: { text: string } }[];
  assert.equal(section?.text.text, `❌ web/production: the deployment of ${B.slice(0, 12)} (main) failed; ${A.slice(0, 12)} still runs\n${why}`, 'why, on one line, with <!channel> defused');
  const back = bodyOf('slack', rollback);
  assert.equal(back.text, `⚠️ web/production: rolled back ${B.slice(0, 12)} → ${A.slice(0, 12)}: deployment 41 of ${B.slice(0, 12)} failed`);
});

test('discord: content and one embed with colour, fields and timestamp; mentions never parsed', () => {
  const ok = bodyOf('discord', success);
  assert.equal(ok.content, `✅ web/production: deployed ${A.slice(0, 12)} → ${B.slice(0, 12)} (main)`);
  assert.deepEqual(ok.allowed_mentions, { parse: [] });
  assert.deepEqual(ok.embeds, [{
    title: 'web/production',
    url: 'https://production.web.example.com',
    color: 0x2ea043,
    fields: [
      { name: 'Commit', value: `\`${B.slice(0, 12)}\``, inline: true },
      { name: 'Trigger', value: 'push', inline: true },
      { name: 'Open environment', value: 'https://production.web.example.com', inline: false },
      { name: 'Deployment log', value: 'https://slipway.example.com/deployments/42', inline: false },
    ],
    timestamp: '2025-01-02T03:04:05.000Z',
  }]);
  const bad = bodyOf('discord', failure);
  const [embed] = bad.embeds as { description: string; color: number }[];
  assert.equal(embed?.description, 'health check failed: GET /healthz answered 500 <!channel\\> @everyone');
  assert.equal(embed?.color, 0xd1242f);
  assert.ok((bad.content as string).length <= 2000);
  const back = bodyOf('discord', rollback);
  assert.equal(back.content, `⚠️ web/production: rolled back ${B.slice(0, 12)} → ${A.slice(0, 12)}`);
  assert.equal((back.embeds as { description: string }[])[0]?.description, `deployment 41 of ${B.slice(0, 12)} failed`);
});

test('teams: a message with one Adaptive Card attachment: summary, why, facts and buttons', () => {
  const ok = bodyOf('teams', success);
  assert.equal(ok.type, 'message');
  const [attachment] = ok.attachments as { contentType: string; contentUrl: null; content: Record<string, unknown> }[];
  assert.equal(attachment?.contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(attachment?.contentUrl, null);
  const card = attachment?.content ?? {};
  assert.equal(card.type, 'AdaptiveCard');
  assert.equal(card.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
  assert.equal(card.version, '1.2');
  assert.deepEqual(card.body, [
    { type: 'TextBlock', text: `✅ web/production: deployed ${A.slice(0, 12)} → ${B.slice(0, 12)} (main)`, wrap: true, weight: 'Bolder', color: 'Good' },
    { type: 'FactSet', facts: [{ title: 'Commit', value: B.slice(0, 12) }, { title: 'Trigger', value: 'push' }] },
  ]);
  assert.deepEqual(card.actions, [
    { type: 'Action.OpenUrl', title: 'Open environment', url: 'https://production.web.example.com' },
    { type: 'Action.OpenUrl', title: 'Deployment log', url: 'https://slipway.example.com/deployments/42' },
  ]);
  const badCard = ((bodyOf('teams', failure).attachments as { content: { body: { text?: string; color?: string }[] } }[])[0]?.content.body ?? []);
  assert.equal(badCard[0]?.color, 'Attention');
  assert.equal(badCard[1]?.text, 'health check failed: GET /healthz answered 500 <!channel> @everyone');
  const backCard = ((bodyOf('teams', rollback).attachments as { content: { body: { text?: string; color?: string }[] } }[])[0]?.content.body ?? []);
  assert.equal(backCard[0]?.text, `⚠️ web/production: rolled back ${B.slice(0, 12)} → ${A.slice(0, 12)}`);
  assert.equal(backCard[0]?.color, 'Warning');
});

test('json: the documented, versioned body; every format carries the event and the stable delivery id', () => {
  assert.deepEqual(bodyOf('json', failure), {
    version: 1, id: 'delivery-1', event: 'failed', app: 'web', environment: 'production', deployment: 42, sha: B, fromSha: A, ref: 'refs/heads/main',
    pr: null, branch: 'main', state: 'failure', url: 'https://production.web.example.com', logUrl: 'https://slipway.example.com/deployments/42',
    error: 'health check failed:\n  GET /healthz answered 500 <!channel> @everyone', reason: null, trigger: 'push',
    startedAt: '2025-01-02T03:03:35.000Z', finishedAt: '2025-01-02T03:04:05.000Z', at: '2025-01-02T03:04:05.000Z',
    summary: `web/production: the deployment of ${B.slice(0, 12)} (main) failed; ${A.slice(0, 12)} still runs`,
  });
  const back = bodyOf('json', rollback);
  assert.deepEqual({ event: back.event, sha: back.sha, fromSha: back.fromSha, reason: back.reason }, { event: 'rolled-back', sha: A, fromSha: B, reason: `deployment 41 of ${B.slice(0, 12)} failed` });
  for (const format of ['slack', 'discord', 'teams', 'json'] as const) {
    const { headers } = render({ format, secret: 'only-json-signs' }, rollback);
    assert.equal(headers['x-slipway-event'], 'rolled-back', format);
    assert.equal(headers['x-slipway-delivery'], 'delivery-1', format);
    assert.equal(headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(headers['x-slipway-signature-256'] !== undefined, format === 'json', `${format}: only json is signed`);
  }
});

test('the other events read as one line each: a gate that failed, a wait, a destroy, a test', () => {
  const gate = bodyOf('json', { ...success, facts: { ...base, event: 'failed', state: 'failure', startedAt: null, error: 'CI failed: check test failed (failure)', pr: 7, branch: 'feature/x' } });
  assert.equal(gate.summary, `web/production: ${B.slice(0, 12)} (pull request #7) was not deployed: its gate failed`);
  const waiting = bodyOf('slack', { ...success, logUrl: null, facts: { ...base, event: 'waiting', state: 'waiting', url: null, reason: 'gate: waiting for check test (missing)', ref: 'refs/tags/v1.2.0', branch: null } });
  assert.equal(waiting.text, `⚠️ web/production: ${B.slice(0, 12)} (v1.2.0) is waiting: gate: waiting for check test (missing)`);
  assert.equal((waiting.blocks as unknown[]).length, 1, 'no links: no context block');
  const destroyed = bodyOf('discord', { ...success, facts: { ...base, environment: 'pr-7', event: 'destroyed', state: 'destroyed', url: null, reason: 'pull request #7 was merged', deployment: null } });
  assert.equal(destroyed.content, 'ℹ️ web/pr-7: destroyed');
  assert.equal((destroyed.embeds as { description: string }[])[0]?.description, 'pull request #7 was merged');
  const sample = render({ format: 'json', secret: null }, { ...success, test: true });
  assert.equal(sample.headers['x-slipway-event'], 'test');
  assert.match((JSON.parse(sample.body) as { summary: string }).summary, /^Test notification from slipway: /);
});
