import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { capture } from '../helpers.js';
import { ask, request, setup, SHA1, SHA2, until, worktree } from './helpers.js';

// The app's page shows files of the image: the Dockerfile copies the whole context, and
// the app lists /app. Build context rules (.dockerignore, links, the Dockerfile's place) and
// the image's source (built, or run as CI pushed it) are checked through it.
const LISTING = `
const fs = require('node:fs');
const http = require('node:http');
http.createServer((req, res) => res.end(JSON.stringify({ version: fs.readdirSync('/app').sort().join(' '), env: { GREETING: process.env.GREETING ?? '' } }))).listen(Number(process.env.PORT), '0.0.0.0');
`;

test('the build context honours .dockerignore and build arguments reach the build', async (t) => {
  const { app, root, base, routes, target } = await setup(t, { health: { path: null, timeoutMs: 15_000 }, buildArgs: { GREETING: 'hello from a build arg' } });
  const dockerfile = `FROM ${base}\nARG GREETING\nENV GREETING=$GREETING\nWORKDIR /app\nCOPY . .\nCMD ["node", "listing.cjs"]\n`;
  const workdir = worktree(root, 'a', base, {
    dockerfile,
    files: { 'listing.cjs': LISTING, '.dockerignore': 'secrets\n*.log\n', 'secrets/key.pem': 'private', 'debug.log': 'noise', 'docs/guide.md': 'kept' },
  });
  await target.apply(request(app, workdir));
  const page = await ask(routes.ports.get('pr-7') ?? 0);
  assert.equal(page.version, '.dockerignore Dockerfile VERSION docs listing.cjs server.cjs');
  assert.equal(page.env.GREETING, 'hello from a build arg');
});

test("slipway's proxies reach the build as Docker's predefined build arguments (buildArgs win), nothing else of its environment does", async (t) => {
  const { app, root, base, routes, target } = await setup(t, { health: { path: null, timeoutMs: 15_000 }, buildArgs: { NO_PROXY: 'from-config' } });
  const own = { HTTP_PROXY: 'http://proxy.test:3128', https_proxy: 'http://proxy.test:3129', NO_PROXY: 'localhost', GITHUB_TOKEN: 'ghp-canary-77' };
  for (const [name, value] of Object.entries(own)) {
    const before = process.env[name];
    process.env[name] = value;
    t.after(() => (before === undefined ? delete process.env[name] : (process.env[name] = before)));
  }
  const dockerfile = `FROM ${base}\nRUN echo "proxies: $HTTP_PROXY $https_proxy $NO_PROXY token: [$GITHUB_TOKEN]"\nWORKDIR /app\nCOPY server.cjs VERSION ./\nCMD ["node", "server.cjs"]\n`;
  const out = capture();
  await target.apply(request(app, worktree(root, 'a', base, { dockerfile }), { log: out.log }));
  assert.match(out.text(), /proxies: http:\/\/proxy\.test:3128 http:\/\/proxy\.test:3129 from-config token: \[\]\n/);
  const { env } = await ask(routes.ports.get('pr-7') ?? 0);
  assert.equal(env.HTTP_PROXY, undefined, 'build arguments only: the container does not run with them');
});

test('a build context or Dockerfile that leaves the repository through a link is refused', async (t) => {
  const { app, root, base, target } = await setup(t, { context: 'app' });
  const workdir = worktree(root, 'a', base);
  symlinkSync('/etc', join(workdir, 'app'));
  await assert.rejects(target.apply(request(app, workdir)), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_docker_context');
    assert.equal(error.message, 'the build context app leaves the repository (through a symbolic link); it must be inside it');
    return true;
  });
  const { target: other, app: otherApp } = await setup(t, { dockerfile: 'build/Dockerfile' });
  const second = worktree(root, 'b', base);
  mkdirSync(join(second, 'build'));
  symlinkSync('/etc/passwd', join(second, 'build', 'Dockerfile'));
  await assert.rejects(other.apply(request(otherApp, second)), /^SlipwayError: the Dockerfile build\/Dockerfile leaves the repository/);
});

test('a link inside the context is sent as a link, never followed out of the repository', async (t) => {
  const { app, root, base, routes, target } = await setup(t, { health: { path: null, timeoutMs: 15_000 } });
  const dockerfile = `FROM ${base}\nWORKDIR /app\nCOPY . .\nCMD ["node", "-e", "require('node:http').createServer((q, s) => s.end(JSON.stringify({ version: require('node:fs').readlinkSync('/app/passwd') }))).listen(8080)"]\n`;
  const workdir = worktree(root, 'a', base, { dockerfile });
  symlinkSync('/etc/shadow', join(workdir, 'passwd'));
  await target.apply(request(app, workdir));
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, '/etc/shadow', 'the link itself, not the file it names');
});

