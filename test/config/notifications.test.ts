import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

const APPS = 'apps:\n  - name: web\n    repo: acme/web\n  - name: api\n    repo: acme/api\n';
const SLACK = 'https://hooks.slack.com/services/T0123456789/B1001010101/7IsoQTrixdUtE971O1xQTm4T';

test('the README example parses: defaults filled in, the URL and secret taken from the environment', () => {
  const config = parseConfig(`${APPS}notifications:
  - name: team-chat
    url: \${SLACK_WEBHOOK_URL}
    format: slack
    on: [succeeded, failed, rolled-back, destroyed, waiting]
    apps: [web]
    environments: [production, "pr-*"]
  - name: audit
    url: https://audit.example.com/slipway
    format: json
    secret: \${AUDIT_SECRET}
  - name: ops
    url: https://ops.example.com/hook
`, 'slipway.yaml', { SLACK_WEBHOOK_URL: SLACK, AUDIT_SECRET: 'audit-secret' }, '/srv');
  assert.deepEqual(config.notifications, [
    { name: 'team-chat', url: SLACK, format: 'slack', on: ['succeeded', 'failed', 'rolled-back', 'destroyed', 'waiting'], apps: ['web'], environments: ['production', 'pr-*'], secret: null },
    { name: 'audit', url: 'https://audit.example.com/slipway', format: 'json', on: ['succeeded', 'failed', 'rolled-back'], apps: null, environments: null, secret: 'audit-secret' },
    { name: 'ops', url: 'https://ops.example.com/hook', format: 'json', on: ['succeeded', 'failed', 'rolled-back'], apps: null, environments: null, secret: null },
  ]);
  assert.deepEqual(parseConfig(APPS, 'slipway.yaml', {}, '/srv').notifications, [], 'none by default');
});

test('every problem is named by file, line and path, and a URL is never quoted back', () => {
  const lines = problems(`${APPS}notifications:
  - name: team-chat
    url: \${SLACK_WEBHOOK_URL}
    format: slak
    on: [succeeded, deployed]
    apps: [web, wbe]
    environments: ["pr-{number}"]
    secret: abc
  - name: Team Chat
    url: ftp://files.example.com/x
  - name: audit
    url: https://user:hunter2secret@audit.example.com/
    on: []
  - name: audit
    url: not a url at all 7IsoQTrixdUtE
    colour: red
`, { SLACK_WEBHOOK_URL: SLACK });
  assert.deepEqual(lines, [
    'slipway.yaml:9 notifications.team-chat.format: expected one of: slack, discord, teams, json',
    'slipway.yaml:10 notifications.team-chat.on[1]: expected one of: succeeded, failed, rolled-back, destroyed, waiting',
    'slipway.yaml:11 notifications.team-chat.apps[1]: unknown app "wbe"; expected one of: web, api',
    'slipway.yaml:12 notifications.team-chat.environments[0]: expected an environment name or a glob such as pr-* (names are lowercase a-z, 0-9 and "-")',
    'slipway.yaml:13 notifications.team-chat.secret: signs json bodies only; slak does not send it: remove secret, or use format: json',
    'slipway.yaml:14 notifications[1].name: expected 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"',
    'slipway.yaml:15 notifications[1].url: expected an absolute http(s) URL, such as the incoming-webhook URL the chat service gave',
    'slipway.yaml:17 notifications.audit.url: must not carry a user or password; a json receiver can check the signature made with secret instead',
    'slipway.yaml:18 notifications.audit.on: must not be an empty list; remove on for the default (succeeded, failed, rolled-back)',
    'slipway.yaml:19 notifications.audit.name: another receiver (notifications[2]) has the same name; names must be unique',
    'slipway.yaml:20 notifications.audit.url: expected an absolute http(s) URL, such as the incoming-webhook URL the chat service gave',
    'slipway.yaml:21 notifications.audit.colour: unknown key "colour"; expected one of: name, url, format, on, apps, environments, secret',
  ]);
  const text = lines.join('\n');
  for (const secret of ['7IsoQTrixdUtE', 'hunter2secret', 'files.example.com']) assert.ok(!text.includes(secret), secret);
});

test('a receiver needs a name and a url; notifications is a list; apps must exist', () => {
  assert.deepEqual(problems(`${APPS}notifications:\n  - format: slack\n`), [
    'slipway.yaml:7 notifications[0].name: is required',
    'slipway.yaml:7 notifications[0].url: is required',
  ]);
  assert.deepEqual(problems(`${APPS}notifications:\n  team-chat: { url: ${SLACK} }\n`), ['slipway.yaml:6 notifications: expected a list, got a mapping']);
  assert.deepEqual(problems(`notifications:\n  - name: chat\n    url: ${SLACK}\n    apps: [web]\n`), ['slipway.yaml:4 notifications.chat.apps[0]: unknown app "web"; no apps are configured']);
});
