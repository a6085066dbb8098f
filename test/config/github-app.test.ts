import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { problems, rejection, tempDir } from './helpers.js';

const PEM = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const indented = (text: string) => text.trim().split('\n').map((line) => `      ${line}`).join('\n');

test('github.app with privateKeyPath reads the key relative to the config file when the config loads', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'keys'));
  await writeFile(join(dir, 'keys', 'app.pem'), PEM.privateKey);
  await writeFile(join(dir, 'slipway.yaml'), 'github:\n  app:\n    id: 12345\n    privateKeyPath: keys/app.pem\n');
  const { config } = await loadConfig({ file: 'slipway.yaml', env: {}, cwd: dir });
  assert.deepEqual(config.github, { app: { id: 12345, privateKey: PEM.privateKey }, recovery: { intervalMs: 600_000 }, apiUrl: 'https://api.github.com' });
});

test('github.app with privateKey takes the PEM inline, also from a variable with its newlines written as \\n', () => {
  const inline = parseConfig(`github:\n  app:\n    id: "7"\n    privateKey: |\n${indented(PEM.privateKey)}\n`, 'slipway.yaml', {}, '/srv');
  assert.deepEqual(inline.github.app, { id: 7, privateKey: PEM.privateKey });
  const escaped = PEM.privateKey.trim().replaceAll('\n', '\\n');
  const fromEnv = parseConfig('github:\n  app:\n    id: 7\n    privateKey: ${APP_KEY}\n', 'slipway.yaml', { APP_KEY: escaped }, '/srv');
  assert.equal(fromEnv.github.app?.privateKey, PEM.privateKey.trim());
});

test('github.app needs exactly one of privateKey and privateKeyPath, and excludes github.token', () => {
  assert.deepEqual(problems('github:\n  app:\n    id: 1\n'), [
    'slipway.yaml:2 github.app: give exactly one of privateKey (the PEM text) or privateKeyPath (a file holding it)',
  ]);
  assert.deepEqual(problems(`github:\n  app:\n    id: 1\n    privateKeyPath: /k.pem\n    privateKey: |\n${indented(PEM.privateKey)}\n`), [
    'slipway.yaml:2 github.app: give exactly one of privateKey (the PEM text) or privateKeyPath (a file holding it)',
  ]);
  assert.deepEqual(problems(`github:\n  token: ghp_x\n  app:\n    id: 1\n    privateKey: |\n${indented(PEM.privateKey)}\n`), [
    'slipway.yaml:3 github.app: github.token and github.app are both set; keep one: the App (installation tokens per repository) or the token',
  ]);
  assert.deepEqual(problems('github:\n  app:\n    id: abc\n    privateKeyPath: /k.pem\n    key: x\n'), [
    "slipway.yaml:3 github.app.id: expected the App ID, a whole number from the App's settings page",
    'slipway.yaml:5 github.app.key: unknown key "key"; expected one of: id, privateKey, privateKeyPath',
  ]);
});

test('a key file that is missing, unreadable or not a PEM private key is refused, naming the key and the file', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'public.pem'), PEM.publicKey);
  await writeFile(join(dir, 'notes.txt'), 'hello');
  const { privateKey: ed25519 } = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  await writeFile(join(dir, 'ed.pem'), ed25519);
  await writeFile(join(dir, 'locked.pem'), PEM.privateKey);
  await chmod(join(dir, 'locked.pem'), 0o000);
  const cases: [string, string][] = [
    ['missing.pem', `${join(dir, 'missing.pem')} does not exist`],
    ['public.pem', `${join(dir, 'public.pem')} is not a PEM private key; give the whole .pem file GitHub generated for the App, from -----BEGIN to -----END`],
    ['notes.txt', `${join(dir, 'notes.txt')} is not a PEM private key`],
    ['ed.pem', `${join(dir, 'ed.pem')} is a ed25519 key; GitHub Apps sign with RSA keys`],
    ['.', `${dir} is a directory, not a key file`],
  ];
  // root reads any file: the permission case only holds for other users.
  if (process.getuid?.() !== 0) cases.push(['locked.pem', `${join(dir, 'locked.pem')} cannot be read: permission denied`]);
  for (const [file, message] of cases) {
    await writeFile(join(dir, 'slipway.yaml'), `github:\n  app:\n    id: 1\n    privateKeyPath: ${file}\n`);
    const error = await rejection(loadConfig({ file: 'slipway.yaml', env: {}, cwd: dir }));
    assert.equal(error.problems.length, 1, file);
    assert.match(error.message, new RegExp(`^slipway\\.yaml:4 github\\.app\\.privateKeyPath: ${escape(message)}`), file);
  }
});

test('an inline privateKey that is not a key is refused without quoting it', () => {
  for (const value of ['hunter2-secret', '"-----BEGIN RSA PRIVATE KEY-----\\nnot-base64-secret\\n-----END RSA PRIVATE KEY-----"']) {
    const lines = problems(`github:\n  app:\n    id: 1\n    privateKey: ${value}\n`);
    assert.deepEqual(lines, ['slipway.yaml:4 github.app.privateKey: is not a PEM private key; give the whole .pem file GitHub generated for the App, from -----BEGIN to -----END']);
    assert.equal(lines.join('\n').includes('secret'), false);
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
