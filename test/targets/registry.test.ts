import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlipwayError } from '../../src/errors.js';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { createTarget, TARGET_TYPES, type TargetConfig } from '../../src/targets/registry.js';
import { createLogger } from '../../src/logger.js';
import { ProcessTarget } from '../../src/targets/process/process-target.js';
import { RouteTable } from '../../src/router/routes.js';
import { tempDir } from '../helpers/temp.js';
import { deployRequest, folders } from './helpers.js';

/** What targets are made with besides their config; no router unless a test gives one. */
const context = (dataDir: string, routes: RouteTable | null = null) => ({
  app: 'web',
  dataDir,
  routes,
  log: createLogger({ level: 'silent', pretty: false }),
  onRuntime: () => undefined,
});

test('a command target is made from its config and keeps state under <dataDir>/targets/command', async (t) => {
  const dataDir = tempDir(t);
  const { workdir } = folders(t);
  const target = createTarget({ type: 'command', deploy: ['true'], timeoutMs: 1000 }, context(dataDir));
  assert.ok(target instanceof CommandTarget);
  assert.equal(target.type, 'command');
  await target.apply(deployRequest(workdir));
  assert.deepEqual(readdirSync(join(dataDir, 'targets', 'command')), ['web.pr-7.json']);
});

test('an unknown target type names the valid ones', (t) => {
  assert.deepEqual(TARGET_TYPES, ['command', 'process']);
  const config = { type: 'proces' } as unknown as TargetConfig;
  assert.throws(
    () => createTarget(config, context(tempDir(t))),
    (error: unknown) =>
      error instanceof SlipwayError &&
      error.code === 'unknown_target' &&
      error.message === 'unknown target "proces"; expected one of: command, process',
  );
  const proto = { type: 'toString' } as unknown as TargetConfig;
  assert.throws(() => createTarget(proto, context(tempDir(t))), /unknown target "toString"/);
});

test('a command target needs a deploy command', (t) => {
  assert.throws(
    () => createTarget({ type: 'command', deploy: [], timeoutMs: 1000 }, context(tempDir(t))),
    /deploy must name a command/,
  );
});

test('a process target is made with the router\'s route table, and refused without one', (t) => {
  const routes = new RouteTable({ domain: 'localhost', publicPort: 8081 });
  const config = { type: 'process' as const, manifest: 'slipway.app.yaml', stopGraceMs: 1000 };
  assert.ok(createTarget(config, context(tempDir(t), routes)) instanceof ProcessTarget);
  assert.throws(() => createTarget(config, context(tempDir(t))), /needs the router/);
});
