import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { capture, deployRequest, folders, parseEnv, script } from './helpers.js';

const config = { type: 'command' as const, deploy: ['./deploy.sh'], timeoutMs: 30_000 };

test('deploy runs in the worktree with exactly the documented variables, and no secret of slipway', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  process.env.SLIPWAY_TEST_SECRET = 'hunter2-parent-secret';
  process.env.GITHUB_TOKEN = 'ghp_parent_token';
  t.after(() => {
    delete process.env.SLIPWAY_TEST_SECRET;
    delete process.env.GITHUB_TOKEN;
  });
  // The first element is found in the worktree, runs there, and gets the other elements as they are.
  script(workdir, 'deploy.sh', 'pwd -P > cwd.txt\nprintf "[%s]" "$@" > args.txt');
  const args = ['--atomic', 'a b', '$HOME', '*'];
  await new CommandTarget({ ...config, deploy: ['./deploy.sh', ...args] }, { app: 'web', stateDir, workspace }).apply(deployRequest(workdir));
  assert.equal(readFileSync(join(workdir, 'cwd.txt'), 'utf8').trim(), realpathSync(workdir));
  assert.equal(readFileSync(join(workdir, 'args.txt'), 'utf8'), args.map((arg) => `[${arg}]`).join(''));

  // `env` straight from PATH, no shell in between: what it prints is exactly what it got.
  const target = new CommandTarget({ ...config, deploy: ['env'], url: 'https://{env}.{app}.example.com' }, { app: 'web', stateDir, workspace });
  const out = capture();
  const result = await target.apply(
    deployRequest(workdir, { log: out.log, vars: { DATABASE_URL: 'postgres://db/pr7', API_KEY: 'from-config' } }),
  );
  const env = parseEnv(out.text());
  const expected: Record<string, string> = {
    SLIPWAY_APP: 'web',
    SLIPWAY_ENV: 'pr-7',
    SLIPWAY_SHA: '0123456789abcdef0123456789abcdef01234567',
    SLIPWAY_REF: 'refs/pull/7/head',
    SLIPWAY_PR: '7',
    SLIPWAY_BRANCH: 'feature/login',
    SLIPWAY_EVENT: 'pull_request.synchronize',
    SLIPWAY_DEPLOYMENT_ID: '42',
    SLIPWAY_URL: 'https://pr-7.web.example.com',
    DATABASE_URL: 'postgres://db/pr7',
    API_KEY: 'from-config',
  };
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && /^(PATH|LANG|LANGUAGE|TZ|LC_[A-Z]+)$/.test(name)) expected[name] = value;
  }
  // A home of its own, in the work folder, not slipway's.
  expected.HOME = join(workspace.workDir, 'homes', 'web', 'pr-7');
  assert.deepEqual(env, expected);
  assert.doesNotMatch(out.text(), /hunter2|ghp_parent_token/);
  assert.deepEqual(result, { url: 'https://pr-7.web.example.com' });
});

test('a deployment without a PR, branch or url gets no SLIPWAY_PR, SLIPWAY_BRANCH or SLIPWAY_URL, whatever vars say', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  const target = new CommandTarget({ ...config, deploy: ['env'] }, { app: 'web', stateDir, workspace });
  const out = capture();
  const result = await target.apply(
    deployRequest(workdir, {
      env: 'staging',
      pr: null,
      branch: null,
      ref: 'refs/heads/main',
      event: 'push',
      log: out.log,
      vars: { SLIPWAY_PR: '99', SLIPWAY_ENV: 'production', REGION: 'eu' },
    }),
  );
  const env = parseEnv(out.text());
  assert.equal(env.SLIPWAY_PR, undefined);
  assert.equal(env.SLIPWAY_BRANCH, undefined);
  assert.equal(env.SLIPWAY_URL, undefined);
  assert.equal(env.SLIPWAY_ENV, 'staging', 'slipway variables win over vars');
  assert.equal(env.SLIPWAY_EVENT, 'push');
  assert.equal(env.REGION, 'eu');
  assert.deepEqual(result, { url: null });
});

test('a branch name full of shell metacharacters reaches the command literally and nothing runs it', async (t) => {
  const { workdir, stateDir, root, workspace } = folders(t);
  const victim = join(root, 'victim');
  writeFileSync(victim, 'still here');
  const branch = [
    `$(touch ${root}/pwned1)`,
    `\`touch ${root}/pwned2\``,
    `; touch ${root}/pwned3; rm -rf ${victim}`,
    `&& touch ${root}/pwned4 | tee ${root}/pwned5 > ${root}/pwned6`,
    `'"\\ $HOME \${PATH} * ? ~ # \n second line`,
  ].join(' ');
  script(workdir, 'deploy.sh', `printf '%s' "$SLIPWAY_BRANCH" > branch.txt\necho "branch: $SLIPWAY_BRANCH"`);
  const target = new CommandTarget({ ...config, url: 'https://{branch}.{app}.example.com' }, { app: 'web', stateDir, workspace });
  const out = capture();
  const result = await target.apply(deployRequest(workdir, { branch, log: out.log }));

  assert.equal(readFileSync(join(workdir, 'branch.txt'), 'utf8'), branch);
  for (const n of [1, 2, 3, 4, 5, 6]) assert.equal(existsSync(join(root, `pwned${n}`)), false, `pwned${n}`);
  assert.equal(readFileSync(victim, 'utf8'), 'still here');
  assert.ok(out.text().includes(`branch: ${branch}`));
  // In the URL the branch is a slug: payload text cannot change the URL's shape.
  assert.match(result.url ?? '', /^https:\/\/[a-z0-9-]{1,63}\.web\.example\.com$/);
});
