import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test, type TestContext } from 'node:test';
import { GitSource, type GitSourceOptions } from '../../src/source/git-source.js';
import { SourceError } from '../../src/source/errors.js';
import { tempDir } from '../helpers/temp.js';
import { git, makeOrigin } from './origin.js';

function setup(t: TestContext, options: Partial<GitSourceOptions> = {}) {
  const root = tempDir(t, 'slipway-source-');
  const logs: { msg: string; fields: Record<string, unknown> }[] = [];
  const source = new GitSource({ cacheDir: join(root, 'cache'), log: (msg, fields) => logs.push({ msg, fields }), ...options });
  const fetches = () => logs.filter((line) => line.msg === 'fetch').length;
  return { source, root, logs, fetches, work: join(root, 'work') };
}

const code = (expected: string) => (error: unknown) => {
  assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
  assert.equal(error.code, expected, error.message);
  return true;
};

test('resolves branches, tags (annotated ones to their commit) and pull request heads', async (t) => {
  const origin = makeOrigin(t);
  const { source } = setup(t);
  assert.equal(await source.resolve(origin.url, 'refs/heads/main'), origin.sha('main'));
  assert.equal(await source.resolve(origin.url, 'refs/heads/feature/x'), origin.sha('feature/x'));
  assert.equal(await source.resolve(origin.url, 'refs/tags/v1'), origin.sha('v1'));
  assert.equal(await source.resolve(origin.url, 'refs/tags/v2'), origin.sha('v2'));
  assert.equal(await source.resolve(origin.url, 'refs/pull/7/head'), origin.sha('feature/x'));
  assert.equal(await source.resolve(origin.dir, 'refs/heads/main'), origin.sha('main'), 'a plain path works too');
});

