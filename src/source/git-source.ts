import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { within } from '../paths.js';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { SourceError } from './errors.js';
import { authConfig, gitEnv, scrub, secretsOf, type GitAuth } from './git-env.js';
import { KeyedQueue, SharedExclusive, withFileLock } from './locks.js';
import { clearStaleGitLocks, lastFetch, markFetch, ensureMirror, gcAuto, hasCommit, mirrorFor, type Mirror } from './mirror.js';
import { fetchInto, lsRemote, type Git } from './remote.js';
import { isHttps, isSha, redactUrl, validateRef, validateRemote, validateSha } from './refs.js';
import { runGit } from './run-git.js';
import { gcPrune, keepOnly, packCount, type MirrorNeeds, type TidyReport } from './tidy.js';
import { addWorktree, fillWorktree, headOf, inspectDir, isClean, pruneWorktrees, removeWorktree } from './worktree.js';

export type { GitAuth, MirrorNeeds, TidyReport };

/** `git gc --auto` runs after every this many fetches into a mirror. */
const GC_EVERY_FETCHES = 20;

/** Structured log lines; fields never hold a token (remote URLs are redacted). */
export type SourceLog = (msg: string, fields: Record<string, unknown>) => void;

export interface GitSourceOptions {
  /** Holds `mirrors/<hash>.git`, one bare mirror per remote URL. */
  cacheDir: string;
  /** Fixed credentials, or a function asked each time git reaches an https remote (tokens that expire). */
  auth?: GitAuth | ((remoteUrl: string) => Promise<GitAuth>);
  /**
   * Where worktree folders are made (`<root>/<app>/<env>/<sha>`): `remove` also removes the
   * folders under it that held only the removed worktree. Without it, only the worktree goes.
   */
  worktreeRoot?: string;
  /** Per git command; a command that takes longer is killed. Default 5 minutes. */
  timeoutMs?: number;
  log?: SourceLog;
}

export interface SourceCallOptions {
  /** Stops the running git command (SourceError `aborted`). */
  signal?: AbortSignal;
}

/** `<cacheDir>/mirrors`: one bare `<hash>.git` mirror per remote. */
export function mirrorsIn(cacheDir: string): string {
  return join(cacheDir, 'mirrors');
}

export interface TidyOptions {
  /**
   * Objects nothing reaches any more are deleted once older than this (default an hour):
   * another slipway sharing the cache may have just fetched one to check it out.
   */
  keepUnreachableMs?: number;
  /** Stops between mirrors, and waits for locks. */
  signal?: AbortSignal;
}

/** Default of TidyOptions.keepUnreachableMs. */
const KEEP_UNREACHABLE_MS = 3_600_000;

/**
 * Git for the engine: resolves refs on the remote, keeps one bare mirror per remote (fetched
 * on demand, one fetch at a time per mirror, across processes too) and checks commits out
 * into detached worktrees. Worktree folders come from the caller and must be absolute paths
 * built from slugged names (`<root>/<app>/<env>/<sha>`), never from payload text.
 */
export class GitSource {
  private readonly cacheDir: string;
  private readonly mirrorsRoot: string;
  private readonly timeoutMs: number;
  private readonly worktreeRoot: string | null;
  private readonly log: SourceLog;
  private readonly queue = new KeyedQueue();
  /** Checkouts hold their mirror shared, a tidy exclusively: it never prunes a commit a checkout is about to use. */
  private readonly users = new SharedExclusive();
  /** Fetches this instance finished, per mirror path. */
  private readonly fetches = new Map<string, number>();
  private readonly git: Git;

  constructor(options: GitSourceOptions) {
    this.cacheDir = resolve(options.cacheDir);
    this.mirrorsRoot = mirrorsIn(this.cacheDir);
    this.timeoutMs = options.timeoutMs ?? 5 * 60_000;
    this.worktreeRoot = options.worktreeRoot === undefined ? null : resolve(options.worktreeRoot);
    this.log = options.log ?? (() => {});
    const { auth } = options;
    this.git = async (args, call) => {
      const remote = call.remote;
      const current = remote === undefined || !isHttps(remote) ? undefined : typeof auth === 'function' ? await auth(remote) : auth;
      const env = gitEnv(process.env, remote === undefined ? [] : authConfig(remote, current));
      // Never look for a repository above the cache (a cache inside a project checkout).
      env.GIT_CEILING_DIRECTORIES = this.cacheDir;
      const result = await runGit({ args, cwd: this.mirrorsRoot, env, timeoutMs: this.timeoutMs, what: call.what, signal: call.signal, input: call.input });
      return { ...result, stderr: scrub(result.stderr, secretsOf(current)) };
    };
  }

