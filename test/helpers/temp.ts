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
  // After hooks run in the order they were added, so a slipway started in this folder after it
  // was made may still be writing in it (git filling a mirror) until its own hook closes it:
  // the removal is then tried again once the test file's work is done, never failing the test.
  const options = { recursive: true, force: true, maxRetries: 5, retryDelay: 50 };
  const remove = () => {
    rmSync(dir, options);
    for (const data of ['data', '.slipway']) rmSync(defaultWorkDir(join(dir, data), dir), options);
  };
  t.after(() => {
    try {
      remove();
    } catch {
      process.once('beforeExit', () => {
        try {
          remove();
        } catch {
          // Left in the temporary folder, as an interrupted test leaves it.
        }
      });
    }
  });
  return dir;
}
