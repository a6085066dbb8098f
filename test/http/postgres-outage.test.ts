import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/logger.js';
import { push } from '../helpers/ci.js';
import { clusterUnavailable, startCluster } from '../helpers/pg-cluster.js';
import { startPgTestService } from '../helpers/service.js';
import { deliver, eventually, send } from '../helpers/webhook.js';

interface Sent {
  id: string;
  status: number;
  /** When it was sent, and how long its answer took (ms). */
  at: number;
  took: number;
}

const OUTAGE_MS = 10_000;

interface Readiness {
  ready: boolean;
  store: boolean;
  dispatcher: boolean;
}

async function readiness(url: string): Promise<{ status: number; body: Readiness }> {
  const answer = await send(`${url}/readyz`, { method: 'GET' });
  return { status: answer.status, body: answer.json() as Readiness };
}

/**
 * The promise: PostgreSQL stopped for 10 s under load, webhooks get 503 (GitHub records
 * a failure, recovery redelivers), /readyz says not ready, everything resumes when it is back,
 * and nothing acknowledged is lost. The server is the test's own (the shared one must not stop).
 */
test('PostgreSQL stopped for 10 s under load: webhooks get 503 at once, /readyz is not ready, and all resumes with nothing acknowledged lost', {
  skip: clusterUnavailable() ?? false,
  timeout: 120_000,
}, async (t) => {
  const cluster = await startCluster(t);
  const service = await startPgTestService(t, cluster.url, { pg: { connectTimeoutMs: 2_000, answerTimeoutMs: 3_000 } });
  const ready = () => readiness(service.url);
  await eventually(async () => ((await ready()).status === 200 ? true : undefined));

  // Two senders, each a delivery every 20 ms at most: bounded in count and in time.
  const sent: Sent[] = [];
  let sending = true;
  const sender = async () => {
    for (let n = 0; sending && n < 3_000; n += 1) {
      const at = Date.now();
      const answer = await deliver(service.url, { event: 'push', payload: push('main', randomBytes(20).toString('hex')) });
      sent.push({ id: answer.id, status: answer.status, at, took: Date.now() - at });
      await sleep(20);
    }
  };
  const senders = Promise.all([sender(), sender()]);
  const answeredSince = (since: number, status: number) => sent.filter((entry) => entry.at >= since && entry.status === status).length;

  await eventually(async () => (answeredSince(0, 202) >= 20 ? true : undefined), 20_000);
  await cluster.stop();
  const stopped = Date.now();
  const whileDown = await eventually(async () => {
    const answer = await ready();
    return answer.status === 503 ? answer.body : undefined;
  }, 8_000);
  assert.deepEqual(whileDown, { ready: false, store: false, dispatcher: whileDown.dispatcher }, 'readiness says the store is what fails');
  await eventually(async () => (answeredSince(stopped, 503) >= 5 ? true : undefined), 8_000);
  await sleep(Math.max(0, stopped + OUTAGE_MS - Date.now()));
  assert.equal((await ready()).status, 503, 'still not ready at the end of the outage');
  const down = sent.filter((entry) => entry.at > stopped);

  await cluster.start();
  const restarted = Date.now();
  await eventually(async () => (answeredSince(restarted, 202) >= 10 ? true : undefined), 30_000);
  await eventually(async () => ((await ready()).status === 200 ? true : undefined), 30_000);
  sending = false;
  await senders;

  assert.deepEqual([...new Set(sent.map((entry) => entry.status))].sort(), [202, 503], 'every answer was 202 or 503, never a 500');
  const duringOutage = down.filter((entry) => entry.at + entry.took < restarted);
  assert.ok(duringOutage.length >= 10, `webhooks kept coming during the outage (${duringOutage.length})`);
  assert.ok(duringOutage.every((entry) => entry.status === 503), 'with the database down every webhook got 503');
  const slowest = Math.max(...duringOutage.map((entry) => entry.took));
  assert.ok(slowest < 8_000, `each 503 came within a bound, not after a hang (slowest ${slowest} ms)`);

  // Every delivery answered 202, before the outage or after, is stored and applied.
  const accepted = sent.filter((entry) => entry.status === 202).map((entry) => entry.id);
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined), 30_000);
  for (const id of accepted) {
    const delivery = await service.store.getDelivery(id);
    assert.ok(delivery !== null, `delivery ${id} answered 202 is stored`);
    assert.ok(delivery.status === 'processed' || delivery.status === 'ignored', `delivery ${id} is applied (${delivery.status})`);
  }
});

/**
 * With no webhook coming to wake it, the dispatcher fails its claims through the outage and
 * waits longer each time (up to 30 s). Readiness must not wait with it: the first /readyz that
 * finds the store answering again finds the dispatcher reaching it too.
 */
test('PostgreSQL back after an outage with no webhooks coming: /readyz is ready as soon as the store answers, not at the end of the dispatcher\'s backoff', {
  skip: clusterUnavailable() ?? false,
  timeout: 120_000,
}, async (t) => {
  const cluster = await startCluster(t);
  const backoffs: number[] = [];
  const destination = {
    write(line: string) {
      const entry = JSON.parse(line) as { component?: string; retryInMs?: number };
      if (entry.component === 'dispatcher' && entry.retryInMs !== undefined) backoffs.push(entry.retryInMs);
    },
  };
  const log = createLogger({ level: 'error', pretty: false, destination });
  const service = await startPgTestService(t, cluster.url, { pg: { connectTimeoutMs: 2_000, answerTimeoutMs: 3_000 }, log });
  await eventually(async () => ((await readiness(service.url)).status === 200 ? true : undefined));

  await cluster.stop();
  // By then the dispatcher's next claim is seconds past the restart below.
  await eventually(async () => (backoffs.some((ms) => ms >= 6_400) ? true : undefined), 30_000);
  const whileDown = await readiness(service.url);
  assert.deepEqual(whileDown, { status: 503, body: { ready: false, store: false, dispatcher: false } });

  await cluster.start();
  const back = await eventually(async () => {
    const answer = await readiness(service.url);
    return answer.body.store ? answer : undefined;
  }, 20_000);
  assert.deepEqual(back, { status: 200, body: { ready: true, store: true, dispatcher: true } }, 'ready with the store, the dispatcher did not wait out its backoff');
});
