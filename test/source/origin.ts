import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestContext } from 'node:test';
import { tempDir } from '../helpers/temp.js';

/** git for building fixtures: the user's config and inherited GIT_* variables do not apply. */
export function git(cwd: string, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: cwd, LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const config = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false'];
  return execFileSync('git', [...config, ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface Origin {
  dir: string;
  /** `file://` URL of the origin repository. */
  url: string;
  /** Commits `files` on the checked-out branch and returns the new sha. */
  commit(message: string, files?: Record<string, string>): string;
  sha(rev: string): string;
}

/**
 * A repository standing in for GitHub, in a temp folder: `main` with two commits, `feature/x`,
 * an annotated tag `v1`, a lightweight tag `v2`, and `refs/pull/7/head` made with
 * `git update-ref` the way GitHub keeps pull request heads.
 */
export function makeOrigin(t: TestContext): Origin {
  const root = tempDir(t, 'slipway-origin-');
  const dir = join(root, 'origin');
  git(root, 'init', '--quiet', '-b', 'main', dir);
  let counter = 0;
  const origin: Origin = {
    dir,
    url: pathToFileURL(dir).href,
    commit(message, files = { 'app.txt': `${message}\n` }) {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      git(dir, 'add', '--all');
      git(dir, 'commit', '--quiet', '--allow-empty', '-m', `${message} ${++counter}`);
      return git(dir, 'rev-parse', 'HEAD');
    },
    sha: (rev) => git(dir, 'rev-parse', `${rev}^{commit}`),
  };
  origin.commit('first');
  git(dir, 'tag', '-a', 'v1', '-m', 'release v1');
  origin.commit('second');
  git(dir, 'tag', 'v2');
  git(dir, 'checkout', '--quiet', '-b', 'feature/x');
  origin.commit('feature work', { 'feature.txt': 'feature\n' });
  git(dir, 'update-ref', 'refs/pull/7/head', 'HEAD');
  git(dir, 'checkout', '--quiet', 'main');
  return origin;
}
