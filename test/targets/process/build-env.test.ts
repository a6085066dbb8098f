import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { capture, getJson, parseEnv } from '../helpers.js';
import { gitApp, request, setup } from './helpers.js';

// What the builds of the process target get from slipway's own environment (its proxies, npm's
// and pip's settings, and nothing else of it) and the dependency caches an app's builds share.
// Real checkouts of a real git repository, real builds and releases.

/** Answers its own environment. */
const SERVER = `require('node:http').createServer((req, res) => res.end(JSON.stringify(process.env))).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * Sets variables in slipway's own environment (this process's) for the test, as a slipway not
 * started by npm has it (`npm test` marks this process as an npm script's: see pass-through.ts).
 */
function slipwayEnv(t: TestContext, vars: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries({ npm_lifecycle_event: undefined, npm_command: undefined, ...vars })) {
    const before = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
    t.after(() => {
      if (before === undefined) delete process.env[name];
      else process.env[name] = before;
    });
  }
}

const PASSED = {
  HTTP_PROXY: 'http://proxy.test:3128',
  https_proxy: 'http://user:pass@proxy.test:3129',
  NO_PROXY: 'localhost,.internal',
  NPM_CONFIG_REGISTRY: 'https://npm.mirror.test/',
  npm_config_fund: 'false',
  PIP_INDEX_URL: 'https://pypi.mirror.test/simple',
};
const WITHHELD = { GITHUB_TOKEN: 'ghp-canary-31', SLIPWAY_WEBHOOK_SECRET: 'hook-canary-32', DATABASE_PASSWORD: 'db-canary-33' };

test("builds and the release step get slipway's proxies and npm/pip settings, and nothing else of its environment; the release itself gets none", async (t) => {
  const { root, routes, target } = setup(t);
  // slipway's own npm cache (its user's) is not the app's: the app's shared one wins.
  slipwayEnv(t, { ...PASSED, ...WITHHELD, NPM_CONFIG_CACHE: '/root/.npm' });
  const manifest = gitApp(join(root, 'manifest'), {
    'slipway.app.yaml': 'build: env > build-env.txt\nstart: node server.cjs\n',
    'server.cjs': SERVER,
  });
  const out = capture();
  await target.apply(request(manifest.checkout('a'), { env: 'staging', sha: manifest.sha, vars: { API_URL: 'https://api.test' }, log: out.log }));
  const build = parseEnv(readFileSync(join(root, 'manifest', 'worktrees', 'a', 'build-env.txt'), 'utf8'));
  for (const [name, value] of Object.entries(PASSED)) assert.equal(build[name], value, name);
  for (const name of Object.keys(WITHHELD)) assert.equal(build[name], undefined, `${name} stays out of the build`);
  assert.equal(build.NPM_CONFIG_CACHE, undefined);
  assert.equal(build.npm_config_cache, join(root, 'work', 'caches', 'web', 'npm'));
  assert.equal(build.API_URL, 'https://api.test', "the config's variables reach it");
  assert.deepEqual([build.SLIPWAY_APP, build.SLIPWAY_SHA, build.SLIPWAY_ENV, build.SLIPWAY_URL], ['web', manifest.sha, undefined, undefined], 'told what it builds, not where it goes');
  const runtime = await getJson<Record<string, string>>(routes.ports.get('staging') ?? 0);
  for (const name of [...Object.keys(PASSED), ...Object.keys(WITHHELD), 'npm_config_cache', 'PIP_CACHE_DIR']) assert.equal(runtime[name], undefined, `${name} does not reach the release`);
  assert.doesNotMatch(out.text(), /canary|user:pass/);

  // A Procfile's release: step is a build step too, with the environment's facts.
  const procfile = gitApp(join(root, 'procfile'), { Procfile: 'web: node server.cjs\nrelease: env > release-env.txt\n', 'server.cjs': SERVER });
  const worktree = procfile.checkout('b');
  await target.apply(request(worktree, { env: 'preview', sha: procfile.sha }));
  const release = parseEnv(readFileSync(join(worktree, 'release-env.txt'), 'utf8'));
  for (const [name, value] of Object.entries(PASSED)) assert.equal(release[name], value, name);
  for (const name of Object.keys(WITHHELD)) assert.equal(release[name], undefined, `${name} stays out of the release step`);
  assert.equal(release.SLIPWAY_ENV, 'preview');
});

test("an app's builds share its dependency caches, in the work folder: a build of another sha finds what the first left there", async (t) => {
  const { root, target } = setup(t);
  const build = [
    'ls "$npm_config_cache" "$PIP_CACHE_DIR" > seen.txt 2>&1',
    'mkdir -p "$npm_config_cache" "$PIP_CACHE_DIR"',
    'echo "$SLIPWAY_SHA" > "$npm_config_cache/npm-$SLIPWAY_SHA"',
    'echo "$SLIPWAY_SHA" > "$PIP_CACHE_DIR/pip-$SLIPWAY_SHA"',
    'echo "$XDG_CACHE_HOME" > xdg.txt',
  ].join('\n');
  const app = gitApp(root, { 'slipway.app.yaml': 'build: sh build.sh\nstart: node server.cjs\n', 'build.sh': build, 'server.cjs': SERVER });
  const second = app.origin.commitFiles('main', { 'notes.txt': 'another commit' });
  await target.apply(request(app.checkout('a'), { env: 'staging', sha: app.sha }));
  const later = app.checkout('b', second);
  await target.apply(request(later, { env: 'preview', sha: second }));
  const seen = readFileSync(join(later, 'seen.txt'), 'utf8');
  assert.match(seen, new RegExp(`npm-${app.sha}`), "the second build saw npm's cache the first filled");
  assert.match(seen, new RegExp(`pip-${app.sha}`), "and pip's");
  const caches = join(root, 'work', 'caches', 'web');
  assert.equal(readFileSync(join(later, 'xdg.txt'), 'utf8').trim(), caches);
  assert.deepEqual(readdirSync(join(caches, 'npm')).sort(), [`npm-${app.sha}`, `npm-${second}`].sort());
});

test("npm's real cache goes to the app's shared folder, not to the environment's home", async (t) => {
  const { root, target } = setup(t);
  const app = gitApp(root, {
    // web: runs node itself: an npm start would keep its own log in the release's HOME.
    Procfile: 'web: node server.cjs\n',
    'package.json': '{"name":"x","version":"1.0.0"}',
    'package-lock.json': '{"name":"x","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"x","version":"1.0.0"}}}',
    'server.cjs': SERVER,
  });
  const out = capture();
  await target.apply(request(app.checkout('a'), { env: 'staging', sha: app.sha, log: out.log }));
  assert.match(out.text(), /slipway: building .*: npm ci\n/);
  const logs = join(root, 'work', 'caches', 'web', 'npm', '_logs');
  assert.ok(existsSync(logs) && readdirSync(logs).some((name) => name.endsWith('-debug-0.log')), 'npm ci wrote its log into the shared cache');
  assert.equal(existsSync(join(root, 'work', 'homes', 'web', 'staging', '.npm')), false);
});
