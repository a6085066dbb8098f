import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceError, gitMessage } from './errors.js';
import { redactUrl } from './refs.js';
import type { Git } from './remote.js';

/** One bare mirror per remote URL, named by a hash of the URL (never by payload text). */
export interface Mirror {
  remote: string;
  /** `<cacheDir>/mirrors/<hash>.git` */
  path: string;
  /** `<cacheDir>/mirrors/<hash>.lock`: held across processes while fetching. */
  lockPath: string;
}

export function mirrorFor(mirrorsRoot: string, remote: string): Mirror {
  const name = createHash('sha256').update(remote).digest('hex').slice(0, 32);
  return { remote, path: join(mirrorsRoot, `${name}.git`), lockPath: join(mirrorsRoot, `${name}.lock`) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A token that changes with every fetch into the mirror, by any process ('' before the first). */
export async function lastFetch(mirror: Mirror): Promise<string> {
  return readFile(join(mirror.path, 'slipway-fetched'), 'utf8').catch(() => '');
}

export async function markFetch(mirror: Mirror): Promise<void> {
  await writeFile(join(mirror.path, 'slipway-fetched'), `${process.pid}-${Date.now()}-${randomUUID()}`);
}

/** Whether the mirror has the commit `sha` (false when the mirror does not exist yet). */
export async function hasCommit(git: Git, mirror: Mirror, sha: string, signal?: AbortSignal): Promise<boolean> {
  if (!(await exists(join(mirror.path, 'HEAD')))) return false;
  const result = await git([`--git-dir=${mirror.path}`, 'cat-file', '-e', `${sha}^{commit}`], { what: `git cat-file of ${sha}`, signal });
  return result.code === 0;
}

/** Creates the bare mirror unless it exists; a folder left by an interrupted init is replaced. */
export async function ensureMirror(git: Git, mirror: Mirror, objectFormat: 'sha1' | 'sha256'): Promise<boolean> {
  if (await exists(join(mirror.path, 'HEAD'))) return false;
  await rm(mirror.path, { recursive: true, force: true });
  const format = objectFormat === 'sha256' ? ['--object-format=sha256'] : [];
  const what = `git init of the mirror ${mirror.path}`;
  const result = await git(['init', '--bare', '--quiet', ...format, '--', mirror.path], { what });
  if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, 'Check that the cache folder is writable'));
  await writeFile(join(mirror.path, 'description'), `slipway mirror of ${redactUrl(mirror.remote)}\n`);
  return true;
}

/** Lock files git itself takes in a bare mirror while fetching (plus index.lock, should one ever appear). */
const GIT_LOCKS = ['shallow.lock', 'packed-refs.lock', 'index.lock', 'config.lock', 'HEAD.lock'];

/**
 * Deletes lock files a git killed mid-fetch left behind. Call only while holding the mirror's
 * fetch lock: then no live git of ours can be holding them.
 */
export async function clearStaleGitLocks(mirror: Mirror): Promise<string[]> {
  const refLocks = await readdir(join(mirror.path, 'refs', 'slipway')).then(
    (names) => names.filter((name) => name.endsWith('.lock')).map((name) => join('refs', 'slipway', name)),
    () => [] as string[],
  );
  const removed: string[] = [];
  for (const name of [...GIT_LOCKS, ...refLocks]) {
    const path = join(mirror.path, name);
    if (await exists(path)) {
      await rm(path, { force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Lets git pack and prune the mirror when it needs to (`gc --auto`). Fetches skip their own
 * auto-gc so this runs where the caller chooses: with no fetch or worktree change in flight.
 */
export async function gcAuto(git: Git, mirror: Mirror): Promise<void> {
  const what = `git gc of the mirror ${mirror.path}`;
  const result = await git([`--git-dir=${mirror.path}`, 'gc', '--auto', '--quiet'], { what });
  if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, 'The mirror still works; check free disk space'));
}
