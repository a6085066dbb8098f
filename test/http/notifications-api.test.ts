import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import type { Notification } from '../../src/store/notifications.js';
import { checkRun, push } from '../helpers/ci.js';
import { freePort } from '../helpers/process-app.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startTestService } from '../helpers/service.js';
import { envState, setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// Real deployments (webhooks, a git repository, a command target) notified to real receivers
// on 127.0.0.1, and the notifications API over HTTP.

const FAST = { firstDelayMs: 50, maxDelayMs: 200, pollMs: 100, stopGraceMs: 200 };
const STAGING = `
      - name: staging
        track: { branch: main }
        rollback: { on: [failure] }`;
/** The deploy command fails for any version whose content says "bad". */
const failOnBad = () => ['sh', '-c', 'if grep -q bad version.txt; then echo "health check failed" >&2; exit 3; fi'];

const receivers = (entries: { name: string; url: string; extra?: string }[]) =>
  `server:\n  publicUrl: https://slipway.example.com\nnotifications:\n${entries.map((r) => `  - { name: ${r.name}, url: "${r.url}"${r.extra ?? ''} }`).join('\n')}\n`;

const events = (receiver: Receiver) => receiver.received.map((request) => String(request.headers['x-slipway-event']));

test('a success, a failure and its rollback reach slack, discord, teams and json receivers in their own formats', async (t) => {
  const [slack, discord, teams, json] = await Promise.all([startReceiver(t), startReceiver(t, () => ({ status: 204, body: '' })), startReceiver(t, () => ({ status: 202 })), startReceiver(t)]);
  const top = receivers([
    { name: 'slack', url: slack.url, extra: ', format: slack' },
    { name: 'discord', url: discord.url, extra: ', format: discord' },
    { name: 'teams', url: teams.url, extra: ', format: teams' },
    { name: 'audit', url: json.url, extra: ', secret: audit-secret' },
  ]);
  const { origin, service } = await setup(t, { environments: STAGING, deploy: failOnBad, top, service: { notifyTiming: FAST } });
  const good = origin.commit('main', 'good v1');
  await deliver(service.url, { event: 'push', payload: push('main', good) });
  await envState(service, 'staging', 'ready');
  const bad = origin.commit('main', 'bad v2');
  await deliver(service.url, { event: 'push', payload: push('main', bad) });
  for (const receiver of [slack, discord, teams, json]) await eventually(async () => (receiver.received.length === 3 ? true : undefined), 20_000);
  for (const receiver of [slack, discord, teams, json]) assert.deepEqual(events(receiver), ['succeeded', 'failed', 'rolled-back']);

  const short = (sha: string) => sha.slice(0, 12);
  const [, failedBody, backBody] = json.bodies();
  assert.deepEqual({ event: failedBody?.event, sha: failedBody?.sha, fromSha: failedBody?.fromSha, state: failedBody?.state, trigger: failedBody?.trigger },
    { event: 'failed', sha: bad, fromSha: good, state: 'failure', trigger: 'push' });
  assert.match(String(failedBody?.error), /exit|3/);
  assert.deepEqual({ event: backBody?.event, sha: backBody?.sha, fromSha: backBody?.fromSha, trigger: backBody?.trigger, reason: backBody?.reason },
    { event: 'rolled-back', sha: good, fromSha: bad, trigger: 'rollback', reason: `deployment ${String(failedBody?.deployment)} of ${short(bad)} failed` });
  assert.equal(backBody?.logUrl, `https://slipway.example.com/deployments/${String(backBody?.deployment)}`);

  assert.deepEqual(slack.bodies().map((body) => body.text), [
    `✅ webapp/staging: deployed ${short(good)} (main)`,
    `❌ webapp/staging: the deployment of ${short(bad)} (main) failed; ${short(good)} still runs: ${String(failedBody?.error).replace(/\s+/g, ' ').trim()}`,
    `⚠️ webapp/staging: rolled back ${short(bad)} → ${short(good)}: deployment ${String(failedBody?.deployment)} of ${short(bad)} failed`,
  ]);
  assert.deepEqual(discord.bodies().map((body) => body.content), [
    `✅ webapp/staging: deployed ${short(good)} (main)`,
    `❌ webapp/staging: the deployment of ${short(bad)} (main) failed; ${short(good)} still runs`,
    `⚠️ webapp/staging: rolled back ${short(bad)} → ${short(good)}`,
  ]);
  const cards = teams.bodies().map((body) => (body.attachments as { content: { type: string; body: { text: string }[] } }[])[0]?.content);
  assert.deepEqual(cards.map((card) => `${card?.type} ${card?.body[0]?.text}`), [
    `AdaptiveCard ✅ webapp/staging: deployed ${short(good)} (main)`,
    `AdaptiveCard ❌ webapp/staging: the deployment of ${short(bad)} (main) failed; ${short(good)} still runs`,
    `AdaptiveCard ⚠️ webapp/staging: rolled back ${short(bad)} → ${short(good)}`,
  ]);
  const listed = ((await service.api('GET', '/api/notifications?state=delivered&limit=50')).json() as { notifications: Notification[] }).notifications;
  assert.equal(listed.length, 12);
});

test('a 400 fails for good, is listed with the answer, and can be resent; the API never shows a URL or secret', async (t) => {
  let answer = { status: 400, body: 'invalid_payload' };
  const token = 'hooks/T0SECRET/B0SECRET/WebhookToken77';
  const picky = await startReceiver(t, () => answer, { path: `/${token}` });
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => void lines.push(line) } });
  const top = receivers([{ name: 'picky', url: picky.url, extra: ', secret: signing-secret-31337' }]);
  const { origin, service } = await setup(t, { environments: STAGING, top, service: { notifyTiming: FAST, log } });
  const sha = origin.commit('main', 'v1');
  await deliver(service.url, { event: 'push', payload: push('main', sha) });
  const failed = await eventually(async () => {
    const page = (await service.api('GET', '/api/notifications?state=failed')).json() as { notifications: Notification[] };
    return page.notifications[0];
  }, 20_000);
  assert.deepEqual({ receiver: failed.receiver, event: failed.event, app: failed.app, environment: failed.environment, status: failed.lastStatus, answer: failed.lastAnswer, error: failed.lastError, attempts: failed.attempts },
    { receiver: 'picky', event: 'succeeded', app: 'webapp', environment: 'staging', status: 400, answer: 'invalid_payload', error: 'answered 400', attempts: 1 });
  const one = await service.api('GET', `/api/notifications/${failed.id}`);
  assert.equal(one.status, 200);
  assert.equal((one.json() as Notification).facts.sha, sha);

  assert.equal((await service.api('GET', '/api/notifications?state=lost')).status, 400);
  assert.equal((await service.api('GET', '/api/notifications/no-such-id')).status, 404);
  assert.equal((await service.api('POST', '/api/notifications/no-such-id/resend')).status, 404);
  answer = { status: 200, body: 'ok' };
  const resent = await service.api('POST', `/api/notifications/${failed.id}/resend`);
  assert.equal(resent.status, 202);
  await eventually(async () => (((await service.api('GET', `/api/notifications/${failed.id}`)).json() as Notification).state === 'delivered' ? true : undefined));
  const again = await service.api('POST', `/api/notifications/${failed.id}/resend`);
  assert.equal(again.status, 409);
  assert.match((again.json() as { error: { message: string } }).error.message, /is delivered: only a failed notification can be resent/);
  assert.deepEqual(picky.deliveries(), [failed.id, failed.id], 'the same delivery id both times');

  const test = await service.api('POST', '/api/receivers/picky/test');
  assert.equal(test.status, 200);
  assert.deepEqual((({ receiver, format, delivered, status, answer: said }) => ({ receiver, format, delivered, status, said }))(test.json() as Record<string, unknown>),
    { receiver: 'picky', format: 'json', delivered: true, status: 200, said: 'ok' });
  assert.equal(picky.received.at(-1)?.headers['x-slipway-event'], 'test');
  const unknown = await service.api('POST', '/api/receivers/nobody/test');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /no receiver named \\"nobody\\"; expected one of: picky/);

  const everything = [
    (await service.api('GET', '/api/notifications?limit=500')).body,
    one.body,
    test.body,
    (await service.api('GET', '/api/environments')).body,
    lines.join(''),
  ].join('\n');
  for (const secret of [token, 'WebhookToken77', 'signing-secret-31337', picky.url]) assert.ok(!everything.includes(secret), `${secret} was shown`);
});

