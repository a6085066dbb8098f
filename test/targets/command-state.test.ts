import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlipwayError } from '../../src/errors.js';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { capture, deployRequest, destroyRequest, folders, parseEnv, script } from './helpers.js';

const SHA1 = '1111111111111111111111111111111111111111';
const SHA2 = '2222222222222222222222222222222222222222';

test('list() shows what was applied and not destroyed, across instances sharing the folder', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  script(workdir, 'deploy.sh', 'echo "$SLIPWAY_ENV $SLIPWAY_SHA" >> deploys.log');
  script(workdir, 'destroy.sh', 'env > "destroyed-$SLIPWAY_ENV.env"');
  const config = { type: 'command' as const, deploy: ['./deploy.sh'], destroy: ['./destroy.sh'], timeoutMs: 10_000 };
  const target = new CommandTarget(config, { app: 'web', stateDir, workspace });
  assert.deepEqual(await target.list(), []);

  await target.apply(deployRequest(workdir, { env: 'staging', sha: SHA1, pr: null, branch: 'main', ref: 'refs/heads/main' }));
  await target.apply(deployRequest(workdir, { env: 'pr-7', sha: SHA1 }));
  await target.apply(deployRequest(workdir, { env: 'pr-7', sha: SHA2 }));
  await target.apply(deployRequest(workdir, { env: 'pr-7', sha: SHA2 }));
  // Applying again just runs deploy again; it is still one environment.
  assert.equal(readFileSync(join(workdir, 'deploys.log'), 'utf8'), `staging ${SHA1}\npr-7 ${SHA1}\npr-7 ${SHA2}\npr-7 ${SHA2}\n`);
  assert.deepEqual(await target.list(), [
    { app: 'web', env: 'pr-7', sha: SHA2 },
    { app: 'web', env: 'staging', sha: SHA1 },
  ]);
  assert.deepEqual(readdirSync(stateDir).sort(), ['web.pr-7.json', 'web.staging.json']);
  assert.equal((await new CommandTarget(config, { app: 'web', stateDir, workspace }).list()).length, 2, 'another instance sees the same');

  await target.destroy(destroyRequest(workdir, { env: 'pr-7', vars: { TOKEN: 'x' } }));
  const env = parseEnv(readFileSync(join(workdir, 'destroyed-pr-7.env'), 'utf8'));
  assert.equal(env.SLIPWAY_APP, 'web');
  assert.equal(env.SLIPWAY_ENV, 'pr-7');
  assert.equal(env.SLIPWAY_SHA, SHA2, 'destroy knows the sha last deployed');
  assert.equal(env.SLIPWAY_PR, '7');
  assert.equal(env.TOKEN, 'x');
  assert.deepEqual(await target.list(), [{ app: 'web', env: 'staging', sha: SHA1 }]);
});

test('destroy of an environment never deployed is harmless and runs nothing', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  script(workdir, 'destroy.sh', 'touch ran');
  const target = new CommandTarget({ type: 'command', deploy: ['true'], destroy: ['./destroy.sh'], timeoutMs: 10_000 }, { app: 'web', stateDir, workspace });
  const out = capture();
  await target.destroy(destroyRequest(workdir, { env: 'pr-404', log: out.log }));
  await target.destroy(destroyRequest(null, { env: 'pr-404' }));
  assert.equal(existsSync(join(workdir, 'ran')), false);
  assert.match(out.text(), /nothing to destroy/);
  assert.deepEqual(await target.list(), []);
});

test('without a destroy command, destroy forgets the environment', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  const target = new CommandTarget({ type: 'command', deploy: ['true'], timeoutMs: 10_000 }, { app: 'web', stateDir, workspace });
  await target.apply(deployRequest(workdir));
  assert.equal((await target.list()).length, 1);
  await target.destroy(destroyRequest(null));
  assert.deepEqual(await target.list(), []);
});

