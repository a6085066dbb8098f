import assert from 'node:assert/strict';
import { test } from 'node:test';
import { excerpt, retryAfter } from '../../src/notify/send.js';
import { DEFAULT_TIMING, nextTry } from '../../src/notify/timing.js';

const middle = () => 0.5;

test('backoff doubles from 2 s up to 10 min, Retry-After wins, and the last try is when the 24 hours end', () => {
  const since = 1_000_000;
  const delays = [1, 2, 3, 4, 12].map((attempts) => (nextTry(attempts, null, since, since, DEFAULT_TIMING, middle) ?? 0) - since);
  assert.deepEqual(delays, [2000, 4000, 8000, 16000, 600_000]);
  assert.equal(nextTry(1, 90_000, since, since, DEFAULT_TIMING, middle), since + 90_000);
  const nearEnd = since + DEFAULT_TIMING.windowMs - 1000;
  assert.equal(nextTry(20, null, since, nearEnd, DEFAULT_TIMING, middle), since + DEFAULT_TIMING.windowMs);
  assert.equal(nextTry(21, null, since, since + DEFAULT_TIMING.windowMs, DEFAULT_TIMING, middle), null, 'the window has closed: give up');
  const jittered = [0, 1].map((random) => (nextTry(3, null, since, since, DEFAULT_TIMING, () => random) ?? 0) - since);
  assert.deepEqual(jittered, [6400, 9600], '±20%');
});

test('Retry-After in seconds or as an HTTP date; anything else is ignored', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  assert.equal(retryAfter('120', now), 120_000);
  assert.equal(retryAfter('Wed, 01 Jan 2025 12:00:30 GMT', now), 30_000);
  assert.equal(retryAfter('Wed, 01 Jan 2025 11:00:00 GMT', now), 0, 'a date past is now');
  assert.equal(retryAfter('soon', now), null);
  assert.equal(retryAfter(null, now), null);
});

test('an answer excerpt is one short line, with secrets and terminal controls gone', () => {
  const text = `error: hook /services/T0/B0/SeCrEtToKeN123 is gone\n\u001b[2J${'x'.repeat(400)}`;
  const cut = excerpt(text, ['/services/T0/B0/SeCrEtToKeN123', 'SeCrEtToKeN123']);
  assert.ok(cut.startsWith('error: hook [redacted] is gone [2Jxxx'), cut);
  assert.ok(!cut.includes('\u001b'));
  assert.equal(cut.length, 200);
  assert.ok(cut.endsWith('…'));
});
