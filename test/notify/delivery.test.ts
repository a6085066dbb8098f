import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type { ReceiverConfig } from '../../src/config/schema.js';
import type { Environment, Fence } from '../../src/domain/environments.js';
import { ScheduleLeases } from '../../src/engine/schedule-leases.js';
import { createLogger } from '../../src/logger.js';
import { Notifier } from '../../src/notify/notifier.js';
import type { NotifyTiming } from '../../src/notify/timing.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startReceiver } from '../helpers/receiver.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// The notifier over a real store, sending to real HTTP receivers on 127.0.0.1. Events are
// recorded by the store's deployment writes, as the reconciler makes them.

const FAST: Partial<NotifyTiming> = { firstDelayMs: 20, maxDelayMs: 200, pollMs: 50, timeoutMs: 2000, stopGraceMs: 200 };

function receiver(name: string, url: string, extra: Partial<ReceiverConfig> = {}): ReceiverConfig {
  return { name, url, format: 'json', on: ['succeeded', 'failed', 'rolled-back', 'destroyed', 'waiting'], apps: null, environments: null, secret: null, ...extra };
}

/** Records a deployment of `sha` to app/env ending in `state`, through the store as the reconciler does. */
async function recordDeployment(store: SqliteStore, app: string, env: string, sha: string, state: 'success' | 'failure'): Promise<number> {
  await store.changeEnvironments([{ kind: 'follow', app, env, ref: 'refs/heads/main', shaHint: sha, pr: null, branch: 'main', ttlMs: null, trigger: 'push' }], 'test');
  const found = (await store.getEnvironment(app, env)) as Environment;
  const fence: Fence = { lease: `env:${found.id}`, token: (await store.acquireLease(`env:${found.id}`, 'test', 60_000)) ?? 0 };
  const begun = await store.beginDeployment({ environmentId: found.id, generation: found.generation, sha, ref: found.desiredRef, trigger: 'push', deliveryId: null, fence });
  await store.completeDeployment({ id: begun.id, state, error: state === 'failure' ? 'exit 1' : null, log: '', url: `http://${env}.${app}.test`, fence });
  await store.releaseLease(fence.lease, 'test');
  return begun.id;
}

/** A store, a notifier for `receivers` and the log lines it wrote; stopped (then the store closed) after the test. */
async function start(t: TestContext, receivers: ReceiverConfig[], timing: Partial<NotifyTiming> = FAST) {
  const store = await SqliteStore.open(tempDir(t));
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => void lines.push(line) } });
  const notifier = new Notifier({ store, receivers, publicUrl: 'https://slipway.example.com', log, timing });
  notifier.start();
  t.after(async () => {
    await notifier.stop();
    await store.close();
  });
  /** Records a deployment and nudges the notifier. */
  const deploy = async (app: string, env: string, sha: string, state: 'success' | 'failure' = 'success') => {
    const id = await recordDeployment(store, app, env, sha, state);
    notifier.nudge();
    return id;
  };
  return { store, notifier, deploy, logText: () => lines.join('') };
}

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

test('a json receiver with a secret gets the body signed as it checks it: HMAC-SHA256 of the raw body', async (t) => {
  const secret = 'audit-secret-0f9e8d';
  const audit = await startReceiver(t);
  const { deploy } = await start(t, [receiver('audit', audit.url, { secret })]);
  const id = await deploy('web', 'production', A);
  await eventually(async () => (audit.received.length === 1 ? true : undefined));
  const [request] = audit.received;
  assert.ok(request !== undefined);
  // As a receiver checks it: recompute over the bytes received, compare in constant time.
  const header = String(request.headers['x-slipway-signature-256']);
  assert.match(header, /^sha256=[0-9a-f]{64}$/);
  const expected = createHmac('sha256', secret).update(Buffer.from(request.body)).digest();
  assert.ok(timingSafeEqual(Buffer.from(header.slice('sha256='.length), 'hex'), expected), 'the signature matches the body');
  const forged = createHmac('sha256', 'another-secret').update(Buffer.from(request.body)).digest();
  assert.ok(!timingSafeEqual(Buffer.from(header.slice('sha256='.length), 'hex'), forged));
  assert.equal(request.headers['x-slipway-event'], 'succeeded');
  const body = JSON.parse(request.body) as Record<string, unknown>;
  assert.equal(request.headers['x-slipway-delivery'], body.id);
  assert.deepEqual({ version: body.version, event: body.event, app: body.app, environment: body.environment, sha: body.sha, deployment: body.deployment, logUrl: body.logUrl },
    { version: 1, event: 'succeeded', app: 'web', environment: 'production', sha: A, deployment: id, logUrl: `https://slipway.example.com/deployments/${id}` });
});

