// push, create and delete: fixed branch environments and one environment per matching branch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugName } from '../../src/names.js';
import { applyPolicy } from '../../src/policy/policy.js';
import { config, decision, DNS_LABEL, EXAMPLE, load, push, pushTag, summary } from './helpers.js';

/** feature/login's environment: slugging changed the name, so it ends in a hash of it. */
const LOGIN = slugName('br-{branch}', { branch: 'feature/login' });

test('a push to main moves staging to refs/heads/main, with the pushed sha as a hint', () => {
  const result = applyPolicy(load('push', 'push-main'), EXAMPLE);
  assert.deepEqual(result.intents, [
    {
      kind: 'follow',
      app: 'web',
      env: 'staging',
      ref: 'refs/heads/main',
      sha: 'f30f332fb1420050585e45649714f3b79e100a4a',
      pr: null,
      branch: 'main',
      trigger: 'push',
      ttlMs: null,
      rule: 'staging',
    },
  ]);
  assert.deepEqual(result.decisions, [
    { app: 'web', environment: 'staging', matched: true, reason: 'push to branch main: staging follows refs/heads/main' },
    { app: 'web', environment: 'production', matched: false, reason: 'follows releases, not branches' },
    {
      app: 'web',
      environment: 'pr-{number}',
      matched: false,
      reason: 'follows pull requests into main (drafts: no, forks: deny), not branches',
    },
    { app: 'web', environment: 'br-{branch}', matched: false, reason: 'branch main does not match [feature/*]' },
  ]);
});

test('apps match on the repository case-insensitively; other repositories get no decisions', () => {
  const result = applyPolicy(load('push', 'push-main'), EXAMPLE);
  assert.ok(result.decisions.every((d) => d.app === 'web'), 'acme/other is not acme/webapp');
  const elsewhere = push('main');
  elsewhere.repository = { ...elsewhere.repository, fullName: 'ACME/OTHER' };
  assert.deepEqual(summary(applyPolicy(elsewhere, EXAMPLE)), ['follow other/staging refs/heads/main']);
  const unknown = push('main');
  unknown.repository = { ...unknown.repository, fullName: 'someone/else' };
  assert.deepEqual(applyPolicy(unknown, EXAMPLE), { intents: [], decisions: [], signal: null, approval: null, command: null });
});

test('a push to a branch matching a pattern follows it under the slugged {branch} name', () => {
  const result = applyPolicy(load('push', 'push-forced'), EXAMPLE);
  assert.deepEqual(result.intents, [
    {
      kind: 'follow',
      app: 'web',
      env: LOGIN,
      ref: 'refs/heads/feature/login',
      sha: 'a03afd9b9d1301abcd6c8d455eb4646253e3893b',
      pr: null,
      branch: 'feature/login',
      trigger: 'push',
      ttlMs: null,
      rule: 'br-{branch}',
    },
  ]);
  assert.equal(
    decision(result, 'br-{branch}').reason,
    `push to branch feature/login (matches feature/*): ${LOGIN} follows refs/heads/feature/login`,
  );
  assert.deepEqual(decision(result, 'staging'), {
    app: 'web',
    environment: 'staging',
    matched: false,
    reason: 'follows branch main, not feature/login',
  });
});

test('a push that deletes a matching branch destroys its environment', () => {
  const result = applyPolicy(load('push', 'push-branch-deleted'), EXAMPLE);
  assert.deepEqual(result.intents, [
    { kind: 'destroy', app: 'web', env: LOGIN, ref: 'refs/heads/feature/login', rule: 'br-{branch}', reason: 'branch feature/login was deleted', trigger: 'push' },
  ]);
  assert.deepEqual(decision(result, 'br-{branch}'), {
    app: 'web',
    environment: 'br-{branch}',
    matched: true,
    reason: `branch feature/login was deleted (matches feature/*); destroy ${LOGIN}`,
  });
});

test('deleting the branch a fixed environment follows keeps the environment, and says so', () => {
  for (const event of [push('main', { deleted: true, after: '0'.repeat(40) }), { ...load('delete', 'delete-branch'), ref: 'refs/heads/main', refName: 'main' }]) {
    const result = applyPolicy(event, EXAMPLE);
    assert.deepEqual(result.intents, []);
    const staging = decision(result, 'staging');
    assert.equal(staging.matched, false);
    assert.equal(
      staging.reason,
      'branch main was deleted; staging follows it but is kept: an environment with a fixed name is only destroyed by hand (slipway destroy web staging)',
    );
  }
});

test('tag pushes move nothing', () => {
  const result = applyPolicy(pushTag('v1.2.0'), EXAMPLE);
  assert.deepEqual(result.intents, []);
  assert.equal(result.decisions.length, 4);
  for (const d of result.decisions) {
    assert.equal(d.matched, false);
    assert.equal(d.reason, 'push to tag v1.2.0: only branches move environments here (releases move release environments)');
  }
});

test('create of a matching branch follows it (no sha: create carries none); others and tags do nothing', () => {
  const created = applyPolicy(load('create', 'create-branch'), EXAMPLE);
  assert.deepEqual(created.intents, [
    { kind: 'follow', app: 'web', env: LOGIN, ref: 'refs/heads/feature/login', sha: null, pr: null, branch: 'feature/login', trigger: 'create', ttlMs: null, rule: 'br-{branch}' },
  ]);
  assert.equal(decision(created, 'br-{branch}').reason, `branch feature/login was created (matches feature/*): ${LOGIN} follows refs/heads/feature/login`);

  const other = { ...load('create', 'create-branch'), ref: 'refs/heads/hotfix/x', refName: 'hotfix/x' };
  assert.deepEqual(summary(applyPolicy(other, EXAMPLE)), []);
  assert.equal(decision(applyPolicy(other, EXAMPLE), 'br-{branch}').reason, 'branch hotfix/x does not match [feature/*]');

  const tag = { ...load('create', 'create-branch'), ref: 'refs/tags/v1', refType: 'tag' as const, refName: 'v1' };
  const tagResult = applyPolicy(tag, EXAMPLE);
  assert.deepEqual(tagResult.intents, []);
  assert.equal(decision(tagResult, 'production').reason, 'tag v1 was created: only branches move environments here (releases move release environments)');
});