test('a Dockerfile outside the build context is sent with it, as docker build does', async (t) => {
  const { app, root, base, routes, target } = await setup(t, { context: 'site', dockerfile: 'deploy/Dockerfile', health: { path: null, timeoutMs: 15_000 } });
  const workdir = worktree(root, 'a', base, {
    dockerfile: '',
    files: { 'deploy/Dockerfile': `FROM ${base}\nWORKDIR /app\nCOPY . .\nCMD ["node", "listing.cjs"]\n`, 'site/listing.cjs': LISTING, 'site/index.html': '<h1>hi</h1>' },
  });
  assert.equal((await target.apply(request(app, workdir))).builtBy, 'deploy/Dockerfile (context site/)');
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, 'index.html listing.cjs');
});

test('a missing Dockerfile says which file it looked for', async (t) => {
  const { app, root, base, target } = await setup(t, { dockerfile: 'docker/web.Dockerfile' });
  await assert.rejects(target.apply(request(app, worktree(root, 'a', base))), /^SlipwayError: no docker\/web\.Dockerfile in the repository at this commit \(target\.dockerfile names it\)$/);
});

test('image: runs the image CI pushed for the sha, and one that cannot be pulled fails readably', async (t) => {
  const { app, root, base, docker, routes, target } = await setup(t, { image: `registry.test/acme/${'{app}'}:{sha}` });
  // What CI would have pushed: an image built elsewhere, here tagged on the engine already.
  const built = await setup(t);
  await built.target.apply(request(built.app, worktree(root, 'ci', base, { version: 'from ci' })));
  await docker.getImage(`slipway/${built.app}:${SHA1}`).tag({ repo: `registry.test/acme/${app}`, tag: SHA1 });
  t.after(() => docker.getImage(`registry.test/acme/${app}:${SHA1}`).remove().catch(() => undefined));
  const out = capture();
  const result = await target.apply(request(app, join(root, 'nowhere'), { log: out.log }));
  assert.equal(result.builtBy, `image registry.test/acme/${app}:${SHA1}`);
  assert.match(out.text(), new RegExp(`the image registry.test/acme/${app}:${SHA1} is on the engine already; using it`));
  assert.equal((await ask(routes.ports.get('pr-7') ?? 0)).version, 'from ci');

  await assert.rejects(target.apply(request(app, join(root, 'nowhere'), { sha: SHA2 })), (error: Error & { code?: string }) => {
    assert.match(error.message, new RegExp(`^pulling registry.test/acme/${app}:${SHA2}: the Docker Engine said: .*registry.test`));
    return true;
  });
});

const SLOW_BUILD = (base: string) => `FROM ${base}\nRUN ["node", "-e", "setTimeout(() => {}, 30000)"]\nCMD ["node", "server.cjs"]\n`;

test('a build that passes target.buildTimeout is stopped, and the deployment says so', async (t) => {
  const { app, root, base, docker, target } = await setup(t, { buildTimeoutMs: 1500 });
  const started = Date.now();
  await assert.rejects(target.apply(request(app, worktree(root, 'a', base, { dockerfile: SLOW_BUILD(base) }))), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_docker_build_timeout');
    assert.match(error.message, /^building slipway\/web-[0-9a-f]+:1{40} took longer than target\.buildTimeout \(1s\); stopped; its last output:\n( {2}.*\n)* {2}Step 2\/\d+ : RUN \["node", "-e"/);
    return true;
  });
  assert.ok(Date.now() - started < 10_000, 'stopped well before the build would have ended');
  await until('the engine stopped the build step', async () => (await buildSteps(docker)).length === 0);
});

test('a cancelled deployment stops its build', async (t) => {
  const { app, root, base, docker, target } = await setup(t);
  const controller = new AbortController();
  const out = capture((text) => {
    if (text.includes('Step 2/')) setTimeout(() => controller.abort(), 300);
  });
  await assert.rejects(target.apply(request(app, worktree(root, 'a', base, { dockerfile: SLOW_BUILD(base) }), { signal: controller.signal, log: out.log })), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_cancelled');
    return true;
  });
  await until('the engine stopped the build step', async () => (await buildSteps(docker)).length === 0);
});

/** Containers of the legacy builder running the slow step. */
async function buildSteps(docker: import('dockerode')): Promise<string[]> {
  const list = await docker.listContainers();
  return list.filter((container) => container.Command.includes('setTimeout(() => {}, 30000)')).map((container) => container.Id);
}
