import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceError, gitMessage } from './errors.js';
import { mirrorRef, type Git } from './remote.js';

/** What the live environments of one remote need kept in its mirror. */
export interface MirrorNeeds {
  remoteUrl: string;
  /** Full refs environments follow (`refs/heads/main`, `refs/pull/7/head`). */
  refs: readonly string[];
  /** Commits environments run, are pinned to or may roll back to. */
  shas: readonly string[];
}

/** What one mirror's tidy did. */
export interface TidyReport {
  mirror: string;
  /** Mirror refs before and after. */
  refsBefore: number;
  refsAfter: number;
  /** Whether the mirror was repacked and its unreachable objects pruned. */
  packed: boolean;
}

/** The mirror's own refs (`refs/slipway/*`, see mirrorRef) and what each points to. */
async function mirrorRefs(git: Git, gitDir: string): Promise<Map<string, string>> {
  const what = `git for-each-ref in ${gitDir}`;
  const result = await git([`--git-dir=${gitDir}`, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/slipway/'], { what });
  if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, 'Check that the mirror folder is intact'));
  const refs = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const [name, sha] = line.split(' ');
    if (name !== undefined && sha !== undefined) refs.set(name, sha);
  }
  return refs;
}

/** Which of `shas` the mirror holds as commits (one git process for all of them). */
async function presentCommits(git: Git, gitDir: string, shas: readonly string[]): Promise<Set<string>> {
  if (shas.length === 0) return new Set();
  const what = `git cat-file --batch-check in ${gitDir}`;
  const input = shas.map((sha) => `${sha}^{commit}\n`).join('');
  const result = await git([`--git-dir=${gitDir}`, 'cat-file', '--batch-check=%(objectname) %(objecttype)'], { what, input });
  if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, 'Check that the mirror folder is intact'));
  return new Set(result.stdout.split('\n').flatMap((line) => (line.endsWith(' commit') ? [line.split(' ')[0] ?? ''] : [])));
}

/**
 * Makes the mirror's refs exactly what `needs` asks for: the ref of every followed ref and
 * needed commit that was fetched is kept, a needed commit the mirror holds under another
 * name gets a ref of its own (so gc keeps it after the ref it came by moves on), and every
 * other ref goes. Commits checked out in a worktree stay whatever their refs: gc keeps
 * every worktree's HEAD. Returns the refs before and after.
 */
export async function keepOnly(git: Git, gitDir: string, needs: Pick<MirrorNeeds, 'refs' | 'shas'>): Promise<{ before: number; after: number }> {
  const refs = await mirrorRefs(git, gitDir);
  const wanted = new Set([...needs.refs, ...needs.shas].map(mirrorRef));
  const present = await presentCommits(git, gitDir, [...new Set(needs.shas)]);
  const lines = [
    ...[...refs.keys()].filter((name) => !wanted.has(name)).map((name) => `delete ${name}\n`),
    ...[...present].filter((sha) => refs.get(mirrorRef(sha)) !== sha).map((sha) => `update ${mirrorRef(sha)} ${sha}\n`),
  ];
  if (lines.length > 0) {
    const what = `git update-ref of the refs of ${gitDir}`;
    const result = await git([`--git-dir=${gitDir}`, 'update-ref', '--stdin'], { what, input: lines.join('') });
    if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, 'Check free disk space and the mirror folder'));
  }
  return { before: refs.size, after: (await mirrorRefs(git, gitDir)).size };
}

/** How many packs the mirror holds (each fetch adds one: see fetchInto). */
export async function packCount(gitDir: string): Promise<number> {
  const names = await readdir(join(gitDir, 'objects', 'pack')).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith('.pack')).length;
}

/**
 * Repacks the mirror into one pack and deletes objects nothing reaches (no ref, no
 * worktree's HEAD or index) that are older than `keepUnreachableMs`: an object fetched a
 * moment ago by another slipway sharing the cache may be about to be checked out.
 */
export async function gcPrune(git: Git, gitDir: string, keepUnreachableMs: number): Promise<void> {
  const what = `git gc of the mirror ${gitDir}`;
  const expire = keepUnreachableMs <= 0 ? 'now' : `${Math.ceil(keepUnreachableMs / 1000)}.seconds.ago`;
  const result = await git([`--git-dir=${gitDir}`, 'gc', '--quiet', `--prune=${expire}`], { what });
  if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, 'The mirror still works; check free disk space'));
}
