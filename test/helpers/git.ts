import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A real git repository in a temp folder, standing in for the GitHub remote. */
export class Origin {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.git('init', '-q', '-b', 'main');
  }

  get url(): string {
    return `file://${this.dir}`;
  }

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
    }).trim();
  }

  /** Commits `content` to `file` on `branch` (created from main when missing); returns the sha. */
  commit(branch: string, content: string, file = 'version.txt'): string {
    return this.commitFiles(branch, { [file]: content }, content);
  }

  /**
   * Commits several files (path → content, folders made as needed) on `branch` (created from
   * main when missing) with `message`; returns the sha.
   */
  commitFiles(branch: string, files: Record<string, string>, message = Object.keys(files).join(', ')): string {
    const exists = this.git('branch', '--list', branch).length > 0;
    const started = this.git('branch', '--list').length > 0;
    if (exists) this.git('checkout', '-q', branch);
    else if (started) this.git('checkout', '-q', '-b', branch, 'main');
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(this.dir, file)), { recursive: true });
      writeFileSync(join(this.dir, file), content);
    }
    this.git('add', '--', ...Object.keys(files));
    this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  /** Points `refs/pull/N/head` at a sha, as GitHub does for pull requests. */
  pullHead(number: number, sha: string): void {
    this.git('update-ref', `refs/pull/${number}/head`, sha);
  }
}
