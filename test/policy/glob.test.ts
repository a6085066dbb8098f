import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstMatch, matchesGlob } from '../../src/policy/glob.js';

test('* matches within a segment, ** across segments', () => {
  assert.ok(matchesGlob('feature/*', 'feature/login'));
  assert.ok(!matchesGlob('feature/*', 'feature/a/b'));
  assert.ok(!matchesGlob('feature/*', 'feature'));
  assert.ok(matchesGlob('feature/**', 'feature/a/b'));
  assert.ok(matchesGlob('**', 'any/thing/at/all'));
  assert.ok(matchesGlob('*', 'main'));
  assert.ok(!matchesGlob('*', 'a/b'));
  assert.ok(matchesGlob('**/fix', 'fix'));
  assert.ok(matchesGlob('**/fix', 'a/b/fix'));
  assert.ok(matchesGlob('release-*-rc', 'release-1.2-rc'));
});

test('everything else matches itself, case-sensitively', () => {
  assert.ok(matchesGlob('main', 'main'));
  assert.ok(!matchesGlob('main', 'Main'));
  assert.ok(!matchesGlob('main', 'mainline'));
  assert.ok(matchesGlob('v1.2', 'v1.2'));
  assert.ok(!matchesGlob('v1.2', 'v1x2'), '"." is literal');
  assert.ok(matchesGlob('a+b(c)', 'a+b(c)'));
  assert.ok(!matchesGlob('a+b', 'aab'));
});

test('firstMatch names the pattern that matched', () => {
  assert.equal(firstMatch(['main', 'release/*'], 'release/2'), 'release/*');
  assert.equal(firstMatch(['main'], 'develop'), null);
});