  /**
   * The commit a full ref (`refs/heads/main`, `refs/tags/v1`, `refs/pull/7/head`) points to on
   * the remote now. Throws `ref_invalid` before running git, `ref_not_found`, `remote_unreachable`.
   */
  async resolve(remoteUrl: string, ref: string, options: SourceCallOptions = {}): Promise<string> {
    const remote = validateRemote(remoteUrl);
    validateRef(ref);
    await mkdir(this.mirrorsRoot, { recursive: true });
    return lsRemote(this.git, remote, ref, options.signal);
  }

  /**
   * Checks `sha` out into a detached worktree at `dir`, fetching `ref` (a full ref, or the sha
   * itself for a pinned commit) into the mirror first when the mirror lacks `sha`. Idempotent:
   * a worktree of that sha is reused; one of another sha, or damaged, is reset to it.
   */
  async checkout(remoteUrl: string, ref: string, sha: string, dir: string, options: SourceCallOptions = {}): Promise<void> {
    const remote = validateRemote(remoteUrl);
    const source = isSha(ref) ? validateSha(ref) : validateRef(ref);
    const commit = validateSha(sha);
    const folder = absolute(dir);
    const mirror = mirrorFor(this.mirrorsRoot, remote);
    await mkdir(this.mirrorsRoot, { recursive: true });
    await this.users.shared(mirror.path, async () => {
      const fetchesBefore = await lastFetch(mirror);
      if (!(await hasCommit(this.git, mirror, commit, options.signal))) {
        await this.queue.run(`fetch:${mirror.path}`, () => this.fetchLocked(mirror, source, commit, fetchesBefore, options.signal));
      }
      await this.queue.run(`dir:${folder}`, () => this.place(mirror, commit, folder, options.signal));
    });
  }

  /**
   * Housekeeping of every mirror in the cache: each keeps only the refs `needs` names for its
   * remote (the mirror of a remote no need names keeps none), forgets worktrees whose folders
   * are gone, and, when refs went or fetches added packs, is repacked into one pack with the
   * objects nothing reaches any more deleted (commits checked out in a worktree always stay).
   * Takes the locks fetches and worktree changes take, and waits for this source's checkouts
   * from the mirror under way (holding new ones back), so it never takes a commit from under
   * one. A mirror that fails is logged, and the others are tidied still.
   */
  async tidy(needs: readonly MirrorNeeds[], options: TidyOptions = {}): Promise<TidyReport[]> {
    const wanted = new Map<string, { refs: string[]; shas: string[] }>();
    for (const need of needs) {
      const path = mirrorFor(this.mirrorsRoot, validateRemote(need.remoteUrl)).path;
      const entry = wanted.get(path) ?? { refs: [], shas: [] };
      // Refs are only hashed into ref names; shas reach git's stdin, so only real ones pass.
      entry.refs.push(...need.refs);
      entry.shas.push(...need.shas.filter(isSha).map((sha) => sha.toLowerCase()));
      wanted.set(path, entry);
    }
    const names = await readdir(this.mirrorsRoot).catch(() => [] as string[]);
    const reports: TidyReport[] = [];
    for (const name of names.filter((n) => n.endsWith('.git')).sort()) {
      if (options.signal?.aborted) break;
      const path = join(this.mirrorsRoot, name);
      const need = wanted.get(path) ?? { refs: [], shas: [] };
      try {
        const report = await this.tidyMirror(path, need, options.keepUnreachableMs ?? KEEP_UNREACHABLE_MS, options.signal);
        this.log('mirror tidied', { ...report });
        reports.push(report);
      } catch (error) {
        this.log('could not tidy a mirror', { mirror: path, reason: (error as Error).message });
      }
    }
    return reports;
  }

