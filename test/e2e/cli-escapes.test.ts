import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startTestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// Payload text with terminal escapes, a carriage return and a fake row, sent as signed
// webhooks to a real slipway; the built CLI lists it. What a terminal would act on must come
// out as visible escapes, one line per row.

const FORGED = '\x1b[2J\rwebapp  prod  ready\nFORGED  row\u202e';
// Newlines end lines; everything else a terminal acts on must not be there.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const YAML = `apps:
  - name: webapp
    repo: acme/webapp
    url: /nonexistent/webapp.git
    target: { type: command, deploy: [sh, -c, 'true'], timeout: 30s }
    environments:
      - name: br-{branch}
        track: { branches: ["feat*"] }
`;

test('deliveries, envs, env and error messages print payload text with its control characters escaped', { timeout: 60_000 }, async (t) => {
  const service = await startTestService(t, { yaml: YAML });
  const create = JSON.parse(readFileSync('test/fixtures/payloads/create-branch.json', 'utf8')) as Record<string, unknown>;
  const branch = `feat${FORGED}`;
  const created = await deliver(service.url, { event: 'create', payload: { ...create, ref: branch } });
  assert.equal(created.status, 202, created.body);
  const issue = await deliver(service.url, { event: 'issues', payload: { action: `opened${FORGED}`, repository: create.repository } });
  assert.equal(issue.status, 202, issue.body);
  const env = await eventually(async () => (await service.store.listEnvironments({ includeDestroyed: true }))[0]);
  const cli = (...args: string[]) => runCli([...args, '--url', service.url], { cwd: tempDir(t), env: { SLIPWAY_API_TOKEN: service.apiToken } });

  const deliveries = await cli('deliveries');
  assert.equal(deliveries.code, 0, deliveries.stderr);
  assert.doesNotMatch(deliveries.stdout, RAW);
  assert.equal(deliveries.stdout.trimEnd().split('\n').length, 3, `a header and two rows:\n${deliveries.stdout}`);
  assert.ok(deliveries.stdout.includes('opened\\x1b[2J\\x0dwebapp  prod  ready\\x0aFORGED …'), deliveries.stdout);
  assert.doesNotMatch(deliveries.stdout, /^(webapp|FORGED)/m);

  const envs = await cli('envs');
  assert.equal(envs.code, 0, envs.stderr);
  assert.doesNotMatch(envs.stdout, RAW);
  assert.equal(envs.stdout.trimEnd().split('\n').length, 2, envs.stdout);
  assert.ok(envs.stdout.includes('feat\\x1b[2J\\x0dwebapp'), envs.stdout);

  const detail = await cli('env', 'webapp', env.name);
  assert.equal(detail.code, 0, detail.stderr);
  assert.doesNotMatch(detail.stdout, RAW);
  assert.match(detail.stdout, /^ {2}branch {5}feat\\x1b\[2J\\x0dwebapp {2}prod {2}ready\\x0aFORGED {2}row\\u202e$/m);

  const json = await cli('deliveries', issue.id);
  assert.equal(json.code, 0, json.stderr);
  assert.doesNotMatch(json.stdout, RAW);
  assert.equal((JSON.parse(json.stdout) as { action: string }).action, `opened${FORGED}`, 'the JSON value is unchanged');

  const refused = await cli('deploy', 'webapp', `x${FORGED}`);
  assert.equal(refused.code, 1);
  assert.doesNotMatch(refused.stderr, RAW);
  assert.equal(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /no environment webapp\/x\\x1b\[2J\\x0dwebapp/);
});

test('explain prints a pushed branch name with its control characters escaped', async (t) => {
  const dir = tempDir(t);
  const push = JSON.parse(readFileSync('test/fixtures/payloads/push-main.json', 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'push.json'), JSON.stringify({ ...push, ref: `refs/heads/feat${FORGED}` }));
  writeFileSync(join(dir, 'slipway.yaml'), YAML);
  const explained = await runCli(['explain', '--event', 'push', '--payload', 'push.json'], { cwd: dir });
  assert.equal(explained.code, 0, explained.stderr);
  assert.doesNotMatch(explained.stdout, RAW);
  assert.match(explained.stdout, /^ {2}follow webapp\/br-feat-\S+ refs\/heads\/feat\\x1b\[2J\\x0dwebapp {2}prod {2}ready\\x0aFORGED {2}row\\u202e$/m);
  assert.doesNotMatch(explained.stdout, /^FORGED/m);
});
