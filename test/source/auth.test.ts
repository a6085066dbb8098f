import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { SourceError } from '../../src/source/errors.js';
import { GitSource } from '../../src/source/git-source.js';
import { authConfig, gitEnv, scrub, secretsOf } from '../../src/source/git-env.js';
import { tempDir } from '../helpers/temp.js';
import { makeOrigin } from './origin.js';

const TOKEN = 'ghp_s3cretT0kenValue1234567890abcdef';
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

test('the token becomes an Authorization header for https remotes of that host only', () => {
  assert.deepEqual(authConfig('https://github.com/acme/web.git', { token: TOKEN }), [
    ['http.https://github.com/.extraheader', `Authorization: Basic ${BASIC}`],
  ]);
  assert.deepEqual(authConfig('https://git.example.com:8443/acme/web', { token: TOKEN })[0]?.[0], 'http.https://git.example.com:8443/.extraheader');
  for (const url of ['file:///srv/git/web.git', '/srv/git/web.git', 'ssh://git@github.com/acme/web.git', 'git@github.com:acme/web.git', 'http://github.com/acme/web.git']) {
    assert.deepEqual(authConfig(url, { token: TOKEN }), [], url);
  }
  assert.deepEqual(authConfig('https://github.com/acme/web.git', {}), []);
  assert.deepEqual(authConfig('https://github.com/acme/web.git', undefined), []);
});

test('git runs with prompts off, C locale, and no inherited GIT_* that could redirect or trace it', () => {
  const env = gitEnv(
    {
      PATH: '/usr/bin',
      HOME: '/home/x',
      GIT_DIR: '/elsewhere/.git',
      GIT_WORK_TREE: '/elsewhere',
      GIT_INDEX_FILE: '/elsewhere/index',
      GIT_CONFIG_PARAMETERS: "'core.sshcommand'='touch x'",
      GIT_CONFIG_COUNT: '1',
      GIT_TRACE_CURL: '1',
      GIT_ASKPASS: '/bin/echo',
      SSH_ASKPASS: '/bin/echo',
      GIT_SSH_COMMAND: 'ssh -i /keys/deploy',
    },
    authConfig('https://github.com/acme/web.git', { token: TOKEN }),
  );
  assert.deepEqual(env, {
    PATH: '/usr/bin',
    HOME: '/home/x',
    GIT_SSH_COMMAND: 'ssh -i /keys/deploy',
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    SSH_ASKPASS_REQUIRE: 'never',
    LC_ALL: 'C',
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'core.hooksPath',
    GIT_CONFIG_VALUE_0: '/dev/null',
    GIT_CONFIG_KEY_1: 'http.https://github.com/.extraheader',
    GIT_CONFIG_VALUE_1: `Authorization: Basic ${BASIC}`,
  });
});

test('real git reads the header from the environment, for that host and no other', () => {
  const run = (url: string) =>
    spawnSync('git', ['config', '--get-urlmatch', 'http.extraheader', url], {
      env: gitEnv(process.env, authConfig('https://github.com/acme/web.git', { token: TOKEN })),
      encoding: 'utf8',
    });
  assert.equal(run('https://github.com/acme/web.git').stdout.trim(), `Authorization: Basic ${BASIC}`);
  assert.equal(run('https://github.com/other/repo.git').stdout.trim(), `Authorization: Basic ${BASIC}`);
  assert.equal(run('https://evil.example.com/acme/web.git').status, 1);
});

test('scrub removes the token, its base64 forms and URL credentials', () => {
  const stderr = [
    `fatal: unable to access 'https://x-access-token:${TOKEN}@github.com/acme/web.git/': 403`,
    `> Authorization: Basic ${BASIC}`,
    `token ${Buffer.from(TOKEN).toString('base64')} and ${TOKEN}`,
    `https://deploy:hunter2@git.example.com/x.git`,
  ].join('\n');
  const clean = scrub(stderr, secretsOf({ token: TOKEN }));
  for (const secret of [TOKEN, BASIC, Buffer.from(TOKEN).toString('base64'), 'hunter2']) assert.equal(clean.includes(secret), false, secret);
  assert.match(clean, /https:\/\/\*\*\*@github\.com\/acme\/web\.git/);
  assert.equal(scrub('nothing secret', secretsOf({})), 'nothing secret');
});

for (const kind of ['fixed', 'asked for per remote'] as const) {
  test(`the token (${kind}) reaches git only through the environment, for the https remote only, and never an error`, async (t) => {
    const root = tempDir(t);
    // A `git` first on PATH that records its argv and GIT_CONFIG_* environment, then runs the real git.
    const realGit = join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git');
    const log = join(root, 'calls.log');
    writeFileSync(
      join(root, 'git'),
      `#!/bin/sh\nprintf 'ARGV %s\\n' "$*" >> '${log}'\nenv | grep '^GIT_CONFIG_VALUE' | sed 's/^/ENV /' >> '${log}'\nexec '${realGit}' "$@"\n`,
    );
    chmodSync(join(root, 'git'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${root}:${path ?? ''}`;
    t.after(() => {
      process.env.PATH = path;
    });
    // A port nothing listens on: git fails to connect without leaving this machine.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));

    const lines: string[] = [];
    // A GitHub App's installation token is asked for each time git reaches an https remote.
    const asked: string[] = [];
    const auth = kind === 'fixed' ? { token: TOKEN } : (remote: string) => {
      asked.push(remote);
      return Promise.resolve({ token: TOKEN });
    };
    const source = new GitSource({ cacheDir: join(root, 'cache'), auth, log: (msg, fields) => lines.push(msg + JSON.stringify(fields)) });
    const https = `https://deploy:hunter2@127.0.0.1:${port}/acme/web.git`;
    for (const attempt of [source.resolve(https, 'refs/heads/main'), source.checkout(https, 'refs/heads/main', 'a'.repeat(40), join(root, 'wt'))]) {
      const error = await attempt.catch((e: unknown) => e);
      assert.ok(error instanceof SourceError && error.code === 'remote_unreachable', String(error));
      for (const secret of [TOKEN, BASIC, 'hunter2']) assert.equal(error.message.includes(secret) || String(error.stack).includes(secret), false);
      assert.match(error.message, /127\.0\.0\.1/);
    }
    const https_calls = readFileSync(log, 'utf8');
    assert.match(https_calls, new RegExp(`^ENV GIT_CONFIG_VALUE_1=Authorization: Basic ${BASIC}$`, 'm'), 'the header went to git');
    writeFileSync(log, '');

    const origin = makeOrigin(t);
    const sha = await source.resolve(origin.url, 'refs/heads/main');
    await source.checkout(origin.url, 'refs/heads/main', sha, join(root, 'wt'));
    const file_calls = readFileSync(log, 'utf8');
    assert.match(file_calls, /ARGV .*ls-remote/);
    assert.match(file_calls, /ARGV .*fetch/);
    assert.equal(file_calls.includes('Authorization'), false, 'no header for a file:// remote');
    if (kind !== 'fixed') assert.ok(asked.length >= 2 && asked.every((remote) => remote === https), 'asked for the https remote only');
    for (const text of [https_calls, file_calls, lines.join('\n')]) {
      const argv = text.split('\n').filter((line) => !line.startsWith('ENV '));
      for (const secret of [TOKEN, BASIC]) assert.equal(argv.join('\n').includes(secret), false);
    }
  });
}
