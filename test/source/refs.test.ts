import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { SourceError } from '../../src/source/errors.js';
import { GitSource } from '../../src/source/git-source.js';
import { validateRef, validateRemote, validateSha } from '../../src/source/refs.js';
import { tempDir } from '../helpers/temp.js';

const VALID = [
  'refs/heads/main',
  'refs/heads/feature/x',
  'refs/tags/v1.2.3',
  'refs/pull/7/head',
  'refs/pull/123456/head',
  'refs/heads/feat$(reboot);`id`|&<>\'"!#{}',
  'refs/heads/ünïcödé',
  'refs/heads/a.b/c-d_e+f=g,h%i@j',
  `refs/heads/${'a'.repeat(300)}`,
];

const INVALID = [
  '-x',
  '--upload-pack=touch /tmp/pwned',
  'main',
  'HEAD',
  'refs/heads/',
  'refs/heads/../x',
  'refs/heads/a..b',
  'refs/heads/a b',
  'refs/heads/a\tb',
  'refs/heads/a\nb',
  'refs/heads/a\u0000b',
  'refs/heads/a\u007fb',
  'refs/heads/a*',
  'refs/heads/a?',
  'refs/heads/a[b',
  'refs/heads/a\\b',
  'refs/heads/a~1',
  'refs/heads/a^',
  'refs/heads/a:b',
  'refs/heads/a@{1}',
  'refs/heads//x',
  'refs/heads/x/',
  'refs/heads/x.',
  'refs/heads/.hidden',
  'refs/heads/x.lock',
  'refs/heads/x.lock/y',
  'refs/remotes/origin/main',
  'refs/pull/7/merge',
  'refs/pull/x/head',
  'refs/pull/07/head',
  `refs/heads/${'a'.repeat(1100)}`,
];

const isInvalid = (error: unknown) => error instanceof SourceError && error.code === 'ref_invalid' && error.status === 400;

test('refs slipway deploys pass, everything else is ref_invalid', () => {
  for (const ref of VALID) assert.equal(validateRef(ref), ref);
  for (const ref of INVALID) assert.throws(() => validateRef(ref), isInvalid, JSON.stringify(ref));
});

test("the ref check agrees with git check-ref-format on branch names", () => {
  const names = [...VALID, ...INVALID].filter((ref) => ref.startsWith('refs/heads/') && !ref.includes('\u0000') && ref.length <= 1024);
  for (const ref of names) {
    const byGit = spawnSync('git', ['check-ref-format', ref]).status === 0;
    const byUs = (() => {
      try {
        validateRef(ref);
        return true;
      } catch {
        return false;
      }
    })();
    assert.equal(byUs, byGit, `${JSON.stringify(ref)}: git says ${byGit ? 'valid' : 'invalid'}`);
  }
});

test('shas are 40 or 64 hex digits', () => {
  assert.equal(validateSha('A'.repeat(40)), 'a'.repeat(40));
  assert.equal(validateSha('b'.repeat(64)), 'b'.repeat(64));
  for (const sha of ['', 'abc', 'g'.repeat(40), `-${'a'.repeat(39)}`, 'a'.repeat(41), 'HEAD', `${'a'.repeat(40)}\n`]) {
    assert.throws(() => validateSha(sha), isInvalid, JSON.stringify(sha));
  }
});

test('remote URLs that look like options or run commands are refused', () => {
  for (const url of ['https://github.com/acme/web.git', 'git@github.com:acme/web.git', 'file:///srv/git/web.git', '/srv/git/web.git']) {
    assert.equal(validateRemote(url), url);
  }
  for (const url of ['', '--upload-pack=touch x', '-u', 'ext::sh -c touch% /tmp/x', 'fd::3', 'https://x/\ny']) {
    assert.throws(() => validateRemote(url), (e: unknown) => e instanceof SourceError && e.code === 'remote_invalid');
  }
  assert.throws(() => validateRemote('-https://user:hunter2@x/'), (e: unknown) => e instanceof Error && !e.message.includes('hunter2'));
});

test('invalid refs and shas are refused before git runs', async (t) => {
  const root = tempDir(t);
  const source = new GitSource({ cacheDir: join(root, 'cache') });
  const path = process.env.PATH;
  process.env.PATH = join(root, 'no-git-here'); // any git command would now fail with git_failed
  t.after(() => {
    process.env.PATH = path;
  });
  const sha = 'a'.repeat(40);
  for (const ref of ['-x', 'refs/heads/../x', 'refs/heads/a b', 'refs/heads/a;b c', 'refs/heads/$(id)*', 'refs/heads/`id`?']) {
    await assert.rejects(source.resolve('file:///nowhere', ref), isInvalid);
    await assert.rejects(source.checkout('file:///nowhere', ref, sha, join(root, 'wt')), isInvalid);
  }
  await assert.rejects(source.checkout('file:///nowhere', 'refs/heads/main', 'not-a-sha', join(root, 'wt')), isInvalid);
  await assert.rejects(source.resolve('--upload-pack=touch x', 'refs/heads/main'), (e: unknown) => e instanceof SourceError && e.code === 'remote_invalid');
  await assert.rejects(source.resolve('file:///nowhere', 'refs/heads/main'), (e: unknown) => e instanceof SourceError && e.code === 'git_failed', 'git really is unavailable here');
});
