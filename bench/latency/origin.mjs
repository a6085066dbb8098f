// The app's git remote: a real repository in a temp folder, committed to with plain git.
// Our own git runs with no system or global config (no hooks, signing or templates of the
// host can slow it down or change it) and a fixed author.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { track } from '../ingest/procs.mjs';
import { pct } from './figures.mjs';

const GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  LANG: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

/** Runs git in `cwd`; resolves with trimmed stdout, rejects with stderr. Bounded to 60 s. */
export function git(cwd, args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, env: GIT_ENV, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
    track(child);
    if (input !== undefined) child.stdin.end(input);
  });
}

/**
 * A small app (13 files, ~45 KB) on `main`, in a repository with a work tree so each
 * push is one `git commit`. Returns { dir, url, sha }.
 */
export async function createOrigin(dir) {
  mkdirSync(join(dir, 'src'), { recursive: true });
  await git(dir, ['init', '--quiet', '--initial-branch=main']);
  writeFileSync(join(dir, 'README.md'), '# app\n\nThe app slipway deploys in bench/latency.\n');
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2)}\n`);
  for (let i = 0; i < 10; i++) {
    const body = Array.from({ length: 100 }, (_, n) => `export const value${n} = ${i * 1000 + n}; // ${'x'.repeat(8)}`).join('\n');
    writeFileSync(join(dir, 'src', `module${i}.js`), `${body}\n`);
  }
  writeFileSync(join(dir, 'counter.txt'), '0\n');
  await git(dir, ['add', '--all']);
  await git(dir, ['commit', '--quiet', '--message', 'initial']);
  return { dir, url: `file://${dir}`, sha: await git(dir, ['rev-parse', 'HEAD']) };
}

/** One new commit on main (counter.txt changes); resolves with its sha. */
export async function commitToMain(dir, n) {
  writeFileSync(join(dir, 'counter.txt'), `${n}\n`);
  await git(dir, ['commit', '--quiet', '--all', '--message', `push ${n}`]);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** Branches `<prefix>0` .. `<prefix>N-1`, all at `sha`, in one `git update-ref --stdin`. */
export async function createBranches(dir, prefix, count, sha) {
  const lines = Array.from({ length: count }, (_, i) => `create refs/heads/${prefix}${i} ${sha}\n`).join('');
  await git(dir, ['update-ref', '--stdin'], lines);
}

/**
 * Branches `<prefix>0` .. `<prefix>N-1`, each with a commit of its own on top of `sha`
 * (branch.txt differs), written by one `git fast-import`.
 */
export async function createDistinctBranches(dir, prefix, count, sha) {
  const blob = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let stream = '';
  for (let i = 0; i < count; i++) {
    stream += `commit refs/heads/${prefix}${i}\ncommitter Bench <bench@example.com> 1700000000 +0000\n` +
      `${blob(`branch ${i}`)}from ${sha}\nM 100644 inline branch.txt\n${blob(`${i}`)}\n`;
  }
  await git(dir, ['fast-import', '--quiet'], stream);
}

/**
 * How fast this machine runs git right now (p50 ms, run from node): `git cat-file -e` and
 * `git worktree add` of the origin (into `probe`, removed again). slipway's path is a chain of
 * git processes, some of them writing files, so these explain much of the difference between
 * two runs.
 */
export async function gitBaseline(origin, probe) {
  const spawnMs = [];
  const worktreeMs = [];
  for (let i = 0; i < 30; i++) {
    let t = performance.now();
    await git(origin.dir, ['cat-file', '-e', `${origin.sha}^{commit}`]);
    spawnMs.push(performance.now() - t);
    if (i % 3 !== 0) continue;
    t = performance.now();
    await git(origin.dir, ['worktree', 'add', '--detach', '--quiet', probe, origin.sha]);
    worktreeMs.push(performance.now() - t);
    await git(origin.dir, ['worktree', 'remove', '--force', probe]);
  }
  return { spawnMs: pct(spawnMs, 50), worktreeMs: pct(worktreeMs, 50) };
}
