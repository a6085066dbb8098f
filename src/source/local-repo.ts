import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../errors.js';
import { SourceError, gitMessage } from './errors.js';
import { gitEnv } from './git-env.js';
import { validateRef, validateSha } from './refs.js';
import { runGit } from './run-git.js';

const TIMEOUT_MS = 30_000;
const IDENTITY = { name: 'slipway demo', email: 'demo@slipway.invalid' };
/** Commits and tags stay unsigned whatever the user's global git config says. */
const CONFIG: readonly (readonly [string, string])[] = [
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
];

/**
 * A small git repository on this machine, standing in for a GitHub repository: commits to
 * branches, pull request heads (`refs/pull/N/head`) and tags, reachable at `url` (file://).
 * Works without a global git identity. Calls run one at a time, in the order made.
 */
export class LocalRepo {
  readonly dir: string;
  /** The `file://` URL to clone or fetch it from. */
  readonly url: string;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string) {
    this.dir = dir;
    this.url = pathToFileURL(dir).href;
  }

  /** Creates the repository (and its folder) with `main` as the initial branch. */
  static async init(dir: string): Promise<LocalRepo> {
    const repo = new LocalRepo(resolve(dir));
    await mkdir(repo.dir, { recursive: true });
    await repo.#git(['init', '--quiet', '--initial-branch=main'], `git init of ${repo.dir}`);
    return repo;
  }

  /**
   * Commits `files` (path → content; other files stay as they are) on `branch`, creating the
   * branch from `main` when it does not exist yet. Resolves to the new commit's sha.
   */
  commit(branch: string, files: Record<string, string>, message: string): Promise<string> {
    checkBranch(branch);
    const paths = Object.keys(files).map(checkPath);
    return this.#serial(async () => {
      await this.#switchTo(branch);
      for (const [path, content] of Object.entries(files)) {
        const file = join(this.dir, path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, content);
      }
      await this.#git(['add', '--', ...paths], `git add on ${branch}`);
      await this.#git(['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message], `git commit on ${branch}`);
      return (await this.#git(['rev-parse', 'HEAD'], 'git rev-parse HEAD')).trim();
    });
  }

  /** Points a ref at a commit, e.g. `refs/pull/1/head` as GitHub does for a pull request. */
  setRef(ref: string, sha: string): Promise<void> {
    const args = ['update-ref', validateRef(ref), validateSha(sha)];
    return this.#serial(async () => void (await this.#git(args, `git update-ref ${ref}`)));
  }

  /** A lightweight tag, as a GitHub release creates. */
  tag(name: string, sha: string): Promise<void> {
    return this.setRef(`refs/tags/${name}`, sha);
  }

  async #switchTo(branch: string): Promise<void> {
    if (await this.#has(branch)) {
      await this.#git(['switch', '--quiet', branch], `git switch to ${branch}`);
    } else if (await this.#has('main')) {
      await this.#git(['switch', '--quiet', '--create', branch, 'main'], `git switch to a new branch ${branch}`);
    } else if (branch !== 'main') {
      throw new SourceError('ref_not_found', `cannot create branch ${branch} from main: main has no commit yet; commit to main first`);
    }
  }

  async #has(branch: string): Promise<boolean> {
    const call = { args: ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], cwd: this.dir, env: env(), timeoutMs: TIMEOUT_MS, what: 'git rev-parse' };
    return (await runGit(call)).code === 0;
  }

  async #git(args: string[], what: string): Promise<string> {
    const result = await runGit({ args, cwd: this.dir, env: env(), timeoutMs: TIMEOUT_MS, what });
    if (result.code !== 0) throw new SourceError('git_failed', gitMessage(what, result.stderr, `Check the repository at ${this.dir}`));
    return result.stdout;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function env(): Record<string, string> {
  return {
    ...gitEnv(process.env, CONFIG),
    GIT_AUTHOR_NAME: IDENTITY.name,
    GIT_AUTHOR_EMAIL: IDENTITY.email,
    GIT_COMMITTER_NAME: IDENTITY.name,
    GIT_COMMITTER_EMAIL: IDENTITY.email,
  };
}

/** A branch name git accepts, which cannot be read as an option (`git branch` refuses "-x" too). */
function checkBranch(branch: string): void {
  validateRef(`refs/heads/${branch}`);
  if (branch.startsWith('-')) throw new SourceError('ref_invalid', `branch ${JSON.stringify(branch)} starts with "-"`);
}

/** A relative path inside the repository, in `/` form; never absolute, `..` or under `.git`. */
function checkPath(path: string): string {
  const normal = posix.normalize(path);
  const parts = normal.split('/');
  if (path === '' || isAbsolute(path) || path.includes('\\') || normal === '.' || parts.includes('..') || parts.includes('.git')) {
    throw new InputError('path_invalid', `${JSON.stringify(path)} is not a file path inside the repository`);
  }
  return normal;
}
