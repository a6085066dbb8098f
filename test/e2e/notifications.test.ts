import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Notification } from '../../src/store/notifications.js';
import { fails, ok, runCli, startServer } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { freePort } from '../helpers/process-app.js';
import { startReceiver } from '../helpers/receiver.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// The built CLI as a user types it, against `slipway serve` with notification receivers on
// 127.0.0.1: validate, the failed list with the receiver's answer, resend, notify test, and a
// receiver that is down while slipway is SIGKILLed and started again.

const TOKEN = 'T0E2E/B0E2E/E2eWebhookTokenSecret';
const SECRET = 'e2e-signing-secret-5150';

test('notifications from the CLI: listed with the answer, resent, tested; one pending across a SIGKILL is delivered after', async (t) => {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  const downPort = await freePort();
  let refuse = true;
  const picky = await startReceiver(t, () => (refuse ? { status: 400, body: 'invalid_payload: no text' } : { status: 200, body: 'ok' }), { path: `/services/${TOKEN}` });
  writeFileSync(join(dir, 'slipway.yaml'), `store:
  dataDir: data
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: [sh, -c, 'echo deployed $SLIPWAY_ENV'], timeout: 30s }
    environments:
      - name: staging
        track: { branch: main }
notifications:
  - name: chat
    url: \${CHAT_WEBHOOK_URL}
    format: slack
  - name: audit
    url: http://127.0.0.1:${downPort}/audit
    secret: \${AUDIT_SECRET}
    environments: [staging]
`);
  const env = { SLIPWAY_WEBHOOK_SECRET: 'cli-secret', CHAT_WEBHOOK_URL: picky.url, AUDIT_SECRET: SECRET };
  const cli = (url: string, ...args: string[]) => runCli([...args, '--url', url], { cwd: dir, env });

  const validated = await runCli(['validate'], { cwd: dir, env });
  assert.equal(validated.code, 0, validated.stderr);
  assert.match(validated.stdout, /slipway\.yaml: valid, 1 app, 2 notification receivers\n$/);
  for (const secret of [TOKEN, SECRET]) assert.ok(!`${validated.stdout}${validated.stderr}`.includes(secret));

  const first = await startServer(t, [], { cwd: dir, env });
  origin.commit('main', 'v1');
  ok(await cli(first.url, 'deploy', 'webapp', 'staging', '--ref', 'main'));
  const failed = await eventually(async () => {
    const page = JSON.parse(ok(await cli(first.url, 'notifications', '--state', 'failed', '--json'))) as { notifications: Notification[] };
    return page.notifications[0];
  }, 20_000);
  const table = ok(await cli(first.url, 'notifications', '--state', 'failed'));
  assert.match(table, /QUEUED\s+ID\s+RECEIVER\s+EVENT\s+ENVIRONMENT\s+STATE\s+TRIES\s+LAST ANSWER/);
  assert.match(table, new RegExp(`${failed.id}\\s+chat\\s+succeeded\\s+webapp/staging\\s+failed\\s+1\\s+answered 400: "invalid_payload: no text"`));

  refuse = false;
  assert.match(ok(await cli(first.url, 'notifications', 'resend', failed.id)), new RegExp(`notification ${failed.id}: sent again now`));
  await eventually(async () => (picky.received.length === 2 ? true : undefined));
  assert.deepEqual(picky.deliveries(), [failed.id, failed.id]);
  fails(await cli(first.url, 'notifications', 'resend', failed.id), 1, /only a failed notification can be resent \(409/);
  fails(await cli(first.url, 'notifications', 'resend'), 2, /expected one notification ID/);

  const tested = ok(await cli(first.url, 'notify', 'test', 'chat'));
  assert.match(tested, /^chat \(slack\): took the test notification\n {2}answered 200: ok\n {2}delivery id: [0-9a-f-]{36}\n$/);
  const down = await cli(first.url, 'notify', 'test', 'audit');
  assert.equal(down.code, 1);
  assert.match(down.stdout, /^audit \(json\): did not take it: connection refused \(ECONNREFUSED\)\n {2}no answer: \(no body\)/);
  fails(await cli(first.url, 'notify', 'test', 'nobody'), 1, /no receiver named "nobody"; expected one of: chat, audit/);

  // The audit receiver is down: its notification waits, tried with backoff, when slipway is killed.
  const waiting = await eventually(async () => {
    const page = JSON.parse(ok(await cli(first.url, 'notifications', '--receiver', 'audit', '--json'))) as { notifications: Notification[] };
    const [found] = page.notifications;
    return found !== undefined && found.attempts >= 1 ? found : undefined;
  }, 20_000);
  assert.equal(waiting.state, 'pending');
  first.child.kill('SIGKILL');
  await first.exited;

  const audit = await startReceiver(t, () => ({ status: 200 }), { port: downPort, path: '/audit' });
  const second = await startServer(t, [], { cwd: dir, env });
  // It is tried when its backoff, kept in the store, runs out: a few seconds at most here.
  await eventually(async () => (audit.received.length === 1 ? true : undefined), 40_000);
  assert.deepEqual(audit.deliveries(), [waiting.id], 'the same delivery id after the restart');
  const shown = ok(await cli(second.url, 'notifications', waiting.id));
  assert.equal((JSON.parse(shown) as Notification).state, 'delivered');
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
  for (const output of [first.output(), second.output()]) {
    for (const secret of [TOKEN, 'E2eWebhookTokenSecret', SECRET]) assert.ok(!output.includes(secret), `the log holds ${secret}`);
  }
});
