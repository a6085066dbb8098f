import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { GitSource } from '../../src/source/git-source.js';
import { tempDir } from '../helpers/temp.js';
import { git, makeOrigin, type Origin } from './origin.js';

function setup(t: TestContext) {
  const root = tempDir(t, 'slipway-tidy-');
  const logs: { msg: string; fields: Record<string, unknown> }[] = [];
  const source = new GitSource({ cacheDir: join(root, 'cache'), log: (msg, fields) => logs.push({ msg, fields }) });
  const mirror = () => {
    const [name] = readdirSync(join(root, 'cache', 'mirrors')).filter((n) => n.endsWith('.git'));
    return join(root, 'cache', 'mirrors', name ?? '');
  };
  return { source, logs, mirror, work: join(root, 'work'), fetches: () => logs.filter((line) => line.msg === 'fetch').length };
}

/** Whether the mirror holds the object (git cat-file -e, as a user would check). */
function holds(mirror: string, sha: string): boolean {
  try {
    execFileSync('git', [`--git-dir=${mirror}`, 'cat-file', '-e', `${sha}^{commit}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const mirrorRefs = (mirror: string) => git(mirror, 'for-each-ref', '--format=%(refname)', 'refs/slipway/').split('\n').filter(Boolean);

/** Pull request `n`'s head: a commit of its own, reachable on the origin from refs/pull/<n>/head only. */
function pullRequest(origin: Origin, n: number): string {
  git(origin.dir, 'checkout', '--quiet', '-b', `pr-${n}`, 'main');
  const sha = origin.commit(`pr ${n}`, { [`pr-${n}.txt`]: `pull request ${n}\n` });
  git(origin.dir, 'update-ref', `refs/pull/${n}/head`, sha);
  git(origin.dir, 'checkout', '--quiet', 'main');
  git(origin.dir, 'branch', '--quiet', '-D', `pr-${n}`);
  return sha;
}

test('after many pull requests come and go, a tidy leaves the refs and commits live environments need, in one pack', async (t) => {
  const origin = makeOrigin(t);
  const { source, mirror, work, fetches } = setup(t);
  const heads = new Map<number, string>();
  for (let n = 1; n <= 12; n += 1) {
    const sha = pullRequest(origin, n);
    heads.set(n, sha);
    await source.checkout(origin.url, `refs/pull/${n}/head`, sha, join(work, `pr-${n}`, sha));
  }
  const main = origin.sha('main');
  await source.checkout(origin.url, 'refs/heads/main', main, join(work, 'staging', main));
  const head = (n: number) => heads.get(n) ?? '';
  // Pull requests 1–10 are closed: their environments (and worktrees) go, except 10's, whose destroy failed.
  for (let n = 1; n <= 9; n += 1) await source.remove(join(work, `pr-${n}`, head(n)));
  assert.equal(mirrorRefs(mirror()).length, 12, 'a ref per fetch (main came with the first pull request)');

  const needs = [{ remoteUrl: origin.url, refs: ['refs/pull/11/head', 'refs/pull/12/head', 'refs/heads/main'], shas: [head(11), head(12), main] }];
  const [report] = await source.tidy(needs, { keepUnreachableMs: 0 });
  assert.deepEqual(report && { before: report.refsBefore, after: report.refsAfter, packed: report.packed }, { before: 12, after: 5, packed: true });
  assert.equal(mirrorRefs(mirror()).length, 5, 'the two fetched refs followed, and a ref per needed commit');
  for (let n = 1; n <= 9; n += 1) assert.equal(holds(mirror(), head(n)), false, `the commit of closed pull request ${n} is gone`);
  assert.equal(holds(mirror(), head(10)), true, 'a commit still checked out in a worktree stays');
  for (const sha of [head(11), head(12), main, origin.sha('v1')]) assert.equal(holds(mirror(), sha), true);
  const counts = git(mirror(), 'count-objects', '-v');
  assert.match(counts, /^count: 0$/m);
  assert.match(counts, /^packs: 1$/m, 'the fetches\' packs are one');

  // Live environments still check out, without fetching.
  const before = fetches();
  await source.checkout(origin.url, 'refs/pull/11/head', head(11), join(work, 'pr-11-again', head(11)));
  await source.checkout(origin.url, 'refs/heads/main', main, join(work, 'other', main));
  assert.equal(fetches(), before);
  assert.equal(git(join(work, 'pr-11-again', head(11)), 'rev-parse', 'HEAD'), head(11));

  // A second tidy with nothing to drop leaves the pack alone.
  const [again] = await source.tidy(needs, { keepUnreachableMs: 0 });
  assert.equal(again?.packed, false);

  // A mirror no environment needs keeps no refs; worktrees' commits stay.
  await source.tidy([], { keepUnreachableMs: 0 });
  assert.deepEqual(mirrorRefs(mirror()), []);
  assert.equal(holds(mirror(), head(10)), true);
  assert.equal(holds(mirror(), head(12)), true, 'checked out in pr-12');
});

test('a tidy racing checkouts of commits it does not keep never breaks them', async (t) => {
  const origin = makeOrigin(t);
  const { source, work } = setup(t);
  const heads = [1, 2, 3, 4, 5, 6].map((n) => pullRequest(origin, n));
  // Fetched once, then no longer needed: the mirror holds them, unreferenced after a tidy starts.
  for (const [i, sha] of heads.entries()) {
    await source.checkout(origin.url, `refs/pull/${i + 1}/head`, sha, join(work, 'first', sha));
    await source.remove(join(work, 'first', sha));
  }
  for (let round = 0; round < 3; round += 1) {
    const checkouts = heads.map((sha, i) => source.checkout(origin.url, `refs/pull/${i + 1}/head`, sha, join(work, `round-${round}`, sha)));
    const tidies = [source.tidy([], { keepUnreachableMs: 0 }), source.tidy([], { keepUnreachableMs: 0 })];
    const [reports] = await Promise.all([Promise.all(tidies), Promise.all(checkouts)]);
    assert.ok(reports.every((list) => list.length === 1), 'every tidy did its mirror');
    for (const sha of heads) assert.equal(git(join(work, `round-${round}`, sha), 'rev-parse', 'HEAD'), sha);
    for (const sha of heads) await source.remove(join(work, `round-${round}`, sha));
  }
});

test('a tidy refuses a remote that is not one, and a mirror that cannot be tidied does not stop the others', async (t) => {
  const origin = makeOrigin(t);
  const { source, logs, work } = setup(t);
  await assert.rejects(source.tidy([{ remoteUrl: '--upload-pack=touch x', refs: [], shas: [] }]), /remote/);
  await source.checkout(origin.url, 'refs/heads/main', origin.sha('main'), join(work, 'a'));
  // Not a sha: never reaches git.
  const reports = await source.tidy([{ remoteUrl: origin.url, refs: ['refs/heads/main'], shas: ['x\ndelete refs/slipway/y'] }], { keepUnreachableMs: 0 });
  assert.equal(reports.length, 1);
  assert.equal(logs.some((line) => line.msg === 'could not tidy a mirror'), false);
});
