import { createHash } from 'node:crypto';
import { SourceError, gitMessage } from './errors.js';
import { isSha, redactUrl } from './refs.js';
import type { GitResult } from './run-git.js';

/**
 * Runs git with the source's environment. `remote` marks a command that talks to that remote
 * (it gets the token header when the remote is https); the result's stderr is already scrubbed.
 */
export type Git = (args: readonly string[], call: { what: string; remote?: string; signal?: AbortSignal; input?: string }) => Promise<GitResult>;

const UNREACHABLE =
  /does not appear to be a git repository|could not read from remote|unable to access|could not resolve|connection (refused|timed out|reset)|failed to connect|authentication failed|repository not found|terminal prompts disabled|could not read username|permission denied|host key verification|remote end hung up|early eof|unable to connect|ssl/i;
const CREDENTIALS = /authentication failed|repository not found|terminal prompts disabled|could not read username|permission denied|\b40[13]\b/i;
const MISSING = /couldn't find remote ref|no such remote ref|not our ref|unadvertised object|no matching remote head/i;

function unreachable(what: string, stderr: string): SourceError {
  const hint = CREDENTIALS.test(stderr)
    ? 'Check that the repository exists and that github.token (for https remotes) or the ssh key can read it'
    : "Check the app's url and that this machine can reach the remote";
  return new SourceError('remote_unreachable', gitMessage(what, stderr, hint));
}

/**
 * The commit `ref` points to on the remote now (`git ls-remote`); an annotated tag is peeled
 * to its commit.
 */
export async function lsRemote(git: Git, remote: string, ref: string, signal?: AbortSignal): Promise<string> {
  const what = `git ls-remote of ${JSON.stringify(ref)} at ${redactUrl(remote)}`;
  const patterns = ref.startsWith('refs/tags/') ? [ref, `${ref}^{}`] : [ref];
  const result = await git(['ls-remote', '--exit-code', '--', remote, ...patterns], { what, remote, signal });
  if (result.code !== 0 && result.code !== 2) throw unreachable(what, result.stderr);
  const found = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const [sha, name] = line.split('\t');
    if (sha !== undefined && name !== undefined) found.set(name, sha);
  }
  const sha = found.get(`${ref}^{}`) ?? found.get(ref);
  if (sha === undefined) {
    throw new SourceError('ref_not_found', `${redactUrl(remote)} has no ${JSON.stringify(ref)}; the branch, tag or pull request may have been deleted`);
  }
  if (!isSha(sha)) throw new SourceError('git_failed', `${what} returned ${JSON.stringify(sha.slice(0, 80))}, which is not a commit id`);
  return sha;
}

/** Where a fetched ref or commit is kept in the mirror: a hash, so no two names can clash (`a` vs `a/b`). */
export function mirrorRef(source: string): string {
  return `refs/slipway/${createHash('sha256').update(source).digest('hex').slice(0, 40)}`;
}

/**
 * Fetches `source` (a full ref, or a commit id the remote serves by id) into the bare mirror
 * at `gitDir`, keeping it under `mirrorRef(source)` so gc never drops it.
 */
export async function fetchInto(git: Git, gitDir: string, remote: string, source: string, signal?: AbortSignal): Promise<void> {
  const what = `git fetch of ${JSON.stringify(source)} from ${redactUrl(remote)}`;
  // fetch.unpackLimit=1 keeps what arrives as one pack, visible only once complete: small
  // fetches would otherwise be unpacked object by object, commits first, and a fetch killed
  // midway (a superseded deployment, a SIGKILL) leaves a commit without its tree, which every
  // later checkout of that sha trips over ("unable to read tree") without fetching again.
  const args = [`--git-dir=${gitDir}`, '-c', 'fetch.unpackLimit=1', 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-auto-gc', '--no-recurse-submodules'];
  const result = await git([...args, '--', remote, `+${source}:${mirrorRef(source)}`], { what, remote, signal });
  if (result.code === 0) return;
  if (MISSING.test(result.stderr)) {
    if (isSha(source)) throw new SourceError('sha_not_found', gitMessage(what, result.stderr, 'The remote no longer has that commit (force-pushed away?); resolve the ref again'));
    throw new SourceError('ref_not_found', gitMessage(what, result.stderr, 'The branch, tag or pull request was deleted'));
  }
  if (UNREACHABLE.test(result.stderr)) throw unreachable(what, result.stderr);
  throw new SourceError('git_failed', gitMessage(what, result.stderr, 'Check free disk space and the mirror folder; deleting the mirror makes slipway fetch it again'));
}
