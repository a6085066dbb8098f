import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CONTENT_TYPES, contentType, pathSegments, staticHandler } from '../../../../src/targets/process/static-files.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with `path` sent exactly as written (no client-side normalization). */
function send(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A site folder inside a temp root that also holds a secret next to it, served on a real port. */
async function site(t: TestContext): Promise<{ port: number; root: string }> {
  const root = mkdtempSync(join(tmpdir(), 'slipway-static-'));
  const server: Server = createServer();
  t.after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });
  writeFileSync(join(root, 'secret.txt'), 'outside the site\n');
  const dir = join(root, 'site');
  mkdirSync(join(dir, 'docs', 'deep'), { recursive: true });
  mkdirSync(join(dir, '.well-known'));
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(dir, 'docs', 'index.html'), '<h1>docs</h1>');
  writeFileSync(join(dir, 'docs', 'deep', 'page one.html'), '<h1>one</h1>');
  writeFileSync(join(dir, '.env'), 'TOKEN=x');
  writeFileSync(join(dir, '.well-known', 'security.txt'), 'Contact: x');
  for (const ext of Object.keys(CONTENT_TYPES)) writeFileSync(join(dir, `file${ext}`), ext);
  writeFileSync(join(dir, 'data.bin'), 'bytes');
  symlinkSync(join(root, 'secret.txt'), join(dir, 'leak.txt'));
  symlinkSync(root, join(dir, 'up'));
  symlinkSync(join(dir, 'docs', 'index.html'), join(dir, 'alias.html'));
  server.on('request', staticHandler(realpathSync(dir)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, root };
}

test('files are served with their content type; / and folders with their index.html', async (t) => {
  const { port } = await site(t);
  const home = await send(port, '/');
  assert.equal(home.status, 200);
  assert.equal(home.body, '<h1>home</h1>');
  assert.equal(home.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(home.headers['x-content-type-options'], 'nosniff');
  assert.equal((await send(port, '/index.html?x=1#y')).body, '<h1>home</h1>');
  assert.equal((await send(port, '/docs/')).body, '<h1>docs</h1>');
  const folder = await send(port, '/docs?page=2');
  assert.deepEqual([folder.status, folder.headers.location], [301, '/docs/'], 'a folder without its slash is redirected to it');
  assert.equal((await send(port, '/docs/deep/page%20one.html')).body, '<h1>one</h1>');
  assert.equal((await send(port, '/alias.html')).body, '<h1>docs</h1>', 'a link to a file inside the site is followed');
  assert.equal((await send(port, '/.well-known/security.txt')).status, 200);

  const expected: Record<string, string> = {
    html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8',
    json: 'application/json', svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
    ico: 'image/x-icon', woff2: 'font/woff2', txt: 'text/plain; charset=utf-8', wasm: 'application/wasm',
  };
  for (const [ext, type] of Object.entries(expected)) {
    const reply = await send(port, `/file.${ext}`);
    assert.deepEqual([reply.status, reply.headers['content-type'], reply.body], [200, type, `.${ext}`], ext);
  }
  assert.equal((await send(port, '/data.bin')).headers['content-type'], 'application/octet-stream');
  assert.equal(contentType('APP.JS'), 'text/javascript; charset=utf-8');

  const head = await send(port, '/file.css', 'HEAD');
  assert.deepEqual([head.status, head.headers['content-length'], head.body], [200, '4', '']);
  const again = await send(port, '/file.css', 'GET', { 'if-modified-since': String(head.headers['last-modified']) });
  assert.equal(again.status, 304);
  const post = await send(port, '/', 'POST');
  assert.deepEqual([post.status, post.headers.allow], [405, 'GET, HEAD']);
});

test('nothing outside the folder is served: .., encoded .., links leading out, hidden files; the rest is 404', async (t) => {
  const { port } = await site(t);
  const refused = [
    '/../secret.txt',
    '/docs/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/docs/%2e%2e/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%5csecret.txt',
    '/leak.txt',
    '/up/secret.txt',
    '/up/',
    '/up',
    '/.env',
    '/%2eenv',
    '/docs/deep/../../.env',
    '/index.html%00.txt',
    '/%E0%A4%A',
    '/missing.html',
    '/empty/',
    '/empty',
  ];
  for (const path of refused) {
    const reply = await send(port, path);
    assert.equal(reply.status, 404, path);
    assert.doesNotMatch(reply.body, /outside the site|TOKEN/, path);
  }
  // A protocol-relative path to a folder is redirected to a path of this site, never to another host.
  const sneaky = await send(port, '//docs');
  assert.deepEqual([sneaky.status, sneaky.headers.location], [301, '/docs/']);
});

test('request paths are decoded segment by segment; a .. anywhere, a NUL, an encoded slash or a bad escape is refused', () => {
  assert.deepEqual(pathSegments('/a/./b%20c//d/'), ['a', 'b c', 'd']);
  assert.deepEqual(pathSegments('/'), []);
  for (const path of ['/a/../b', '/%2e%2e', '/a%2fb', '/a%00', '/%zz', 'relative', '/.git/config']) assert.equal(pathSegments(path), null, path);
});
