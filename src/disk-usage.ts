import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Files stat'ed at once: enough to keep the disk busy, few enough to leave file handles for the rest. */
const STAT_BATCH = 64;

export interface DiskUsage {
  bytes: number;
  files: number;
}

/**
 * The bytes of the files under `dir` (their sizes, links not followed), walked with
 * asynchronous calls a batch at a time, so a folder of a million files never holds the
 * event loop. A missing folder, or a file removed during the walk, counts as nothing.
 * `skip` names folders (by path) left out: those counted apart.
 */
export async function diskUsage(dir: string, skip: readonly string[] = []): Promise<DiskUsage> {
  const total = { bytes: 0, files: 0 };
  const folders = [dir];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    const files: string[] = [];
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skip.includes(path)) folders.push(path);
      } else if (entry.isFile()) {
        files.push(path);
      }
    }
    for (let start = 0; start < files.length; start += STAT_BATCH) {
      const sizes = await Promise.all(files.slice(start, start + STAT_BATCH).map((file) => lstat(file).then((found) => found.size, () => null)));
      for (const size of sizes) {
        if (size === null) continue;
        total.bytes += size;
        total.files += 1;
      }
    }
  }
  return total;
}

/** The folders `depth` levels below `dir` (`<app>/<env>/<sha>` is depth 3); none when it is missing. */
export async function foldersAt(dir: string, depth: number): Promise<string[]> {
  let level = [dir];
  for (let step = 0; step < depth; step += 1) {
    const next = await Promise.all(level.map(async (folder) => {
      const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
      return entries.filter((entry) => entry.isDirectory()).map((entry) => join(folder, entry.name));
    }));
    level = next.flat();
  }
  return level;
}