  private tidyMirror(path: string, need: { refs: string[]; shas: string[] }, keepUnreachableMs: number, signal?: AbortSignal): Promise<TidyReport> {
    const mirror: Mirror = { remote: '', path, lockPath: path.replace(/\.git$/, '.lock') };
    const lock = { waitMs: this.timeoutMs, staleMs: 3 * this.timeoutMs, ...(signal ? { signal } : {}) };
    return this.users.exclusive(path, () =>
      withFileLock(mirror.lockPath, lock, async () => {
        await clearStaleGitLocks(mirror);
        return this.meta(path, async () => {
          const refs = await keepOnly(this.git, path, need);
          await pruneWorktrees(this.git, path);
          const packed = refs.after < refs.before || (await packCount(path)) > 1;
          if (packed) await gcPrune(this.git, path, keepUnreachableMs);
          return { mirror: path, refsBefore: refs.before, refsAfter: refs.after, packed };
        }, signal);
      }),
    );
  }

  /**
   * Removes the worktree at `dir` and prunes its mirror, then the folders up to the worktree
   * root that it leaves empty (an environment's, then its app's). Harmless when `dir` is gone.
   */
  async remove(dir: string): Promise<void> {
    const folder = absolute(dir);
    await this.queue.run(`dir:${folder}`, async () => {
      const found = await inspectDir(folder, this.mirrorsRoot);
      if (found.state === 'foreign') throw notOurs(folder);
      if (found.state === 'empty') await rm(folder, { recursive: true, force: true });
      if (found.state === 'worktree') await this.unregister(found.mirror, folder);
      if (found.state === 'missing') {
        const names = await readdir(this.mirrorsRoot).catch(() => [] as string[]);
        for (const name of names.filter((n) => n.endsWith('.git'))) {
          const path = join(this.mirrorsRoot, name);
          await this.meta(path, () => pruneWorktrees(this.git, path)).catch((error: Error) => {
            this.log('could not prune a mirror', { mirror: path, reason: error.message });
          });
        }
      }
    });
    const root = this.worktreeRoot;
    if (root === null || !within(folder, root)) return;
    // rmdir removes only an empty folder: one still holding another worktree stays.
    for (let parent = dirname(folder); parent !== root && within(parent, root); parent = dirname(parent)) {
      if (!(await rmdir(parent).then(() => true, () => false))) return;
    }
  }

  /** Holding the mirror's fetch lock: fetch unless a fetch queued before this one brought `sha`. */
  private fetchLocked(mirror: Mirror, source: string, sha: string, fetchesBefore: string, signal?: AbortSignal): Promise<void> {
    const lock = { waitMs: this.timeoutMs, staleMs: 3 * this.timeoutMs, signal, onStale: (holder: string) => this.log('took over a stale mirror lock', { mirror: mirror.path, holder }) };
    return withFileLock(mirror.lockPath, lock, async () => {
      // Look again only when a fetch (of any process) finished while this one waited.
      const fetchedMeanwhile = (await lastFetch(mirror)) !== fetchesBefore;
      if (fetchedMeanwhile && (await hasCommit(this.git, mirror, sha, signal))) return;
      const cleared = await clearStaleGitLocks(mirror);
      if (cleared.length > 0) this.log('removed lock files left by an interrupted git', { mirror: mirror.path, files: cleared });
      if (await ensureMirror(this.git, mirror, sha.length === 64 ? 'sha256' : 'sha1')) {
        this.log('mirror created', { remote: redactUrl(mirror.remote), mirror: mirror.path });
      }
      // A fetch's connectivity check reads every worktree's HEAD, and `worktree add` writes a
      // placeholder HEAD first: the two must not overlap on one mirror (git says "bad object").
      await this.meta(mirror.path, () => this.fetch(mirror, source, sha, signal), signal);
      await markFetch(mirror);
      const count = (this.fetches.get(mirror.path) ?? 0) + 1;
      this.fetches.set(mirror.path, count);
      // Housekeeping every few fetches, off most deployments' path; a failed pass must not
      // fail the checkout.
      if (count % GC_EVERY_FETCHES === 0) {
        await this.meta(mirror.path, () => gcAuto(this.git, mirror)).catch((error: Error) => {
          this.log('mirror gc failed', { mirror: mirror.path, reason: error.message });
        });
      }
    });
  }

