import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startServer } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { processesIn } from '../helpers/processes.js';
import { appFiles, freePort, Hooks } from '../helpers/process-app.js';
import { SECRET } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// A pull request's build is code slipway does not trust: it must not see slipway's secrets,
// neither in its environment nor in slipway's config and data folders. The build below tries
// both (relative paths above its worktree and absolute paths), and calls slipway's API from this
// machine to list and destroy environments, and prints what it finds into the deployment's log,
// which the test then reads from slipway's database.

const ROOT_RUN = process.getuid?.() === 0;

function lastDeployment(dataDir: string): { state: string; log: string } | undefined {
  const db = new Database(join(dataDir, 'slipway.db'), { readonly: true });
  try {
    return db.prepare('SELECT state, log FROM deployments ORDER BY id DESC LIMIT 1').get() as { state: string; log: string } | undefined;
  } finally {
    db.close();
  }
}

test('a preview build sees none of slipway\'s secrets: not its environment, not its config or data folder', { timeout: 90_000 }, async (t) => {
  const root = tempDir(t);
  // The temp folder is private to root by default; the build user must reach its work folder.
  chmodSync(root, 0o711);
  const configDir = join(root, 'config');
  const dataDir = join(configDir, 'data');
  const workDir = join(root, 'work');
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  // A secret slipway keeps in its data folder (a folder an older slipway left readable to all).
  writeFileSync(join(dataDir, 'canary.secret'), 'data-canary-5d2b\n', { mode: 0o600 });
  chmodSync(dataDir, 0o755);
  const origin = new Origin(join(root, 'origin'));
  const configFile = join(configDir, 'slipway.yaml');
  const port = await freePort();
  writeFileSync(
    configFile,
    `# file-canary-7c1e
server: { host: 127.0.0.1, port: ${port} }
store: { dataDir: data, workDir: ${workDir} }
router: { host: 127.0.0.1, port: 0, domain: localhost }
apps:
  - name: web
    repo: acme/web
    url: ${origin.url}
    environments:
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
`,
    { mode: 0o600 },
  );
  const probe = [
    'echo "cwd=$(pwd)"',
    'echo "uid=$(id -u)"',
    'echo "home=$HOME"',
    'env | sed "s/^/env: /"',
    'cat ../../../../slipway.yaml ../../../slipway.yaml ../../../../../slipway.yaml',
    `cat ${configFile}`,
    `cat ${join(dataDir, 'canary.secret')}`,
    `ls ${dataDir}`,
    // The API from this machine, without a token: a list, and a destroy as a web page would send it.
    `node -e ${JSON.stringify([
      '(async () => {',
      `const list = await fetch('http://127.0.0.1:${port}/api/environments');`,
      "console.log('api-list=' + list.status + ' ' + (await list.text()));",
      `const destroy = await fetch('http://127.0.0.1:${port}/api/environments/web/pr-1/destroy', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });`,
      "console.log('api-destroy=' + destroy.status);",
      '})()',
    ].join(' '))}`,
    'echo probe-done',
  ].join('; ');
  const manifest = `build: ${JSON.stringify(probe)}\nstart: node server.js\nhealth: { path: /healthz, timeout: 10s }\n`;
  origin.commitFiles('main', appFiles('main v1'));
  const head = origin.commitFiles('feature/x', appFiles('pr v1', manifest));

  // A proxy setting of slipway's own environment is passed on to builds; its secrets are not.
  const env = { SLIPWAY_WEBHOOK_SECRET: SECRET, GITHUB_TOKEN: 'ghp-canary-token-91', SLIPWAY_API_TOKEN: 'api-canary-token-42', HTTPS_PROXY: 'http://proxy.test:3128' };
  const server = await startServer(t, ['--config', configFile], { cwd: root, env, fromConfig: true });
  t.after(async () => {
    if (server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    // slipway leaves its releases running for its next start to adopt: the preview goes with the test.
    for (const found of processesIn(workDir)) process.kill(found.pid, 'SIGKILL');
  });
  await new Hooks(origin, () => server.url, SECRET).pullRequest('opened', 1, 'feature/x', head);
  const deployment = await eventually(async () => {
    const last = lastDeployment(dataDir);
    return last !== undefined && last.state !== 'in_progress' && last.state !== 'queued' ? last : undefined;
  }, 60_000);
  const log = deployment.log;
  assert.match(log, /probe-done/, `the build ran:\n${log}`);
  assert.equal(deployment.state, 'success', log);

  for (const secret of [SECRET, 'ghp-canary-token-91', 'api-canary-token-42', 'file-canary-7c1e', 'data-canary-5d2b']) {
    assert.ok(!log.includes(secret), `the build found ${secret}:\n${log}`);
  }
  const names = [...log.matchAll(/^env: ([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((match) => match[1] ?? '');
  // Besides those slipway sets: proxies and npm's and pip's settings, when slipway's environment has them.
  const unexpected = names.filter((name) => !/^(PATH|HOME|LANG|LANGUAGE|LC_[A-Z]+|TZ|PORT|PWD|SHLVL|_|SLIPWAY_[A-Z_]+|XDG_CACHE_HOME|(?:HTTPS?|NO)_PROXY|(?:https?|no)_proxy|npm_config_\w+|NPM_CONFIG_\w+|PIP_\w+)$/.test(name));
  assert.deepEqual(unexpected, [], 'only the allowed variables reach the build');
  assert.match(log, /^env: HTTPS_PROXY=http:\/\/proxy\.test:3128$/m);
  assert.match(log, new RegExp(`^env: npm_config_cache=${workDir}/caches/web/npm$`, 'm'), "npm's cache is the app's, in the work folder");
  assert.ok(!names.includes('SLIPWAY_WEBHOOK_SECRET') && !names.includes('SLIPWAY_API_TOKEN'));
  assert.match(log, /^api-list=401 /m, 'the API does not answer the build without the token');
  assert.ok(!/api-list=401 .*pr-1/m.test(log), 'and lists no environment to it');
  assert.match(log, /^api-destroy=401$/m, 'nor destroys an environment for it');
  const cwd = /^cwd=(.*)$/m.exec(log)?.[1] ?? '';
  assert.ok(cwd.startsWith(`${workDir}/`), `the build runs in the work folder: ${cwd}`);
  assert.ok(!cwd.startsWith(configDir) && !cwd.startsWith(dataDir), `not in the config or data folder: ${cwd}`);
  const home = /^home=(.*)$/m.exec(log)?.[1] ?? '';
  assert.ok(home.startsWith(`${workDir}/`), `its HOME is its own, in the work folder: ${home}`);
  assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'the data folder is private to slipway');
  if (ROOT_RUN) {
    assert.match(log, /^uid=65534$/m, 'run as root, slipway runs the build as nobody');
    assert.match(log, /canary\.secret: Permission denied/, 'and it cannot read the data folder');
    assert.match(log, /slipway\.yaml: Permission denied/, 'nor the config file');
  }
});

test('a config file other users can read is warned about at start; a private one is not', async (t) => {
  const root = tempDir(t);
  mkdirSync(join(root, 'config'));
  const file = join(root, 'config', 'slipway.yaml');
  const env = { SLIPWAY_WEBHOOK_SECRET: SECRET };
  for (const [mode, warned] of [[0o644, true], [0o600, false]] as const) {
    writeFileSync(file, `store: { dataDir: data, workDir: ${join(root, 'work')} }\n`);
    chmodSync(file, mode);
    const server = await startServer(t, ['--config', file], { cwd: root, env });
    server.child.kill('SIGTERM');
    await server.exited;
    assert.equal(/can be read by other users.*chmod 600/.test(server.output()), warned, server.output());
  }
});
