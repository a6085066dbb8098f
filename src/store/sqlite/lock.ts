import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { StoreError } from '../errors.js';

/**
 * An embedded store belongs to one process: a lock file holding our pid keeps a second
 * slipway from opening the same data folder. A lock left by a dead process is taken over.
 */
export function lockDataDir(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new StoreError(
          'store_locked',
          `the data folder is in use by another slipway (pid ${owner}); stop it, or delete ${file} if no slipway runs`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new StoreError('store_locked', `could not lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
