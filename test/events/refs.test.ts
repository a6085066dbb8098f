import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromFullRef, fromShortRef } from '../../src/events/common.js';

test('full refs split into type and short name', () => {
  assert.deepEqual(fromFullRef('refs/heads/main'), { ref: 'refs/heads/main', refType: 'branch', refName: 'main' });
  assert.deepEqual(fromFullRef('refs/heads/feature/x'), { ref: 'refs/heads/feature/x', refType: 'branch', refName: 'feature/x' });
  assert.deepEqual(fromFullRef('refs/tags/v1.2.0'), { ref: 'refs/tags/v1.2.0', refType: 'tag', refName: 'v1.2.0' });
});

test('refs outside heads and tags keep their full name and no type', () => {
  for (const ref of ['refs/notes/commits', 'refs/heads/', 'main', 'refs/pull/1/head']) {
    assert.deepEqual(fromFullRef(ref), { ref, refType: null, refName: ref });
  }
});

test('short names from create and delete become full refs', () => {
  assert.deepEqual(fromShortRef('branch', 'feature/x'), { ref: 'refs/heads/feature/x', refType: 'branch', refName: 'feature/x' });
  assert.deepEqual(fromShortRef('tag', 'v2'), { ref: 'refs/tags/v2', refType: 'tag', refName: 'v2' });
});