  /** Fetches the ref; when the ref no longer leads to `sha` (force-push), asks for `sha` itself. */
  private async fetch(mirror: Mirror, source: string, sha: string, signal?: AbortSignal): Promise<void> {
    const fields = { remote: redactUrl(mirror.remote), mirror: mirror.path };
    let refMissing: SourceError | null = null;
    if (source !== sha) {
      const started = Date.now();
      try {
        await fetchInto(this.git, mirror.path, mirror.remote, source, signal);
      } catch (error) {
        if (!(error instanceof SourceError && error.code === 'ref_not_found')) throw error;
        refMissing = error;
      }
      this.log('fetch', { ...fields, ref: source, ms: Date.now() - started });
      if (await hasCommit(this.git, mirror, sha, signal)) return;
    }
    const started = Date.now();
    try {
      await fetchInto(this.git, mirror.path, mirror.remote, sha, signal);
    } catch (error) {
      throw error instanceof SourceError && error.code === 'sha_not_found' && refMissing !== null ? refMissing : error;
    }
    this.log('fetch', { ...fields, ref: sha, ms: Date.now() - started });
    if (!(await hasCommit(this.git, mirror, sha, signal))) {
      throw new SourceError('sha_not_found', `${redactUrl(mirror.remote)} did not send commit ${sha}; resolve ${JSON.stringify(source)} again`);
    }
  }

  /** Holding the folder: reuse, repair or create the worktree of `sha` at `dir`. */
  private async place(mirror: Mirror, sha: string, dir: string, signal?: AbortSignal): Promise<void> {
    const fields = { remote: redactUrl(mirror.remote), sha, dir };
    const found = await inspectDir(dir, this.mirrorsRoot);
    if (found.state === 'foreign') throw notOurs(dir);
    if (found.state === 'worktree' && found.mirror === mirror.path) {
      const head = await headOf(this.git, found.admin, dir);
      if (head === sha && (await isClean(this.git, found.admin, dir))) return this.log('worktree reused', fields);
      if (head !== null) {
        await fillWorktree(this.git, found.admin, dir, sha, signal);
        return this.log('worktree updated', { ...fields, from: head });
      }
    }
    if (found.state === 'worktree') await this.unregister(found.mirror, dir);
    await mkdir(dirname(dir), { recursive: true });
    await this.meta(mirror.path, () => addWorktree(this.git, mirror.path, dir, sha, signal), signal);
    const added = await inspectDir(dir, this.mirrorsRoot);
    if (added.state !== 'worktree') throw new SourceError('git_failed', `git worktree add left no worktree at ${dir}`);
    this.log('worktree created', fields);
  }

  /**
   * Runs git that changes a mirror's worktree list or objects (fetch, worktree add and remove,
   * prune, gc) one at a time per mirror: in this process by queue, across processes sharing the
   * cache by a file lock beside the mirror. Concurrent `worktree add`s read each other's
   * half-made entries ("failed to read worktrees/x/commondir").
   */
  private meta<T>(mirrorPath: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const lock = { waitMs: this.timeoutMs, staleMs: 3 * this.timeoutMs, ...(signal ? { signal } : {}) };
    return this.queue.run(`meta:${mirrorPath}`, () => withFileLock(`${mirrorPath}.meta.lock`, lock, task));
  }

  private async unregister(mirrorPath: string, dir: string): Promise<void> {
    await this.meta(mirrorPath, async () => {
      await removeWorktree(this.git, mirrorPath, dir);
      await pruneWorktrees(this.git, mirrorPath).catch(() => {});
    });
    this.log('worktree removed', { dir });
  }
}

function absolute(dir: string): string {
  if (typeof dir === 'string' && isAbsolute(dir) && !dir.includes('\0')) return resolve(dir);
  throw new SourceError('dir_conflict', `worktree folder ${JSON.stringify(String(dir))} must be an absolute path built from slugged names`);
}

function notOurs(dir: string): SourceError {
  return new SourceError('dir_conflict', `${dir} exists and is not a slipway worktree; slipway does not delete folders it did not create: move it away or choose another folder`);
}
