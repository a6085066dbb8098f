import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalRepo } from '../../src/source/local-repo.js';
import { tempDir } from '../helpers/temp.js';
import { git } from './origin.js';

/** Runs `work` with a HOME that has no git config: no user.name, no user.email. */
async function withoutGitIdentity<T>(t: Parameters<typeof tempDir>[0], work: () => Promise<T>): Promise<T> {
  const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
  const home = tempDir(t, 'slipway-home-');
  process.env.HOME = home;
  process.env.XDG_CONFIG_HOME = join(home, '.config');
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** `ref sha` lines as `git ls-remote` of the repository's URL sees them. */
function remoteRefs(url: string, cwd: string): Map<string, string> {
  const lines = git(cwd, 'ls-remote', url).split('\n');
  return new Map(lines.map((line) => line.split('\t')).map(([sha = '', ref = '']) => [ref, sha]));
}

test('commits on main and on new branches made from main, with no git identity configured', async (t) => {
  const root = tempDir(t);
  const { repo, main1, main2, feature } = await withoutGitIdentity(t, async () => {
    const repo = await LocalRepo.init(join(root, 'repo'));
    const main1 = await repo.commit('main', { 'README.md': 'hello\n', 'app/VERSION': '1\n' }, 'first');
    const feature = await repo.commit('feature/x', { 'app/VERSION': '2\n' }, 'on a branch');
    const main2 = await repo.commit('main', { 'README.md': 'hello again\n' }, 'second');
    return { repo, main1, main2, feature };
  });
  assert.match(main1, /^[0-9a-f]{40}$/);
  const clone = join(root, 'clone');
  git(root, 'clone', '--quiet', repo.url, clone);
  assert.equal(git(clone, 'rev-parse', 'origin/main'), main2);
  assert.equal(git(clone, 'rev-parse', 'origin/feature/x'), feature);
  assert.equal(git(clone, 'rev-parse', `${feature}^`), main1, 'the branch starts from main');
  assert.equal(git(clone, 'show', `${feature}:app/VERSION`), '2');
  assert.equal(git(clone, 'show', `${feature}:README.md`), 'hello', 'files not given stay as they are');
  assert.equal(git(clone, 'show', `${main2}:app/VERSION`), '1', "the branch's change stays on the branch");
  assert.equal(git(clone, 'log', '-1', '--format=%an <%ae>|%s', main2), 'slipway demo <demo@slipway.invalid>|second');
});

test('pull request refs and tags point where they are set, as a clone of the URL sees them', async (t) => {
  const root = tempDir(t);
  const repo = await LocalRepo.init(join(root, 'repo'));
  const base = await repo.commit('main', { 'a.txt': 'a' }, 'base');
  const head1 = await repo.commit('feature/y', { 'a.txt': 'b' }, 'pr head 1');
  await repo.setRef('refs/pull/1/head', head1);
  await repo.tag('v1.0.0', base);
  const head2 = await repo.commit('feature/y', { 'a.txt': 'c' }, 'pr head 2');
  await repo.setRef('refs/pull/1/head', head2);
  const refs = remoteRefs(repo.url, root);
  assert.equal(refs.get('refs/pull/1/head'), head2);
  assert.equal(refs.get('refs/tags/v1.0.0'), base);
  assert.equal(refs.get('refs/heads/main'), base);
  assert.equal(refs.get('refs/heads/feature/y'), head2);
});

test('names git could misread and paths outside the repository are refused before git runs', async (t) => {
  const root = tempDir(t);
  const repo = await LocalRepo.init(join(root, 'repo'));
  const sha = await repo.commit('main', { 'a.txt': 'a' }, 'base');
  assert.throws(() => repo.commit('-b', { 'a.txt': 'x' }, 'm'), { code: 'ref_invalid' });
  assert.throws(() => repo.commit('a..b', { 'a.txt': 'x' }, 'm'), { code: 'ref_invalid' });
  for (const path of ['../outside', '/etc/passwd', '.git/config', 'a/../../b', '']) {
    assert.throws(() => repo.commit('main', { [path]: 'x' }, 'm'), { code: 'path_invalid' }, path);
  }
  assert.throws(() => repo.setRef('HEAD', sha), { code: 'ref_invalid' });
  assert.throws(() => repo.setRef('refs/pull/1/head', 'main'), { code: 'ref_invalid' });
  assert.throws(() => repo.tag('v1 beta', sha), { code: 'ref_invalid' });
  assert.equal(remoteRefs(repo.url, root).size, 2, 'only HEAD and main exist');
});

test('a branch cannot start before main has a commit', async (t) => {
  const repo = await LocalRepo.init(join(tempDir(t), 'repo'));
  await assert.rejects(repo.commit('feature/z', { 'a.txt': 'a' }, 'm'), { code: 'ref_not_found', message: /commit to main first/ });
  assert.match(await repo.commit('main', { 'a.txt': 'a' }, 'first'), /^[0-9a-f]{40}$/, 'a failed call does not block the next');
});

test('a folder with spaces in its name gives a URL git can fetch from', async (t) => {
  const root = tempDir(t);
  const repo = await LocalRepo.init(join(root, 'my repo'));
  const sha = await repo.commit('main', { 'a.txt': 'a' }, 'first');
  assert.match(repo.url, /^file:\/\/\/.*my%20repo$/);
  assert.equal(remoteRefs(repo.url, root).get('refs/heads/main'), sha);
});
