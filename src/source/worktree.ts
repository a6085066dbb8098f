import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SourceError, gitMessage } from './errors.js';
import type { Git } from './remote.js';

/** What a worktree folder holds now. */
export type DirState =
  | { state: 'missing' }
  | { state: 'empty' }
  /** A worktree of one of our mirrors: `admin` is `<mirror>/worktrees/<id>`. */
  | { state: 'worktree'; admin: string; mirror: string }
  /** Anything else: files slipway did not put there, a symlink, another repository's worktree. */
  | { state: 'foreign' };

/** Looks at `dir` without following symlinks, and at where its `.git` file points. */
export async function inspectDir(dir: string, mirrorsRoot: string): Promise<DirState> {
  const info = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (info === null) return { state: 'missing' };
  if (!info.isDirectory()) return { state: 'foreign' };
  if ((await readdir(dir)).length === 0) return { state: 'empty' };
  const link = await readFile(join(dir, '.git'), 'utf8').catch(() => '');
  const match = /^gitdir: (.+)$/m.exec(link);
  if (match?.[1] === undefined) return { state: 'foreign' };
  const admin = resolve(dir, match[1].trim());
  const mirror = dirname(dirname(admin));
  const ours = basename(dirname(admin)) === 'worktrees' && dirname(mirror) === resolve(mirrorsRoot);
  return ours ? { state: 'worktree', admin, mirror } : { state: 'foreign' };
}

function inTree(admin: string, dir: string): string[] {
  return [`--git-dir=${admin}`, `--work-tree=${dir}`];
}

/** The commit checked out in a worktree, or null when it has none (broken or half-made). */
export async function headOf(git: Git, admin: string, dir: string): Promise<string | null> {
  const result = await git([...inTree(admin, dir), 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { what: `git rev-parse in ${dir}` });
  return result.code === 0 ? result.stdout.trim() : null;
}

/** Whether tracked files match HEAD (untracked files, such as build output, do not count). */
export async function isClean(git: Git, admin: string, dir: string): Promise<boolean> {
  const args = [...inTree(admin, dir), 'status', '--porcelain', '--untracked-files=no', '--ignore-submodules'];
  const result = await git(args, { what: `git status in ${dir}` });
  return result.code === 0 && result.stdout.trim() === '';
}

/**
 * Adds a detached worktree of `sha` at `dir` with its files, in one git process (one process
 * fewer on every deployment's path than registering first and checking out after).
 */
export async function addWorktree(git: Git, mirrorPath: string, dir: string, sha: string, signal?: AbortSignal): Promise<void> {
  const what = `git worktree add of ${sha} at ${dir}`;
  const result = await git([`--git-dir=${mirrorPath}`, 'worktree', 'add', '--detach', '--quiet', '--', dir, sha], { what, signal });
  if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, 'Check free disk space and that the folder is writable'));
}

/**
 * Makes the worktree's HEAD, index and tracked files exactly `sha`. An `index.lock` left by a
 * killed git is removed first: callers serialize work per folder, so no live git holds it.
 */
export async function fillWorktree(git: Git, admin: string, dir: string, sha: string, signal?: AbortSignal): Promise<void> {
  await rm(join(admin, 'index.lock'), { force: true });
  const what = `git checkout of ${sha} in ${dir}`;
  const result = await git([...inTree(admin, dir), 'reset', '--hard', '--quiet', sha], { what, signal });
  if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, 'Check free disk space; removing the folder makes slipway check it out again'));
}

/**
 * Unregisters and deletes a worktree. When git cannot (its mirror was deleted, its metadata
 * is broken) the folder is deleted anyway: its `.git` file proved it is ours.
 */
export async function removeWorktree(git: Git, mirrorPath: string, dir: string): Promise<void> {
  const result = await git([`--git-dir=${mirrorPath}`, 'worktree', 'remove', '--force', '--force', '--', dir], { what: `git worktree remove of ${dir}` });
  if (result.code !== 0) await rm(dir, { recursive: true, force: true });
}

/** Drops the mirror's records of worktrees whose folders are gone. */
export async function pruneWorktrees(git: Git, mirrorPath: string): Promise<void> {
  const what = `git worktree prune in ${mirrorPath}`;
  const result = await git([`--git-dir=${mirrorPath}`, 'worktree', 'prune'], { what });
  if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, 'Check that the mirror folder is intact'));
}
