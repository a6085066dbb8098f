import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import type { Env } from '../../src/config/expand.js';

/** The rendered problem lines for a config that must be refused. */
export function problems(text: string, env: Env = {}, file = 'slipway.yaml'): string[] {
  const error = configError(() => parseConfig(text, file, env, '/srv'));
  return error.message.split('\n');
}

export function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

export async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

/** A fresh folder per test, removed afterwards. */
export async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
