import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { capture } from '../helpers.js';
import { alive, ask, MANIFEST, request, setup, SHA1, SHA2, worktree } from './helpers.js';

test('a healthy deploy routes the environment to the app, which runs with PORT and SLIPWAY_* only', async (t) => {
  const { root, routes, statuses, target } = setup(t);
  const workdir = worktree(root, 'a', `${MANIFEST}env: { NODE_ENV: production, WORKERS: 2 }\n`);
  process.env.SLIPWAY_TEST_NOT_INHERITED = 'leak';
  t.after(() => delete process.env.SLIPWAY_TEST_NOT_INHERITED);
  const out = capture();
  const result = await target.apply(request(workdir, { log: out.log }));

  assert.deepEqual(result, { url: 'http://pr-7.web.slipway.test', builtBy: 'manifest slipway.app.yaml' });
  const port = routes.ports.get('pr-7');
  assert.ok(port !== undefined);
  assert.deepEqual(routes.calls, ['starting web/pr-7', `set web/pr-7 ${port}`]);
  const { env } = await ask(port);
  assert.equal(env.PORT, String(port));
  assert.deepEqual(
    Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('SLIPWAY_'))),
    {
      SLIPWAY_APP: 'web',
      SLIPWAY_ENV: 'pr-7',
      SLIPWAY_SHA: SHA1,
      SLIPWAY_REF: 'refs/pull/7/head',
      SLIPWAY_PR: '7',
      SLIPWAY_BRANCH: 'feature/login',
      SLIPWAY_EVENT: 'pull_request.synchronize',
      SLIPWAY_DEPLOYMENT_ID: '42',
      SLIPWAY_URL: 'http://pr-7.web.slipway.test',
    },
  );
  assert.equal(env.NODE_ENV, 'production');
  assert.equal(env.WORKERS, '2');
  assert.equal(env.SLIPWAY_TEST_NOT_INHERITED, undefined, 'only PATH, HOME and LANG come from slipway');
  assert.match(out.text(), new RegExp(`starting 111111111111 on port ${port}: node server.cjs\n`));
  assert.deepEqual(await target.list(), [{ app: 'web', env: 'pr-7', sha: SHA1 }]);
  assert.deepEqual(statuses, [{ app: 'web', env: 'pr-7', state: 'running', restarts: 0, lastExitCode: null, lastSignal: null }]);
});

test('applying the sha that runs healthy again changes nothing', async (t) => {
  const { root, routes, target } = setup(t);
  const workdir = worktree(root, 'a', MANIFEST);
  await target.apply(request(workdir));
  const calls = routes.calls.length;
  const out = capture();
  assert.deepEqual(await target.apply(request(workdir, { log: out.log })), { url: 'http://pr-7.web.slipway.test', builtBy: 'manifest slipway.app.yaml' });
  assert.equal(routes.calls.length, calls);
  assert.match(out.text(), /already runs, healthy/);
  assert.equal(readFileSync(join(workdir, 'pids'), 'utf8').trim().split('\n').length, 1, 'started once');
});

test('a new sha is switched to once healthy, then the old process is stopped', async (t) => {
  const { root, routes, stateDir, target } = setup(t);
  const first = worktree(root, 'a', MANIFEST);
  const second = worktree(root, 'b', `${MANIFEST}env: { HEALTHY_AFTER_MS: 300 }\n`);
  await target.apply(request(first));
  const oldPort = routes.ports.get('pr-7') ?? 0;
  const old = await ask(oldPort);

  await target.apply(request(second, { sha: SHA2 }));
  const newPort = routes.ports.get('pr-7') ?? 0;
  assert.notEqual(newPort, oldPort);
  assert.deepEqual(routes.calls.slice(2), [`set web/pr-7 ${newPort}`, `drained ${oldPort}`]);
  assert.equal(alive(old.pid), false, 'the old process is gone');
  assert.equal((await ask(newPort)).env.SLIPWAY_SHA, SHA2);
  assert.deepEqual(await target.list(), [{ app: 'web', env: 'pr-7', sha: SHA2 }]);
  assert.equal(readdirSync(join(stateDir, 'logs')).length, 1, 'only the running release keeps its log');
});

test('build runs once per sha in its worktree, its output in the deployment log', async (t) => {
  const { root, target } = setup(t);
  const build = 'build: echo "compiling $SLIPWAY_SHA" && echo x >> built\n';
  const first = worktree(root, 'a', `${build}${MANIFEST}`);
  const second = worktree(root, 'b', `build: [sh, -c, "echo from argv; echo x >> built"]\n${MANIFEST}`);
  const out = capture();
  await target.apply(request(first, { log: out.log }));
  assert.match(out.text(), /slipway: building 111111111111: echo "compiling \$SLIPWAY_SHA" && echo x >> built\n/);
  assert.match(out.text(), new RegExp(`compiling ${SHA1}\n`));

  await target.apply(request(second, { sha: SHA2, log: out.log }));
  assert.match(out.text(), /from argv\n/);
  const again = capture();
  await target.apply(request(first, { log: again.log }));
  assert.match(again.text(), /111111111111 is already built in this worktree; not building again/);
  assert.doesNotMatch(again.text(), /compiling/);
  assert.equal(readFileSync(join(first, 'built'), 'utf8'), 'x\n');
  assert.equal(readFileSync(join(second, 'built'), 'utf8'), 'x\n');
});

test('config vars override the manifest env and never reach a log', async (t) => {
  const { root, routes, logged, stateDir, target } = setup(t);
  const secret = 's3cr3t-token-value';
  const workdir = worktree(root, 'a', `build: "true"\n${MANIFEST}env: { TOKEN: from-manifest, MODE: manifest }\n`);
  const out = capture();
  await target.apply(request(workdir, { vars: { TOKEN: secret }, log: out.log }));
  const { env } = await ask(routes.ports.get('pr-7') ?? 0);
  assert.equal(env.TOKEN, secret);
  assert.equal(env.MODE, 'manifest');
  assert.ok(logged.length > 0);
  assert.doesNotMatch(out.text() + logged.join(''), new RegExp(secret));
  // The record keeps the environment to restart the process: only slipway's user may read it.
  assert.equal(statSync(join(stateDir, 'web.pr-7.json')).mode & 0o777, 0o600);
});