test('a receiver answering 500 three times then 200 gets it four times with the same delivery id, then no more', async (t) => {
  const flaky = await startReceiver(t, (_request, index) => (index < 3 ? { status: 500, body: 'oops' } : { status: 200 }));
  const { store, deploy } = await start(t, [receiver('flaky', flaky.url)]);
  await deploy('web', 'production', A);
  await eventually(async () => ((await store.listNotifications({ limit: 1, state: 'delivered' })).length === 1 ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(flaky.received.length, 4, 'tried again after each 500, and not after the 200');
  const ids = flaky.deliveries();
  assert.equal(new Set(ids).size, 1, `one delivery id throughout: ${ids.join(', ')}`);
  const [notification] = await store.listNotifications({ limit: 1 });
  assert.deepEqual({ id: notification?.id, attempts: notification?.attempts, state: notification?.state, status: notification?.lastStatus }, { id: ids[0], attempts: 4, state: 'delivered', status: 200 });
  const gaps = flaky.received.slice(1).map((request, index) => request.at - (flaky.received[index]?.at ?? 0));
  assert.ok(gaps.every((gap) => gap >= 10), `waited between tries: ${gaps.join(', ')} ms`);
});

test('429 with Retry-After waits as long as the receiver says; 408 is tried again too', async (t) => {
  const limited = await startReceiver(t, (_request, index) => [{ status: 429, headers: { 'retry-after': '1' } }, { status: 408 }, { status: 200 }][index] ?? {});
  const { store, deploy } = await start(t, [receiver('limited', limited.url)]);
  await deploy('web', 'production', A);
  await eventually(async () => ((await store.listNotifications({ limit: 1, state: 'delivered' })).length === 1 ? true : undefined), 5000);
  const [first, second, third] = limited.received;
  assert.ok(first !== undefined && second !== undefined && third !== undefined);
  assert.ok(second.at - first.at >= 950, `Retry-After: 1 was honoured (${second.at - first.at} ms)`);
  assert.ok(third.at - second.at < 900, 'then the short backoff again');
});

test('a 400 fails for good at once, with the answer kept; a resend delivers it with the same id', async (t) => {
  let refuse = true;
  const picky = await startReceiver(t, () => (refuse ? { status: 400, body: 'invalid_payload\n  missing field "text"' } : { status: 200 }));
  const { store, notifier, deploy, logText } = await start(t, [receiver('picky', picky.url)]);
  await deploy('web', 'production', A);
  const [failed] = await eventually(async () => {
    const found = await store.listNotifications({ limit: 5, state: 'failed' });
    return found.length === 1 ? found : undefined;
  });
  assert.ok(failed !== undefined);
  assert.deepEqual({ attempts: failed.attempts, status: failed.lastStatus, answer: failed.lastAnswer, error: failed.lastError },
    { attempts: 1, status: 400, answer: 'invalid_payload missing field "text"', error: 'answered 400' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(picky.received.length, 1, 'not tried again');
  assert.match(logText(), new RegExp(`slipway notifications resend ${failed.id}`));
  refuse = false;
  assert.equal(await notifier.resend(failed.id), 'resent');
  assert.equal(await notifier.resend(failed.id), 'not_failed', 'pending again: nothing to resend');
  assert.equal(await notifier.resend('no-such-id'), 'unknown');
  await eventually(async () => ((await store.getNotification(failed.id))?.state === 'delivered' ? true : undefined));
  assert.deepEqual(picky.deliveries(), [failed.id, failed.id]);
});

test('a receiver that keeps failing is given up on when its window closes; a redirect is not followed', async (t) => {
  const down = await startReceiver(t, () => ({ status: 503, body: 'maintenance' }));
  const moved = await startReceiver(t, () => ({ status: 301, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
  const { store, deploy } = await start(t, [receiver('down', down.url), receiver('moved', moved.url)], { ...FAST, windowMs: 400 });
  await deploy('web', 'production', A);
  const failed = await eventually(async () => {
    const found = await store.listNotifications({ limit: 5, state: 'failed' });
    return found.length === 2 ? found : undefined;
  }, 5000);
  const byReceiver = Object.fromEntries(failed.map((n) => [n.receiver, n]));
  assert.match(byReceiver.down?.lastError ?? '', /^gave up after 0 s of tries; last: answered 503$/);
  assert.ok((byReceiver.down?.attempts ?? 0) >= 3, `tried ${byReceiver.down?.attempts} times`);
  assert.equal(byReceiver.moved?.lastError, 'answered 301 (a redirect, which is not followed: fix the url)');
  assert.equal(moved.received.length, 1);
});

test('a slow receiver does not delay another; a receiver that never answers in time is tried again', async (t) => {
  const slow = await startReceiver(t, () => ({ delayMs: 5000 }));
  const fast = await startReceiver(t);
  // Were the queues one, the fast receiver would wait out the slow one's 2.5 s timeout.
  const { store, deploy } = await start(t, [receiver('slow', slow.url), receiver('fast', fast.url)], { ...FAST, timeoutMs: 2500 });
  const started = Date.now();
  await deploy('web', 'production', A);
  await deploy('web', 'production', B);
  await deploy('web', 'staging', A);
  await eventually(async () => (fast.received.length === 3 ? true : undefined));
  assert.ok(Date.now() - started < 2000, `the fast receiver had all three within ${Date.now() - started} ms`);
  assert.ok(slow.received.length <= 2, 'the slow one is still on its first');
  const pending = await eventually(async () => {
    const [first] = (await store.listNotifications({ limit: 10, receiver: 'slow' })).reverse();
    return first !== undefined && first.attempts >= 1 ? first : undefined;
  }, 8000);
  assert.equal(pending.state, 'pending');
  assert.equal(pending.lastError, 'no answer within 2.5 s');
  assert.equal(pending.lastStatus, null);
});

test('filters: a receiver hears only its events, apps and environment globs', async (t) => {
  const all = await startReceiver(t);
  const previews = await startReceiver(t);
  const failures = await startReceiver(t);
  const { deploy } = await start(t, [
    receiver('all', all.url, { on: ['succeeded', 'failed'] }),
    receiver('previews', previews.url, { apps: ['web'], environments: ['pr-*', 'production'] }),
    receiver('failures', failures.url, { on: ['failed'], apps: ['api'] }),
  ]);
  await deploy('web', 'production', A);
  await deploy('web', 'pr-7', A);
  await deploy('web', 'staging', A, 'failure');
  await deploy('api', 'pr-7', B, 'failure');
  await deploy('api', 'staging', B);
  await eventually(async () => (all.received.length === 5 ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const seen = (r: typeof all) => r.bodies().map((body) => `${String(body.app)}/${String(body.environment)} ${String(body.event)}`);
  assert.deepEqual(seen(previews), ['web/production succeeded', 'web/pr-7 succeeded']);
  assert.deepEqual(seen(failures), ['api/pr-7 failed']);
  assert.equal(seen(all).length, 5);
});

test('the receiver URL and secret never reach the log, the store or a test answer, even when a receiver echoes them', async (t) => {
  const token = 'T0SECRET/B0SECRET/XyZzyWebhookToken42';
  const secret = 'hmac-secret-never-shown';
  const echo = await startReceiver(t, (request) => ({ status: 404, body: `no such hook ${request.path} (secret ${secret})` }), { path: `/services/${token}` });
  const gone = await startReceiver(t, () => ({}), { path: `/services/${token}` });
  await gone.close();
  const { store, notifier, deploy, logText } = await start(t, [receiver('echo', echo.url, { secret }), receiver('gone', gone.url, { secret })]);
  await deploy('web', 'production', A);
  await eventually(async () => {
    const found = await store.listNotifications({ limit: 5 });
    return found.length === 2 && found.every((n) => n.attempts >= 1) ? true : undefined;
  });
  const result = await notifier.test('echo');
  assert.equal(result?.delivered, false);
  assert.equal(result?.status, 404);
  const stored = JSON.stringify(await store.listNotifications({ limit: 5 }));
  const gotDown = (await store.listNotifications({ limit: 5, receiver: 'gone' }))[0];
  assert.equal(gotDown?.lastError, 'connection refused (ECONNREFUSED)');
  for (const [where, text] of [['log', logText()], ['store', stored], ['test answer', JSON.stringify(result)]] as const) {
    for (const part of [token, 'XyZzyWebhookToken42', secret, echo.url, gone.url]) assert.ok(!text.includes(part), `${where} holds ${part}`);
  }
  assert.match(result?.answer ?? '', /^no such hook \[redacted\] \(secret \[redacted\]\)$/);
  assert.match(logText(), /"receiver":"echo"/, 'the receiver is named instead');
});

test('a receiver removed from the config: its pending notifications fail at the next start, and are not resent to nobody', async (t) => {
  const down = await startReceiver(t, () => ({ status: 503 }));
  const dir = tempDir(t);
  const log = createLogger({ level: 'silent', pretty: false });
  const store = await SqliteStore.open(dir);
  t.after(() => store.close());
  const before = new Notifier({ store, receivers: [receiver('old', down.url)], publicUrl: null, log, timing: { ...FAST, firstDelayMs: 60_000 } });
  before.start();
  await recordDeployment(store, 'web', 'production', A, 'success');
  before.nudge();
  const [pending] = await eventually(async () => {
    const found = await store.listNotifications({ limit: 1 });
    return found[0]?.attempts === 1 ? found : undefined;
  });
  await before.stop();
  assert.equal(pending?.state, 'pending');

  const after = new Notifier({ store, receivers: [], publicUrl: null, log, timing: FAST });
  after.start();
  t.after(() => after.stop());
  const failed = await eventually(async () => {
    const found = await store.getNotification(pending?.id ?? '');
    return found?.state === 'failed' ? found : undefined;
  });
  assert.equal(failed.lastError, 'its receiver is no longer in the config; add it back and resend');
  assert.equal(await after.resend(failed.id), 'no_receiver');
  assert.equal((await store.getNotification(failed.id))?.state, 'failed');
});

test('two notifiers sharing a store (two replicas) send each notification once: one of them holds the notifications lease', async (t) => {
  const store = await SqliteStore.open(tempDir(t));
  const audit = await startReceiver(t);
  const log = createLogger({ level: 'silent', pretty: false });
  const replicas = ['A', 'B'].map(() => {
    const schedules = new ScheduleLeases(store, 5000);
    const notifier = new Notifier({ store, receivers: [receiver('audit', audit.url)], publicUrl: null, log, timing: FAST, turn: () => schedules.holds('notifications') });
    notifier.start();
    return { notifier, schedules };
  });
  t.after(async () => {
    for (const { notifier, schedules } of replicas) {
      await notifier.stop();
      await schedules.release();
    }
    await store.close();
  });
  for (let i = 0; i < 6; i += 1) {
    await recordDeployment(store, 'web', `env-${i}`, A, 'success');
    for (const { notifier } of replicas) notifier.nudge();
  }
  await eventually(async () => (audit.received.length >= 6 ? true : undefined));
  // Polls of both come and go meanwhile: a second send would show.
  await new Promise((resolve) => setTimeout(resolve, 10 * (FAST.pollMs ?? 50)));
  const ids = audit.received.map((request) => String(request.headers['x-slipway-delivery']));
  assert.equal(ids.length, 6, 'six deployments, six notifications');
  assert.equal(new Set(ids).size, 6, 'none sent twice');
});