test('a failed deploy stays listed for the orphan sweep; a failed destroy keeps the record', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  script(workdir, 'deploy.sh', 'exit 1');
  script(workdir, 'destroy.sh', 'exit 2');
  const target = new CommandTarget(
    { type: 'command', deploy: ['./deploy.sh'], destroy: ['./destroy.sh'], timeoutMs: 10_000 },
    { app: 'web', stateDir, workspace },
  );
  await assert.rejects(target.apply(deployRequest(workdir)), /deploy command exited with code 1/);
  assert.deepEqual(await target.list(), [{ app: 'web', env: 'pr-7', sha: deployRequest(workdir).sha }]);
  await assert.rejects(target.destroy(destroyRequest(workdir)), /destroy command exited with code 2/);
  assert.equal((await target.list()).length, 1);
});

test('destroy without a worktree: a path command fails clearly, a command on PATH runs in a scratch folder', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  const relative = new CommandTarget(
    { type: 'command', deploy: ['true'], destroy: ['./destroy.sh'], timeoutMs: 10_000 },
    { app: 'web', stateDir, workspace },
  );
  await relative.apply(deployRequest(workdir));
  await assert.rejects(relative.destroy(destroyRequest(null)), (error: unknown) => {
    assert.ok(error instanceof SlipwayError);
    assert.equal(error.code, 'target_command_no_worktree');
    assert.match(error.message, /no worktree was given; check out 0123456789abcdef/);
    return true;
  });
  const onPath = new CommandTarget({ type: 'command', deploy: ['true'], destroy: ['pwd'], timeoutMs: 10_000 }, { app: 'web', stateDir, workspace });
  const out = capture();
  await onPath.destroy(destroyRequest(null, { log: out.log }));
  assert.match(out.text(), /slipway-destroy-/);
  assert.deepEqual(await onPath.list(), []);
});

test('names that are not DNS labels never become file names', async (t) => {
  const { workdir, stateDir, root, workspace } = folders(t);
  const target = new CommandTarget({ type: 'command', deploy: ['true'], timeoutMs: 10_000 }, { app: 'web', stateDir, workspace });
  for (const env of ['../../escape', 'a/b', 'Upper', '', 'x'.repeat(64), '-lead']) {
    await assert.rejects(target.apply(deployRequest(workdir, { env })), /is not a slugged DNS label/);
  }
  assert.deepEqual(readdirSync(root).sort(), ['worktree']);
});

test('a damaged record is reported with its file, not skipped', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  const target = new CommandTarget({ type: 'command', deploy: ['true'], timeoutMs: 10_000 }, { app: 'web', stateDir, workspace });
  await target.apply(deployRequest(workdir));
  writeFileSync(join(stateDir, 'web.pr-7.json'), '{"app":');
  await assert.rejects(target.list(), /cannot read the command target's record .*web\.pr-7\.json; .*delete the file/);
});

test('each app lists only its own environments, though the state folder is shared', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  script(workdir, 'destroy-web.sh', 'touch web-destroyed');
  script(workdir, 'destroy-api.sh', 'touch api-destroyed');
  const web = new CommandTarget({ type: 'command', deploy: ['true'], destroy: ['./destroy-web.sh'], timeoutMs: 10_000 }, { app: 'web', stateDir, workspace });
  const api = new CommandTarget({ type: 'command', deploy: ['true'], destroy: ['./destroy-api.sh'], timeoutMs: 10_000 }, { app: 'api', stateDir, workspace });
  await web.apply(deployRequest(workdir, { app: 'web', env: 'pr-1' }));
  await api.apply(deployRequest(workdir, { app: 'api', env: 'pr-1' }));
  assert.deepEqual((await web.list()).map((env) => `${env.app}/${env.env}`), ['web/pr-1']);
  assert.deepEqual((await api.list()).map((env) => `${env.app}/${env.env}`), ['api/pr-1']);
  await assert.rejects(api.destroy(destroyRequest(workdir, { app: 'web', env: 'pr-1' })), (error: unknown) => {
    assert.ok(error instanceof SlipwayError);
    assert.equal(error.code, 'target_wrong_app');
    return true;
  });
  await web.destroy(destroyRequest(workdir, { app: 'web', env: 'pr-1' }));
  assert.ok(existsSync(join(workdir, 'web-destroyed')));
  assert.equal(existsSync(join(workdir, 'api-destroyed')), false);
  assert.deepEqual(await web.list(), []);
  assert.equal((await api.list()).length, 1);
});
