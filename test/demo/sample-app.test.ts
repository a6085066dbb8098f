import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parse } from 'yaml';
import { sampleAppFiles, type SampleRelease } from '../../src/demo/sample-app.js';
import { tempDir } from '../helpers/temp.js';

/** Writes the app's files and runs `node server.js` as its manifest says, with a free port. */
async function startApp(t: TestContext, release: SampleRelease, env: Record<string, string>, inside: 'module' | null = null) {
  // `inside: 'module'`: the app's folder sits inside an ES-module package, as in a slipway checkout.
  const parent = tempDir(t);
  if (inside !== null) writeFileSync(join(parent, 'package.json'), JSON.stringify({ type: inside }));
  const dir = join(parent, 'app');
  mkdirSync(dir);
  for (const [path, content] of Object.entries(sampleAppFiles(release))) writeFileSync(join(dir, path), content);
  const child = spawn(process.execPath, ['server.js'], { cwd: dir, env: { PATH: process.env.PATH, PORT: '0', ...env } });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => void child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /on (http:\/\/[\d.]+:\d+\/)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`the app exited with ${code}: ${output}`)));
  });
  return { child, url, exited };
}

test('the manifest starts server.js and checks /healthz', () => {
  const manifest: unknown = parse(sampleAppFiles({ version: '1', message: 'm' })['slipway.app.yaml'] ?? '');
  assert.deepEqual(manifest, { start: 'node server.js', health: { path: '/healthz', timeout: '30s' } });
});

test('with a base image, the app has a Dockerfile that starts it as the manifest does, listening on every interface', () => {
  const files = sampleAppFiles({ version: '1', message: 'm' }, { dockerBase: 'node:20-alpine' });
  assert.equal(sampleAppFiles({ version: '1', message: 'm' }).Dockerfile, undefined, 'none without');
  const instructions = (files.Dockerfile ?? '').split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  assert.deepEqual(instructions, ['FROM node:20-alpine', 'WORKDIR /app', 'COPY . .', 'ENV HOST=0.0.0.0', 'CMD ["node", "server.js"]']);
  assert.equal(files['.dockerignore'], '.git\n');
});

test('locally it listens on 127.0.0.1 only; HOST (which its image sets to 0.0.0.0) moves it', async (t) => {
  assert.match((await startApp(t, { version: '1', message: 'm' }, {})).url, /^http:\/\/127\.0\.0\.1:/);
  const { url } = await startApp(t, { version: '1', message: 'm' }, { HOST: '0.0.0.0' });
  assert.match(url, /^http:\/\/0\.0\.0\.0:\d+\/$/);
  assert.equal((await fetch(url.replace('0.0.0.0', '127.0.0.1'))).status, 200);
});

test('the page says which environment, version and commit it serves; /healthz answers', async (t) => {
  const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
  const { url } = await startApp(t, { version: '1.0.0', message: 'Hello from main' }, { SLIPWAY_APP: 'web', SLIPWAY_ENV: 'staging', SLIPWAY_SHA: sha });
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
  const html = await page.text();
  assert.match(html, /<title>web · staging · v1\.0\.0 · a1b2c3d<\/title>/);
  assert.match(html, /<h1>Hello from main<\/h1>/);
  assert.equal((await fetch(new URL('/healthz', url))).status, 200);
  assert.equal((await fetch(new URL('/nothing', url))).status, 404);
});

test('what the page prints is escaped', async (t) => {
  const release = { version: '<b>2</b>', message: `<script>alert("x")</script> & 'quotes'` };
  const { url } = await startApp(t, release, { SLIPWAY_ENV: '<img src=x onerror=alert(1)>', SLIPWAY_SHA: '<i>"\'&' });
  const html = await (await fetch(url)).text();
  assert.doesNotMatch(html, /<script>|<img|<i>|<b>2/);
  assert.match(html, /<h1>&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;quotes&#39;<\/h1>/);
  assert.match(html, /<b>&lt;img src=x onerror=alert\(1\)&gt;<\/b>/);
  assert.match(html, /<code>&lt;i&gt;&quot;&#39;&amp;<\/code>/);
});

test('SIGTERM stops the app cleanly', async (t) => {
  const { child, url, exited } = await startApp(t, { version: '1', message: 'm' }, {});
  assert.equal((await fetch(url)).status, 200);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('the app runs inside an ES-module package too (its own package.json says commonjs)', async (t) => {
  const { url } = await startApp(t, { version: 'v9', message: 'm' }, { SLIPWAY_ENV: 'staging', SLIPWAY_SHA: 'a'.repeat(40) }, 'module');
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.match(await response.text(), /v9/);
});
