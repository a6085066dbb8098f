import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlipwayError } from '../../src/errors.js';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { createTarget, TARGET_TYPES, type TargetConfig } from '../../src/targets/registry.js';
import { createLogger } from '../../src/logger.js';
import { ProcessTarget } from '../../src/targets/process/process-target.js';
import { RouteTable } from '../../src/router/routes.js';
import { tempDir } from '../helpers/temp.js';
import { resolveRunAs } from '../../src/targets/run-as.js';
import { capture, deployRequest, folders } from './helpers.js';

/** What targets are made with besides their config; no router unless a test gives one. */
const context = (dataDir: string, routes: RouteTable | null = null) => ({
  app: 'web',
  dataDir,
  workDir: join(dataDir, '..', 'work'),
  routes,
  log: createLogger({ level: 'silent', pretty: false }),
  onRuntime: () => undefined,
});

test('a command target is made from its config and keeps state under <dataDir>/targets/command', async (t) => {
  const { workdir, root } = folders(t);
  const dataDir = join(root, 'data');
  const target = createTarget({ type: 'command', deploy: ['id', '-u'], timeoutMs: 1000 }, context(dataDir));
  assert.ok(target instanceof CommandTarget);
  assert.equal(target.type, 'command');
  const out = capture();
  await target.apply(deployRequest(workdir, { log: out.log }));
  assert.deepEqual(readdirSync(join(dataDir, 'targets', 'command')), ['web.pr-7.json']);
  // Run as root, slipway runs the commands as nobody; run as anyone else, as that user.
  const uid = process.getuid?.();
  assert.match(out.text(), new RegExp(`^${uid === 0 ? 65534 : uid}$`, 'm'));
  assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'the data folder is private');
  assert.equal(statSync(join(root, 'work')).mode & 0o777, 0o711, 'the work folder can be passed, not listed');
});

test('target.user: refused when slipway cannot switch to it, unknown users named', () => {
  assert.deepEqual(resolveRunAs(undefined, 0), { uid: 65534, gid: 65534, label: 'nobody' });
  assert.deepEqual(resolveRunAs('1500:1600', 0), { uid: 1500, gid: 1600, label: '1500:1600' });
  assert.deepEqual(resolveRunAs('1500', 0), { uid: 1500, gid: 1500, label: '1500' });
  assert.equal(resolveRunAs('root', 0), null, 'root by name: as slipway itself');
  assert.equal(resolveRunAs(undefined, 1000), null, 'not root: as slipway itself');
  assert.equal(resolveRunAs('1000', 1000), null, 'not root, and naming that same user');
  assert.throws(() => resolveRunAs('nobody', 1000), (error: SlipwayError) => error.code === 'target_user_not_root' && /cannot switch users: remove target.user/.test(error.message));
  assert.throws(() => resolveRunAs('no-such-user-x', 0), (error: SlipwayError) => error.code === 'target_user_unknown' && /no user named "no-such-user-x"/.test(error.message));
});

test('an unknown target type names the valid ones', (t) => {
  assert.deepEqual(TARGET_TYPES, ['command', 'docker', 'process']);
  const config = { type: 'proces' } as unknown as TargetConfig;
  assert.throws(
    () => createTarget(config, context(tempDir(t))),
    (error: unknown) =>
      error instanceof SlipwayError &&
      error.code === 'unknown_target' &&
      error.message === 'unknown target "proces"; expected one of: command, docker, process',
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
  const config = { type: 'process' as const, manifest: 'slipway.app.yaml', stopGraceMs: 1000, logMaxBytes: 1024, logFiles: 2, buildTimeoutMs: 900_000 };
  assert.ok(createTarget(config, context(tempDir(t), routes)) instanceof ProcessTarget);
  assert.throws(() => createTarget(config, context(tempDir(t))), /needs the router/);
});
