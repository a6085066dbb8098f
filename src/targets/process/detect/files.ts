import { constants } from 'node:fs';
import { access, open, realpath, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { SlipwayError } from '../../../errors.js';
import { within } from '../../../paths.js';

/** Files detection reads are small; a bigger one is refused rather than read whole. */
const MAX_BYTES = 1024 * 1024;

export function detectError(message: string): SlipwayError {
  return new SlipwayError('target_process_detect', message);
}

/**
 * The files of a worktree as detection sees them: regular files and folders of the
 * repository. A symbolic link that leads out of the worktree counts as absent, so nothing
 * outside it is read (or quoted in an error).
 */
export class RepoFiles {
  private root: string | null = null;

  constructor(readonly workdir: string) {}

  /** The real path of `name` when it (and every link on the way) stays inside the worktree, else null. */
  private async inside(name: string): Promise<string | null> {
    this.root ??= await realpath(this.workdir);
    const real = await realpath(join(this.workdir, name)).catch(() => null);
    return real !== null && within(real, this.root) ? real : null;
  }

  async isFile(name: string): Promise<boolean> {
    const path = await this.inside(name);
    return path !== null && (await stat(path).then((info) => info.isFile(), () => false));
  }

  async isDir(name: string): Promise<boolean> {
    const path = await this.inside(name);
    return path !== null && (await stat(path).then((info) => info.isDirectory(), () => false));
  }

  /** The file's text, or null when it is not a file of the repository; with `head`, its first 4 KiB only. */
  async read(name: string, head = false): Promise<string | null> {
    const path = await this.inside(name);
    if (path === null) return null;
    const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => null);
    if (file === null) return null;
    try {
      const info = await file.stat();
      if (!info.isFile()) return null;
      if (info.size > MAX_BYTES && !head) throw detectError(`${name} is larger than ${MAX_BYTES / 1024 / 1024} MiB; slipway does not read it to detect the app`);
      const buffer = Buffer.alloc(Math.min(info.size, head ? 4096 : MAX_BYTES));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await file.close();
    }
  }
}

/** Where `program` is on `path` (a PATH value), or null. */
export async function findOnPath(program: string, path: string | undefined): Promise<string | null> {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, program);
    const ok = await access(candidate, constants.X_OK).then(() => stat(candidate).then((info) => info.isFile()), () => false);
    if (ok) return candidate;
  }
  return null;
}
