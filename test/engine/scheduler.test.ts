import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { ScheduleLeases } from '../../src/engine/schedule-leases.js';
import { Scheduler, type JobScope } from '../../src/engine/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LeaseStore } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// Two replicas sharing one store, in one process: each has its own scheduler and schedule
// leases, over one real SQLite store. A replica "cut off" reaches the store through a view
// whose lease calls fail while the link is down: it stands in for a network partition between
// a replica and a shared database, which one process cannot have.

interface Run {
  by: string;
  at: number;
}

/** One store, and replicas on it that run a job named `tick` every `periodMs`. */
async function setup(t: TestContext, leaseMs: number, scope: JobScope = 'store', periodMs = 40) {
  const store = await SqliteStore.open(tempDir(t));
  const runs: Run[] = [];
  const closes: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const close of closes) await close();
    await store.close();
  });
  const start = (by: string, leases: LeaseStore = store) => {
    const stop = new AbortController();
    const schedules = new ScheduleLeases(leases, leaseMs);
    const scheduler = new Scheduler({ leases: schedules, log: createLogger({ level: 'silent', pretty: false }), stop: stop.signal });
    const job = scheduler.every(periodMs, 'tick', scope, async () => {
      runs.push({ by, at: Date.now() });
    });
    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= (async () => {
        scheduler.stop();
        stop.abort();
        await scheduler.settled();
        await schedules.release();
      })());
    closes.push(close);
    return { scheduler, job, close };
  };
  const of = (by: string) => runs.filter((run) => run.by === by);
  return { store, runs, start, of };
}

test('a store-wide job runs on one replica only; when it stops renewing, another takes it over once its lease ran out', async (t) => {
  const LEASE = 1500;
  const { store, runs, start, of } = await setup(t, LEASE);
  const link = { up: true };
  const cutOff: LeaseStore = {
    acquireLease: (name, holder, ttlMs) => (link.up ? store.acquireLease(name, holder, ttlMs) : Promise.reject(new Error('the store does not answer'))),
    releaseLease: (name, holder) => store.releaseLease(name, holder),
  };
  const a = start('A', cutOff);
  a.job.run();
  await eventually(async () => (of('A').length > 0 ? true : undefined));
  start('B');
  // Past a lease's length: A renews its lease between runs too, so B never gets a turn.
  await sleep(LEASE + 500);
  assert.ok(of('A').length >= 5, `A ran every period: ${of('A').length}`);
  assert.deepEqual(of('B'), [], 'B skipped every run while A holds the job');

  link.up = false;
  const cutAt = Date.now();
  const firstOfB = await eventually(async () => of('B')[0], 15_000);
  // A renewed a third of a lease apart at most: its lease lasted two thirds of one past the cut at least.
  assert.ok(firstOfB.at - cutAt >= (2 * LEASE) / 3 - 10, `B took over ${firstOfB.at - cutAt} ms after the cut, before A's lease ran out`);
  const lastOfA = of('A').at(-1);
  assert.ok(lastOfA !== undefined && lastOfA.at < firstOfB.at, 'never both: A ran last before B first');
  const failed = a.scheduler.jobRuns().find((run) => run.name === 'tick');
  assert.equal(failed?.outcome, 'failed', 'A records the runs it could not decide on');
  assert.equal(failed?.error, 'the store does not answer');

  // A is back, but B holds the job now.
  link.up = true;
  const backAt = Date.now();
  await sleep(LEASE);
  assert.deepEqual(of('A').filter((run) => run.at >= backAt), [], 'A does not take the job back while B renews it');
  assert.ok(of('B').length >= 5);
  assert.equal(runs.length, of('A').length + of('B').length);
});

test('a job run less often than its lease is still run by one replica: the lease is renewed between runs', async (t) => {
  const LEASE = 1500;
  const PERIOD = 3000;
  const { start, of } = await setup(t, LEASE, 'store', PERIOD);
  start('A').job.run();
  await eventually(async () => (of('A').length > 0 ? true : undefined));
  // B's runs come a lease and more after A's: a lease taken at A's runs only would have run out by then.
  await sleep(LEASE + 300);
  start('B');
  await sleep(2 * PERIOD + 200);
  assert.ok(of('A').length >= 2, `A ran on its schedule: ${of('A').length}`);
  assert.deepEqual(of('B'), [], 'B came twice and found the job held');
});

test('a replica that stops releases its jobs: another takes them over at once, not a lease later', async (t) => {
  const LEASE = 6000;
  const { start, of } = await setup(t, LEASE);
  const a = start('A');
  a.job.run();
  await eventually(async () => (of('A').length > 0 ? true : undefined));
  start('B');
  await sleep(200);
  assert.deepEqual(of('B'), []);
  await a.close();
  const stoppedAt = Date.now();
  const ranBefore = of('A').length;
  const firstOfB = await eventually(async () => of('B')[0], 15_000);
  assert.ok(firstOfB.at - stoppedAt < LEASE, `B took over ${firstOfB.at - stoppedAt} ms after A stopped`);
  assert.equal(of('A').length, ranBefore, 'a stopped replica runs nothing more');
});

test('a replica\'s own job runs on every replica', async (t) => {
  const { start, of } = await setup(t, 5000, 'replica');
  start('A');
  start('B');
  await eventually(async () => (of('A').length >= 3 && of('B').length >= 3 ? true : undefined));
});