test('a receiver down across a restart of slipway on the same data folder still gets its notification, with the same id', async (t) => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/hook`;
  const top = receivers([{ name: 'later', url }]);
  const { origin, service, yaml } = await setup(t, { environments: STAGING, top, service: { notifyTiming: FAST } });
  const sha = origin.commit('main', 'v1');
  await deliver(service.url, { event: 'push', payload: push('main', sha) });
  const pending = await eventually(async () => {
    const [found] = ((await service.api('GET', '/api/notifications')).json() as { notifications: Notification[] }).notifications;
    return found !== undefined && found.attempts >= 1 ? found : undefined;
  }, 20_000);
  assert.equal(pending.state, 'pending');
  assert.equal(pending.lastError, 'connection refused (ECONNREFUSED)');
  await service.close();

  const receiver = await startReceiver(t, () => ({}), { port });
  const restarted = await startTestService(t, { yaml, dataDir: service.dataDir, notifyTiming: FAST });
  await eventually(async () => (receiver.received.length === 1 ? true : undefined), 10_000);
  assert.deepEqual(receiver.deliveries(), [pending.id]);
  const after = (await restarted.api('GET', `/api/notifications/${pending.id}`)).json() as Notification;
  assert.equal(after.state, 'delivered');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(receiver.received.length, 1, 'sent once it was taken');
});

test('a gate that starts waiting, then fails, and a destroy are notified with what it waits for and why', async (t) => {
  const chat = await startReceiver(t);
  const top = receivers([{ name: 'chat', url: chat.url, extra: ', on: [waiting, failed, destroyed], environments: ["stag*"]' }]);
  const gated = `
      - name: staging
        track: { branch: main }
        gate: { checks: [test] }`;
  const { origin, service } = await setup(t, { environments: gated, top, service: { notifyTiming: FAST } });
  const sha = origin.commit('main', 'v1');
  await deliver(service.url, { event: 'push', payload: push('main', sha) });
  await eventually(async () => (chat.received.length === 1 ? true : undefined), 20_000);
  await deliver(service.url, { event: 'check_run', payload: checkRun(sha, 'test', 'failure', { branch: 'main' }) });
  await eventually(async () => (chat.received.length === 2 ? true : undefined), 20_000);
  assert.equal((await service.api('POST', '/api/environments/webapp/staging/destroy')).status, 202);
  await eventually(async () => (chat.received.length === 3 ? true : undefined), 20_000);
  assert.deepEqual(chat.bodies().map((body) => [body.event, body.state, body.sha, body.startedAt === null, body.error ?? body.reason]), [
    ['waiting', 'waiting', sha, true, 'gate: waiting for check test (missing)'],
    ['failed', 'failure', sha, true, 'CI failed: check test failed (failure)'],
    ['destroyed', 'destroyed', null, true, 'destroyed through the API'],
  ]);
  assert.equal(chat.bodies()[1]?.summary, `webapp/staging: ${sha.slice(0, 12)} (main) was not deployed: its gate failed`);
});
