import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MANIFEST, request, setup, SHA2, worktree } from './helpers.js';

// A build marker says "this worktree holds the build of its sha". Worktrees are removed by
// the engine after a newer deployment, or with their environment: their markers must not
// stay behind, one per deployed sha, for ever.

test('build markers go with the worktrees they describe', async (t) => {
  const { root, stateDir, target } = setup(t);
  const markers = () => readdirSync(join(stateDir, 'builds')).filter((name) => name.endsWith('.json')).sort();
  const first = worktree(root, 'a', `build: "true"\n${MANIFEST}`);
  const second = worktree(root, 'b', `build: "true"\n${MANIFEST}`);
  await target.apply(request(first));
  await target.apply(request(second, { sha: SHA2 }));
  const [older, newer] = [request(first).sha, SHA2].map((sha) => `web.pr-7.${sha}.json`);
  assert.deepEqual(markers(), [older, newer].sort());

  // The engine removes the older worktree after the second deployment succeeded.
  rmSync(first, { recursive: true, force: true });
  // The target's periodic sweep (also run at start) removes its marker, and only that one.
  await target.recover();
  assert.deepEqual(markers(), [newer]);
});
