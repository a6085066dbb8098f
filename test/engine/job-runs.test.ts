import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobRuns } from '../../src/engine/job-runs.js';

/** A clock the test moves by hand. */
function clock(start = 1000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('a run is recorded while it runs, then with its duration and its count', () => {
  const time = clock();
  const jobs = new JobRuns(time.now);
  const run = jobs.start('ttl');
  assert.deepEqual(jobs.list(), [{ name: 'ttl', startedAt: 1000, finishedAt: null, durationMs: null, outcome: 'running', count: null, error: null }]);
  time.advance(25);
  run.ok(3);
  assert.deepEqual(jobs.list(), [{ name: 'ttl', startedAt: 1000, finishedAt: 1025, durationMs: 25, outcome: 'ok', count: 3, error: null }]);
});

test('a list counts its items; any other value is no count', () => {
  const jobs = new JobRuns();
  jobs.start('orphans').ok(['webapp/pr-1', 'webapp/pr-2']);
  jobs.start('commands').ok(undefined);
  jobs.start('resync').ok(Number.NaN);
  assert.deepEqual(
    jobs.list().map((run) => [run.name, run.count]),
    [['commands', null], ['orphans', 2], ['resync', null]],
  );
});

test('a failed run keeps one line of its error, without credentials, cut short', () => {
  const jobs = new JobRuns();
  jobs.start('recovery').failed(new Error('git fetch https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com/o/r failed\nfatal: the rest'));
  jobs.start('gates').failed(new Error(`token ghp_${'a'.repeat(36)} refused`));
  jobs.start('signals').failed(new Error('x'.repeat(1000)));
  const [gates, recovery, signals] = jobs.list();
  assert.equal(recovery?.outcome, 'failed');
  assert.equal(recovery?.error, 'git fetch https://***@github.com/o/r failed');
  assert.equal(gates?.error, 'token *** refused');
  assert.equal(signals?.error?.length, 300);
});

test('an earlier run ending late does not hide the newer run', () => {
  const time = clock();
  const jobs = new JobRuns(time.now);
  const first = jobs.start('sleep');
  time.advance(10);
  const second = jobs.start('sleep');
  first.failed(new Error('slow and stale'));
  assert.equal(jobs.list()[0]?.outcome, 'running');
  time.advance(5);
  second.ok(0);
  assert.deepEqual(jobs.list(), [{ name: 'sleep', startedAt: 1010, finishedAt: 1015, durationMs: 5, outcome: 'ok', count: 0, error: null }]);
});