test('a ref the remote does not have is ref_not_found; a missing remote is remote_unreachable', async (t) => {
  const origin = makeOrigin(t);
  const { source, root } = setup(t);
  await assert.rejects(source.resolve(origin.url, 'refs/heads/nope'), code('ref_not_found'));
  await assert.rejects(source.resolve(origin.url, 'refs/pull/8/head'), code('ref_not_found'));
  await assert.rejects(source.resolve(origin.url, 'refs/heads/main/deeper'), code('ref_not_found'));
  const gone = pathToFileURL(join(root, 'no-such-repo.git')).href;
  const error = await source.resolve(gone, 'refs/heads/main').catch((e: unknown) => e);
  assert.ok(error instanceof SourceError && error.code === 'remote_unreachable');
  assert.match(error.message, /^git ls-remote of "refs\/heads\/main" at file:\/\/.*no-such-repo\.git failed: git said "fatal: .*does not appear to be a git repository"\. Check the app's url/);
  assert.equal(error.status, 502);
});

test('a branch name full of shell metacharacters is just data', async (t) => {
  const origin = makeOrigin(t);
  const branch = 'feat/$(touch${IFS}pwned);`id`|&<>\'"!#{}';
  git(origin.dir, 'branch', branch, 'feature/x');
  const { source, work } = setup(t);
  const sha = await source.resolve(origin.url, `refs/heads/${branch}`);
  assert.equal(sha, origin.sha('feature/x'));
  await source.checkout(origin.url, `refs/heads/${branch}`, sha, join(work, 'meta'));
  assert.equal(readFileSync(join(work, 'meta', 'feature.txt'), 'utf8'), 'feature\n');
  assert.equal(existsSync(join(origin.dir, 'pwned')) || existsSync('pwned'), false);
});

test('checkout into two worktrees from one mirror fetches once', async (t) => {
  const origin = makeOrigin(t);
  const { source, work, fetches, root } = setup(t);
  const main = origin.sha('main');
  await Promise.all([
    source.checkout(origin.url, 'refs/heads/main', main, join(work, 'staging', main)),
    source.checkout(origin.url, 'refs/heads/main', main, join(work, 'other', main)),
  ]);
  await source.checkout(origin.url, 'refs/tags/v1', origin.sha('v1'), join(work, 'prod'));
  assert.equal(fetches(), 1, 'the tag commit is an ancestor of main: already in the mirror');
  assert.equal(readFileSync(join(work, 'staging', main, 'app.txt'), 'utf8'), 'second\n');
  assert.equal(readFileSync(join(work, 'prod', 'app.txt'), 'utf8'), 'first\n');
  assert.equal(readdirSync(join(root, 'cache', 'mirrors')).filter((name) => name.endsWith('.git')).length, 1);
  assert.equal(git(join(work, 'prod'), 'rev-parse', 'HEAD'), origin.sha('v1'));
  assert.equal(git(join(work, 'prod'), 'status', '--porcelain'), '');
});

test('a commit pushed after the mirror exists is fetched on demand, pull request heads included', async (t) => {
  const origin = makeOrigin(t);
  const { source, work, fetches } = setup(t);
  await source.checkout(origin.url, 'refs/heads/main', origin.sha('main'), join(work, 'a'));
  const newer = origin.commit('third');
  assert.equal(await source.resolve(origin.url, 'refs/heads/main'), newer);
  await source.checkout(origin.url, 'refs/heads/main', newer, join(work, 'b'));
  assert.equal(readFileSync(join(work, 'b', 'app.txt'), 'utf8'), 'third\n');
  git(origin.dir, 'checkout', '--quiet', 'feature/x');
  const head = origin.commit('pr update');
  git(origin.dir, 'update-ref', 'refs/pull/7/head', head);
  await source.checkout(origin.url, 'refs/pull/7/head', head, join(work, 'pr-7'));
  assert.equal(fetches(), 3);
});

test('what a fetch brings lands in the mirror as whole packs, never as loose objects a killed fetch would leave half-written', async (t) => {
  // An interrupted unpack leaves a commit without its tree: the mirror then "has" the commit,
  // so nothing fetches it again, and every checkout of it fails. A pack appears only once whole.
  const origin = makeOrigin(t);
  const { source, work, root } = setup(t);
  await source.checkout(origin.url, 'refs/heads/main', origin.sha('main'), join(work, 'a'));
  const newer = origin.commit('third');
  await source.checkout(origin.url, 'refs/heads/main', newer, join(work, 'b'));
  const [mirror] = readdirSync(join(root, 'cache', 'mirrors')).filter((name) => name.endsWith('.git'));
  const counts = git(join(root, 'cache', 'mirrors', mirror ?? ''), 'count-objects', '-v');
  assert.match(counts, /^count: 0$/m, 'no loose objects');
  assert.match(counts, /^packs: 2$/m, 'one pack per fetch');
});

test('a pinned commit (the sha as its own ref) and a force-pushed one are fetched by id', async (t) => {
  const origin = makeOrigin(t);
  const { source, work } = setup(t);
  const first = origin.sha('v1');
  await source.checkout(origin.url, first, first, join(work, 'pinned'));
  assert.equal(git(join(work, 'pinned'), 'rev-parse', 'HEAD'), first);
  const old = origin.commit('soon gone');
  git(origin.dir, 'tag', 'keep', old);
  git(origin.dir, 'reset', '--quiet', '--hard', 'HEAD~1');
  origin.commit('rewritten');
  // `old` is no longer on main, but the remote still has it (here: under a tag).
  await source.checkout(origin.url, 'refs/heads/main', old, join(work, 'old'));
  assert.equal(readFileSync(join(work, 'old', 'app.txt'), 'utf8'), 'soon gone\n');
  await assert.rejects(source.checkout(origin.url, 'refs/heads/main', 'f'.repeat(40), join(work, 'never')), code('sha_not_found'));
  await assert.rejects(source.checkout(origin.url, 'refs/heads/deleted', 'e'.repeat(40), join(work, 'never')), code('ref_not_found'));
  assert.equal(existsSync(join(work, 'never')), false);
});

test('20 concurrent checkouts of different commits into different folders all succeed', async (t) => {
  const origin = makeOrigin(t);
  const shas = Array.from({ length: 20 }, (_, i) => origin.commit(`c${i}`, { 'app.txt': `c${i}\n`, [`f${i}.txt`]: `${i}\n` }));
  const { source, work, root, fetches } = setup(t);
  await Promise.all(shas.map((sha, i) => source.checkout(origin.url, 'refs/heads/main', sha, join(work, `env-${i}`, sha))));
  shas.forEach((sha, i) => {
    assert.equal(readFileSync(join(work, `env-${i}`, sha, 'app.txt'), 'utf8'), `c${i}\n`);
    assert.equal(existsSync(join(work, `env-${i}`, sha, `f${i + 1}.txt`)), false);
  });
  assert.equal(fetches(), 1, 'queued checkouts find their commit already fetched');
  const [mirror] = readdirSync(join(root, 'cache', 'mirrors')).filter((name) => name.endsWith('.git'));
  const gitDir = `--git-dir=${join(root, 'cache', 'mirrors', mirror ?? '')}`;
  git(root, gitDir, 'fsck', '--no-progress');
  assert.equal(git(root, gitDir, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length, 21);
  await Promise.all(shas.map((sha, i) => source.remove(join(work, `env-${i}`, sha))));
  assert.equal(git(root, gitDir, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length, 1);
});

test('checkout is idempotent: reuses a clean worktree, repairs a changed or half-made one', async (t) => {
  const origin = makeOrigin(t);
  const { source, work, logs } = setup(t);
  const dir = join(work, 'staging');
  const [main, v1] = [origin.sha('main'), origin.sha('v1')];
  await source.checkout(origin.url, 'refs/heads/main', main, dir);
  writeFileSync(join(dir, 'build-output.txt'), 'untracked stays\n');
  await source.checkout(origin.url, 'refs/heads/main', main, dir);
  assert.equal(logs.at(-1)?.msg, 'worktree reused');
  writeFileSync(join(dir, 'app.txt'), 'edited\n');
  const admin = readFileSync(join(dir, '.git'), 'utf8').replace('gitdir: ', '').trim();
  writeFileSync(join(admin, 'index.lock'), ''); // left by a git killed mid-checkout
  await source.checkout(origin.url, 'refs/heads/main', main, dir);
  assert.equal(logs.at(-1)?.msg, 'worktree updated');
  assert.equal(readFileSync(join(dir, 'app.txt'), 'utf8'), 'second\n');
  await source.checkout(origin.url, 'refs/tags/v1', v1, dir);
  assert.equal(readFileSync(join(dir, 'app.txt'), 'utf8'), 'first\n');
  assert.equal(git(dir, 'rev-parse', 'HEAD'), v1);
});

test('remove is idempotent and never deletes a folder slipway did not make', async (t) => {
  const origin = makeOrigin(t);
  const { source, work, root } = setup(t);
  const dir = join(work, 'pr-7', 'x');
  await source.checkout(origin.url, 'refs/pull/7/head', origin.sha('feature/x'), dir);
  await source.remove(dir);
  assert.equal(existsSync(dir), false);
  await source.remove(dir);
  await source.remove(join(work, 'never-existed'));
  const mine = join(root, 'mine');
  writeFileSync(join(root, 'note.txt'), 'x');
  git(root, 'init', '--quiet', mine);
  for (const foreign of [mine, join(root, 'note.txt')]) {
    await assert.rejects(source.remove(foreign), code('dir_conflict'));
    await assert.rejects(source.checkout(origin.url, 'refs/heads/main', origin.sha('main'), foreign), code('dir_conflict'));
    assert.equal(existsSync(foreign), true);
  }
  await assert.rejects(source.checkout(origin.url, 'refs/heads/main', origin.sha('main'), 'relative/dir'), code('dir_conflict'));
});

test('a worktree whose folder vanished is pruned from its mirror', async (t) => {
  const origin = makeOrigin(t);
  const { source, work, root } = setup(t);
  const dir = join(work, 'gone');
  await source.checkout(origin.url, 'refs/heads/main', origin.sha('main'), dir);
  rmSync(dir, { recursive: true });
  await source.remove(dir);
  const mirrors = join(root, 'cache', 'mirrors');
  const [mirror] = readdirSync(mirrors).filter((name) => name.endsWith('.git'));
  const admin = join(mirrors, mirror ?? '', 'worktrees');
  assert.deepEqual(existsSync(admin) ? readdirSync(admin) : [], []);
});
