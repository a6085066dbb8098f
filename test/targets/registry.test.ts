import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlipwayError } from '../../src/errors.js';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { createTarget, TARGET_TYPES, type TargetConfig } from '../../src/targets/registry.js';
import { tempDir } from '../helpers/temp.js';
import { deployRequest, folders } from './helpers.js';

test('a command target is made from its config and keeps state under <dataDir>/targets/command', async (t) => {
  const dataDir = tempDir(t);
  const { workdir } = folders(t);
  const target = createTarget({ type: 'command', deploy: ['true'], timeoutMs: 1000 }, { app: 'web', dataDir });
  assert.ok(target instanceof CommandTarget);
  assert.equal(target.type, 'command');
  await target.apply(deployRequest(workdir));
  assert.deepEqual(readdirSync(join(dataDir, 'targets', 'command')), ['web.pr-7.json']);
});

test('an unknown target type names the valid ones', (t) => {
  assert.deepEqual(TARGET_TYPES, ['command']);
  const config = { type: 'proces' } as unknown as TargetConfig;
  assert.throws(
    () => createTarget(config, { app: 'web', dataDir: tempDir(t) }),
    (error: unknown) =>
      error instanceof SlipwayError &&
      error.code === 'unknown_target' &&
      error.message === 'unknown target "proces"; expected one of: command',
  );
  const proto = { type: 'toString' } as unknown as TargetConfig;
  assert.throws(() => createTarget(proto, { app: 'web', dataDir: tempDir(t) }), /unknown target "toString"/);
});

test('a command target needs a deploy command', (t) => {
  assert.throws(
    () => createTarget({ type: 'command', deploy: [], timeoutMs: 1000 }, { app: 'web', dataDir: tempDir(t) }),
    /deploy must name a command/,
  );
});
