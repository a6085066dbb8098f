import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SlipwayError } from '../errors.js';
import { lockDataDir } from '../store/sqlite/lock.js';
import { removeDemoContainers } from './docker.js';

/** The file that marks a folder as the demo's: a folder without it is never emptied. */
export const DEMO_MARKER = '.slipway-demo';

const MARKER_TEXT = 'This folder was made by "slipway demo". Its next run deletes everything in it and starts again.\n';

/** Where the demo keeps its things, all inside one folder. */
export interface DemoDir {
  root: string;
  /** The local git repository standing in for demo/web on GitHub. */
  repo: string;
  /** The config file slipway runs with. */
  config: string;
  /** slipway's store.dataDir. */
  data: string;
}

/**
 * Makes `dir` ready for a new demo: created when missing, used when empty, emptied when a
 * previous demo made it (and no slipway runs on it), after removing the containers that demo
 * ran on the Docker Engine. Any other folder or file is refused.
 */
export async function prepareDemoDir(dir: string): Promise<DemoDir> {
  const root = resolve(dir);
  const paths = { root, repo: join(root, 'repo'), config: join(root, 'slipway.yaml'), data: join(root, 'data') };
  const found = await lstat(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (found !== null && !found.isDirectory()) {
    throw new SlipwayError('demo_dir_conflict', `${root} exists and is not a folder; pass --dir with a new or empty folder`);
  }
  const entries = found === null ? [] : await readdir(root);
  if (entries.length > 0) {
    const marker = await lstat(join(root, DEMO_MARKER)).catch(() => null);
    if (marker === null || !marker.isFile()) {
      throw new SlipwayError(
        'demo_dir_conflict',
        `${root} is not empty and was not made by "slipway demo" (it has no ${DEMO_MARKER} file); pass --dir with a new or empty folder`,
      );
    }
    // Refuses while a demo still runs on this folder (its store holds the lock); the lock goes with the rest.
    await mkdir(paths.data, { recursive: true });
    const unlock = lockDataDir(join(paths.data, 'slipway.lock'));
    // A demo with --target docker leaves containers that only its data folder can find again.
    await removeDemoContainers(paths.data).catch((error: unknown) => {
      unlock();
      throw error;
    });
    await Promise.all(entries.map((entry) => rm(join(root, entry), { recursive: true, force: true })));
  }
  await mkdir(root, { recursive: true });
  await writeFile(join(root, DEMO_MARKER), MARKER_TEXT);
  return paths;
}
