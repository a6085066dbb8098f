import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { defaultWorkDir } from '../../src/config/work-dir.js';

/**
 * A fresh folder removed after the test, with the default work folder of a slipway whose
 * config file is in it (data in `data` or `.slipway`). Anyone may write in it: when the
 * tests run as root, slipway runs the apps' commands as nobody, and test commands write
 * their journals here.
 */
export function tempDir(t: TestContext, prefix = 'slipway-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o777);
  // After hooks run in the order they were added, so a slipway started in this folder may still
  // be writing in it (git making a mirror, say): retried, as rm -rf would be again.
  const options = { recursive: true, force: true, maxRetries: 20, retryDelay: 50 };
  t.after(() => {
    rmSync(dir, options);
    for (const data of ['data', '.slipway']) rmSync(defaultWorkDir(join(dir, data), dir), options);
  });
  return dir;
}
