import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { join, parse } from 'node:path';
import { within } from '../paths.js';

/**
 * Where worktrees, unpacked artifacts and the homes of the app's processes live when
 * `store.workDir` is not set: `slipway-work-<hash of the data folder>` (one per slipway
 * instance) in the OS temp folder, or /var/tmp, or ~/.cache: the first outside slipway's
 * config and data folders, so code from a pull request finds no secret by walking up from
 * its worktree.
 */
export function defaultWorkDir(dataDir: string, configDir: string): string {
  const name = `slipway-work-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
  const candidates = [tmpdir(), '/var/tmp', join(homedir(), '.cache')].map((root) => join(root, name));
  return candidates.find((dir) => workDirProblem(dir, dataDir, configDir) === null) ?? join(tmpdir(), name);
}

/**
 * Why `workDir` cannot hold the code slipway runs, or null: it must not be inside (or hold)
 * the folder of the config file (null when running without one; not checked when it is the
 * file system's root) or the data folder, which hold secrets.
 */
export function workDirProblem(workDir: string, dataDir: string, configDir: string | null): string | null {
  // A config file in / holds every folder: there only its permissions protect it.
  const checked = configDir !== null && parse(configDir).root !== configDir;
  const folders = [['the data folder (store.dataDir)', dataDir], ...(checked ? [['the config file\'s folder', configDir]] : [])];
  for (const [what, folder] of folders as [string, string][]) {
    if (within(workDir, folder) || within(folder, workDir)) {
      return `the work folder ${workDir} overlaps ${what} ${folder}: the apps' code runs there and could read slipway's secrets; choose a folder outside both, e.g. /var/lib/slipway-work`;
    }
  }
  return null;
}
