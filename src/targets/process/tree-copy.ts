import { constants } from 'node:fs';
import { chmod, copyFile, lchown, lstat, mkdir, open, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** A user and group to give files to. */
export interface Owner {
  uid: number;
  gid: number;
}

export interface CopyOptions {
  /** Who gets the copies (the user builds run as); null: slipway's own user. */
  owner: Owner | null;
  /** Names at the top of the source that are not copied (`.git`: a worktree keeps its own). */
  skip: readonly string[];
  /**
   * No one but slipway's user can change the source while it is copied (a sealed build, a
   * fresh checkout, or builds that run as slipway's user): files are copied by path, as
   * reflinks where the file system can. Otherwise each file is read through a handle opened
   * without following links, so a link put in its place is not followed.
   */
  trusted: boolean;
  /** Gives the owner write permission on every copy (an environment's copy of a sealed build is its own to change). */
  writable: boolean;
}

/** Files up to this size are read whole, larger ones streamed. */
const IN_ONE_READ = 1024 * 1024;
/** Files copied at once: each holds a handle or two while it is copied. */
const PARALLEL_FILES = 16;

/** Runs at most `max` tasks at once. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    while (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Copies what `from` holds into `to` (made when missing): folders, files (their permission
 * bits, without set-id bits) and symbolic links (as links, never followed), owned by
 * `options.owner`. What `to` holds at those names is replaced; what else it holds (files a
 * release wrote there) is left. Other kinds of files (sockets, pipes) are left out.
 */
export async function copyTree(from: string, to: string, options: CopyOptions): Promise<void> {
  const gate = new Gate(PARALLEL_FILES);

  const file = async (source: string, target: string, mode: number): Promise<void> => {
    await gate.run(async () => {
      if (options.trusted) {
        await copyFile(source, target, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
        return;
      }
      const input = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const output = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        if ((await input.stat()).size > IN_ONE_READ) {
          await pipeline(input.createReadStream({ autoClose: false }), output.createWriteStream());
        } else {
          await output.writeFile(await input.readFile()).finally(() => output.close());
        }
      } finally {
        await input.close();
      }
    });
    await finish(target, mode);
  };

  const finish = async (target: string, mode: number): Promise<void> => {
    if (options.owner !== null) await lchown(target, options.owner.uid, options.owner.gid);
    await chmod(target, (mode & 0o777) | (options.writable ? 0o200 : 0));
  };

  const folder = async (source: string, target: string, top: boolean): Promise<void> => {
    await mkdir(target, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    const names = (await readdir(source)).filter((name) => !top || !options.skip.includes(name));
    await Promise.all(names.map((name) => entry(join(source, name), join(target, name))));
  };

  const entry = async (source: string, target: string): Promise<void> => {
    const info = await lstat(source);
    const existing = await lstat(target).catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    });
    // A folder is filled in place; anything else at the target (a file, a link, which is never followed) is replaced.
    if (existing !== null && !(info.isDirectory() && existing.isDirectory())) await rm(target, { recursive: true, force: true });
    if (info.isDirectory()) {
      await folder(source, target, false);
      await finish(target, info.mode | 0o700);
    } else if (info.isFile()) {
      await file(source, target, info.mode);
    } else if (info.isSymbolicLink()) {
      await symlink(await readlink(source), target);
      if (options.owner !== null) await lchown(target, options.owner.uid, options.owner.gid);
    }
  };

  const root = await lstat(from);
  await folder(from, to, true);
  await finish(to, root.mode | 0o700);
}

/**
 * Makes a finished build read-only, so that no release, of any environment, changes it: no
 * write permission anywhere, and, when `reclaim` (builds ran as another user), owned by
 * slipway's user. Top down: a folder is closed before what it holds is looked at, and each
 * entry is changed through a handle opened without following links, so a link put in its
 * place changes nothing. A file hard-linked elsewhere (a package manager's store) is shared
 * with that place and left as it is.
 */
export async function sealTree(dir: string, reclaim: boolean): Promise<void> {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const gate = new Gate(PARALLEL_FILES);
  const seal = async (path: string): Promise<void> => {
    const folder = await gate.run(() => sealOne(path));
    if (folder) await Promise.all((await readdir(path)).map((name) => seal(join(path, name))));
  };
  /** Seals one entry; whether it is a folder. */
  const sealOne = async (path: string): Promise<boolean> => {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(async (error: NodeJS.ErrnoException) => {
      // A link (which has no permissions of its own) or a socket; or, as slipway's own user, a file it may not read.
      if (error.code === 'ELOOP' || error.code === 'ENXIO') return null;
      if (error.code === 'EACCES' && !reclaim) {
        await chmod(path, 0o400);
        return open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      }
      throw error;
    });
    if (handle === null) return false;
    try {
      const info = await handle.stat();
      const folder = info.isDirectory();
      if (!folder && info.nlink > 1) return false;
      if (reclaim) await handle.chown(uid, gid);
      await handle.chmod((info.mode & 0o555) | (folder ? 0o500 : 0o400));
      return folder;
    } finally {
      await handle.close();
    }
  };
  await seal(dir);
}

/** Removes a tree, sealed or not: its folders get their write permission back first (which root does not need). */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
  }
  const unlock = async (path: string): Promise<void> => {
    const info = await lstat(path).catch(() => null);
    if (info === null || !info.isDirectory()) return;
    await chmod(path, (info.mode & 0o777) | 0o700);
    await Promise.all((await readdir(path)).map((name) => unlock(join(path, name))));
  };
  await unlock(dir);
  await rm(dir, { recursive: true, force: true });
}