test('create of the branch a fixed environment follows nudges it too', () => {
  const event = { ...load('create', 'create-branch'), ref: 'refs/heads/main', refName: 'main' };
  assert.deepEqual(summary(applyPolicy(event, EXAMPLE)), ['follow web/staging refs/heads/main']);
});

test('delete of a matching branch destroys its environment; a deleted tag does nothing', () => {
  const result = applyPolicy(load('delete', 'delete-branch'), EXAMPLE);
  assert.deepEqual(result.intents, [
    { kind: 'destroy', app: 'web', env: LOGIN, ref: 'refs/heads/feature/login', rule: 'br-{branch}', reason: 'branch feature/login was deleted', trigger: 'delete' },
  ]);
  const tag = { ...load('delete', 'delete-branch'), ref: 'refs/tags/feature/login', refType: 'tag' as const };
  assert.deepEqual(applyPolicy(tag, EXAMPLE).intents, []);
});

test('branch globs: * stays within a segment, ** crosses segments, several patterns', () => {
  const cfg = config(`      - name: f-{branch}
        track: { branches: ["feature/*"] }
      - name: r-{branch}
        track: { branches: ["release/**", "hotfix-*"] }
`);
  const named = (template: string, branch: string) => `follow web/${slugName(template, { branch })} refs/heads/${branch}`;
  assert.deepEqual(summary(applyPolicy(push('feature/a'), cfg)), [named('f-{branch}', 'feature/a')]);
  assert.deepEqual(summary(applyPolicy(push('feature/a/b'), cfg)), []);
  assert.equal(decision(applyPolicy(push('feature/a/b'), cfg), 'f-{branch}').reason, 'branch feature/a/b does not match [feature/*]');
  assert.deepEqual(summary(applyPolicy(push('release/1.x/rc'), cfg)), [named('r-{branch}', 'release/1.x/rc')]);
  assert.deepEqual(summary(applyPolicy(push('hotfix-9'), cfg)), ['follow web/r-hotfix-9 refs/heads/hotfix-9']);
  assert.deepEqual(summary(applyPolicy(push('Feature/a'), cfg)), [], 'matching is case-sensitive, like git');
});

test('hostile branch names yield safe environment names, while the ref keeps the real name', () => {
  const cfg = config('      - name: br-{branch}\n        track: { branches: ["**"] }\n');
  const names = [
    'feature/$(rm -rf ~);echo `id`|cat&>x',
    'a/../../etc/passwd',
    'with spaces and\ttabs',
    'ünïcödé/日本語',
    '日本語',
    '-',
    'x'.repeat(300),
    `${'y'.repeat(299)}z`,
  ];
  const seen = new Set<string>();
  for (const branch of names) {
    const [intent] = applyPolicy(push(branch), cfg).intents;
    assert.ok(intent?.kind === 'follow', branch);
    assert.match(intent.env, DNS_LABEL, branch);
    assert.equal(intent.ref, `refs/heads/${branch}`);
    assert.equal(intent.branch, branch);
    assert.ok(!seen.has(intent.env), `${branch} collides with another name`);
    seen.add(intent.env);
  }
});

test('a branch environment never takes the name of a fixed environment', () => {
  const cfg = config(`      - name: production
        track: { release: {} }
      - name: staging
        track: { branch: main }
      - name: "{branch}"
        track: { branches: ["*"] }
`);
  const pushed = applyPolicy(push('production'), cfg);
  assert.deepEqual(pushed.intents, []);
  assert.equal(
    decision(pushed, '{branch}').reason,
    'push to branch production (matches *): production follows refs/heads/production; but production is the name of a fixed environment of this app, so nothing is done',
  );
  const deleted = applyPolicy({ ...load('delete', 'delete-branch'), ref: 'refs/heads/staging', refName: 'staging' }, cfg);
  assert.deepEqual(deleted.intents, [], 'deleting a branch named staging must not destroy staging');
  assert.equal(decision(deleted, '{branch}').matched, false);
  // main itself: staging follows it, and the {branch} rule would name it "main": no clash.
  assert.deepEqual(summary(applyPolicy(push('main'), cfg)), ['follow web/staging refs/heads/main', 'follow web/main refs/heads/main']);
});

test('two templates that slug alike get distinct names: each name is unique to what it was made from', () => {
  const cfg = config(`      - name: "{branch}"
        track: { branches: ["**"] }
      - name: "{branch}-"
        track: { branches: ["**"] }
`);
  const result = applyPolicy(push('feature/x'), cfg);
  const names = result.intents.map((intent) => intent.env);
  assert.deepEqual(names, [slugName('{branch}', { branch: 'feature/x' }), slugName('{branch}-', { branch: 'feature/x' })]);
  assert.notEqual(names[0], names[1]);
});

test('an app without environments yields no decisions', () => {
  const cfg = config('');
  assert.deepEqual(cfg.apps[0]?.environments, []);
  assert.deepEqual(applyPolicy(push('main'), cfg), { intents: [], decisions: [], signal: null, approval: null, command: null });
});
