import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import dockerignoreModule from '@balena/dockerignore';
import tar from 'tar-fs';
import { SlipwayError } from '../../errors.js';

// A CommonJS module whose types declare an ES default export: imported from ESM, the module itself is the function.
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

/** A build context ready to send: a tar stream, and the Dockerfile's name inside it. */
export interface BuildContext {
  tar: Readable;
  dockerfile: string;
}

const inside = (root: string, path: string) => path === root || path.startsWith(root + sep);
const posix = (path: string) => path.split(sep).join('/');

function outside(what: string, path: string): SlipwayError {
  return new SlipwayError('target_docker_context', `${what} ${path} leaves the repository (through a symbolic link); it must be inside it`);
}

/**
 * Packs the build context `context` of the worktree `workdir`, as `docker build` does: the
 * context's `.dockerignore` leaves files out (the Dockerfile and `.dockerignore` are always
 * sent), symbolic links are sent as links, never followed, and a Dockerfile outside the
 * context is sent under a name of its own. The context and the Dockerfile must resolve inside
 * the worktree: a pull request cannot make slipway send files from elsewhere on this machine.
 */
export async function packContext(workdir: string, context: string, dockerfile: string): Promise<BuildContext> {
  const root = await realpath(workdir);
  const dir = await realpath(join(root, context)).catch(() => {
    throw new SlipwayError('target_docker_context', `the build context ${context} is not in the repository at this commit`);
  });
  if (!inside(root, dir)) throw outside('the build context', context);
  if (!(await stat(dir)).isDirectory()) throw new SlipwayError('target_docker_context', `the build context ${context} is not a folder`);
  const file = await realpath(join(root, dockerfile)).catch(() => {
    throw new SlipwayError('target_docker_no_dockerfile', `no ${dockerfile} in the repository at this commit (target.dockerfile names it)`);
  });
  if (!inside(root, file)) throw outside('the Dockerfile', dockerfile);
  if (!(await stat(file)).isFile()) throw new SlipwayError('target_docker_no_dockerfile', `${dockerfile} is not a file`);

  const inContext = inside(dir, file);
  const name = inContext ? posix(relative(dir, file)) : `.slipway-dockerfile-${randomBytes(6).toString('hex')}`;
  const always = new Set(['.dockerignore', name]);
  const rules = await readIgnore(join(dir, '.dockerignore'));
  const ignored = rules === null ? () => false : excluder(rules);
  // A folder is skipped whole only when no `!` rule could bring back a file inside it.
  const skipsFolders = rules === null || !rules.some((rule) => rule.trim().startsWith('!'));
  // A Dockerfile from outside is added, and left out of the image's files as docker build
  // does: through a .dockerignore that also names it (and itself).
  const added = inContext ? null : { dockerfile: await readFile(file), ignore: [...(rules ?? []), name, '.dockerignore'].join('\n') };
  const pack = tar.pack(dir, {
    dereference: false,
    ignore: (path) => {
      const rel = posix(relative(dir, path));
      if (added !== null && rel === '.dockerignore') return true;
      if (always.has(rel) || !ignored(rel)) return false;
      return skipsFolders || !isFolder(path);
    },
    ...(added === null
      ? {}
      : {
          finalize: false,
          finish: (stream) => {
            stream.entry({ name, mode: 0o644 }, added.dockerfile);
            stream.entry({ name: '.dockerignore', mode: 0o644 }, added.ignore);
            stream.finalize();
          },
        }),
  });
  return { tar: pack, dockerfile: name };
}

/** The lines of a `.dockerignore`, or null when there is none (a link is not followed: it is ignored). */
async function readIgnore(path: string): Promise<string[] | null> {
  const info = await lstat(path).catch(() => null);
  if (info === null || !info.isFile()) return null;
  return (await readFile(path, 'utf8')).split(/\r?\n/);
}

function excluder(rules: string[]): (path: string) => boolean {
  const keep = dockerignore({ ignorecase: false }).add(rules).createFilter();
  return (path) => !keep(path);
}

/** Synchronous lstat for tar-fs's ignore callback, which cannot wait. */
function isFolder(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
