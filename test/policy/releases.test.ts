// release: release environments move to the tag of each published release.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicy } from '../../src/policy/policy.js';
import { config, decision, EXAMPLE, release, summary } from './helpers.js';

test('a published release moves production to its tag', () => {
  const result = applyPolicy(release('v1.2.0'), EXAMPLE);
  assert.deepEqual(result.intents, [
    { kind: 'follow', app: 'web', env: 'production', ref: 'refs/tags/v1.2.0', sha: null, pr: null, branch: null, trigger: 'release.published', ttlMs: null, rule: 'production' },
  ]);
  assert.deepEqual(decision(result, 'production'), {
    app: 'web',
    environment: 'production',
    matched: true,
    reason: 'release v1.2.0 published: production follows refs/tags/v1.2.0',
  });
  assert.equal(decision(result, 'staging').reason, 'follows branch main, not releases');
  assert.equal(decision(result, 'pr-{number}').reason, 'follows pull requests into main (drafts: no, forks: deny), not releases');
  assert.equal(decision(result, 'br-{branch}').reason, 'follows branches matching feature/*, not releases');
});

test('released and prereleased move release environments too; other actions do not', () => {
  assert.deepEqual(summary(applyPolicy(release('v1.2.0', { action: 'released' }), EXAMPLE)), ['follow web/production refs/tags/v1.2.0']);
  for (const action of ['created', 'edited', 'deleted', 'unpublished']) {
    const result = applyPolicy(release('v1.2.0', { action }), EXAMPLE);
    assert.deepEqual(result.intents, [], action);
    assert.equal(decision(result, 'production').reason, `release v1.2.0 ${action}: only published, released, prereleased move release environments`);
  }
});

test('prereleases move only environments with prerelease: true', () => {
  const cfg = config(`      - name: production
        track: { release: {} }
      - name: canary
        track: { release: { prerelease: true } }
`);
  const pre = applyPolicy(release('v2.0.0-rc.1', { action: 'prereleased', prerelease: true }), cfg);
  assert.deepEqual(summary(pre), ['follow web/canary refs/tags/v2.0.0-rc.1']);
  assert.deepEqual(decision(pre, 'production'), {
    app: 'web',
    environment: 'production',
    matched: false,
    reason: 'release v2.0.0-rc.1 is a prerelease (prerelease: false)',
  });
  // A full release moves both.
  assert.deepEqual(summary(applyPolicy(release('v2.0.0'), cfg)), ['follow web/production refs/tags/v2.0.0', 'follow web/canary refs/tags/v2.0.0']);
});

test('draft releases move nothing', () => {
  const result = applyPolicy(release('v3.0.0', { draft: true }), EXAMPLE);
  assert.deepEqual(result.intents, []);
  assert.equal(decision(result, 'production').reason, 'release v3.0.0 is a draft');
});
