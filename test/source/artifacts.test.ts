import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SourceError } from '../../src/source/errors.js';
import { unpackZip, type UnpackLimits } from '../../src/source/artifacts.js';
import { tempDir } from '../helpers/temp.js';
import { makeZip, type ZipEntry } from '../helpers/zip.js';

const MiB = 1024 * 1024;
const LIMITS: UnpackLimits = { maxBytes: 10 * MiB, maxFiles: 100 };

/** A temp folder holding `artifact.zip` made of `entries` (or of raw bytes), and `site`, not yet made. */
function setup(t: TestContext, zip: ZipEntry[] | Buffer) {
  const root = tempDir(t, 'slipway-artifact-');
  const file = join(root, 'artifact.zip');
  writeFileSync(file, Buffer.isBuffer(zip) ? zip : makeZip(zip));
  return { root, file, dir: join(root, 'site') };
}

/** Every file and folder under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => relative(dir, join(dir, path)))
    .sort();
}

const refused = (expected: string, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
  assert.equal(error.code, expected, error.message);
  if (message !== undefined) assert.match(error.message, message);
  return true;
};

/** Unpacking fails with `code`, and leaves nothing but the zip in the temp folder. */
async function assertRefused(t: TestContext, zip: ZipEntry[] | Buffer, code: string, message?: RegExp, limits = LIMITS) {
  const { root, file, dir } = setup(t, zip);
  await assert.rejects(unpackZip(file, dir, limits), refused(code, message));
  assert.equal(existsSync(dir), false, 'the folder is removed');
  assert.deepEqual(tree(root), ['artifact.zip'], 'nothing is written anywhere else');
}

test('a zip with nested folders, deflated and stored entries and an executable unpacks exactly', async (t) => {
  const page = '<h1>hello</h1>\n'.repeat(100);
  const { file, dir } = setup(t, [
    { name: 'index.html', data: page },
    { name: 'assets/' },
    { name: 'assets/css/site.css', data: 'body { margin: 0 }\n', method: 0 },
    { name: 'bin/start', data: '#!/bin/sh\necho hi\n', mode: 0o100755 },
    { name: 'empty.txt', data: '' },
    { name: 'docs/', mode: 0o040700 },
  ]);
  await unpackZip(file, dir, LIMITS);
  assert.deepEqual(tree(dir), ['assets', 'assets/css', 'assets/css/site.css', 'bin', 'bin/start', 'docs', 'empty.txt', 'index.html']);
  assert.equal(readFileSync(join(dir, 'index.html'), 'utf8'), page);
  assert.equal(readFileSync(join(dir, 'assets/css/site.css'), 'utf8'), 'body { margin: 0 }\n');
  assert.equal(readFileSync(join(dir, 'bin/start'), 'utf8'), '#!/bin/sh\necho hi\n');
  assert.equal(readFileSync(join(dir, 'empty.txt'), 'utf8'), '');
  assert.equal(statSync(join(dir, 'bin/start')).mode & 0o777, 0o755);
  assert.equal(statSync(join(dir, 'index.html')).mode & 0o777, 0o644);
  assert.equal(statSync(join(dir, 'assets/css/site.css')).mode & 0o777, 0o644);
});

test('an empty folder is used; a folder with something in it is refused and left alone', async (t) => {
  const { file, dir } = setup(t, [{ name: 'a.txt', data: 'a' }]);
  mkdirSync(dir);
  await unpackZip(file, dir, LIMITS);
  assert.deepEqual(tree(dir), ['a.txt']);
  await assert.rejects(unpackZip(file, dir, LIMITS), refused('dir_conflict', /is not an empty folder/));
  assert.deepEqual(tree(dir), ['a.txt']);
});

test('entries that point outside the folder are refused, naming the entry', async (t) => {
  const good: ZipEntry = { name: 'index.html', data: 'ok' };
  await assertRefused(t, [good, { name: '../x', data: 'evil' }], 'artifact_unsafe', /^artifact entry "\.\.\/x" points outside the folder; nothing was deployed$/);
  await assertRefused(t, [good, { name: 'a/../../x', data: 'evil' }], 'artifact_unsafe', /^artifact entry "a\/\.\.\/\.\.\/x" points outside the folder/);
  await assertRefused(t, [good, { name: 'C:/x', data: 'evil' }], 'artifact_unsafe', /"C:\/x" points outside the folder/);
  await assertRefused(t, [good, { name: 'a\\..\\..\\x', data: 'evil' }], 'artifact_unsafe', /has a backslash in its name/);
  await assertRefused(t, [good, { name: 'a\0.txt', data: 'evil' }], 'artifact_unsafe', /"a\\u0000\.txt" has a NUL character/);
});

test('an absolute entry name is refused and nothing is written there', async (t) => {
  const outside = join(tempDir(t), 'outside.txt');
  await assertRefused(t, [{ name: outside, data: 'evil' }], 'artifact_unsafe', new RegExp(`"${outside}" points outside the folder`));
  assert.equal(existsSync(outside), false);
});

test('symbolic links and other non-regular entries are refused', async (t) => {
  await assertRefused(t, [{ name: 'link', data: '/etc/passwd', method: 0, mode: 0o120777 }], 'artifact_unsafe', /^artifact entry "link" is a symbolic link/);
  await assertRefused(t, [{ name: 'dir/link/', data: '..', method: 0, mode: 0o120777 }], 'artifact_unsafe', /is a symbolic link/);
  await assertRefused(t, [{ name: 'fifo', mode: 0o010644 }], 'artifact_unsafe', /"fifo" is not a plain file or folder/);
});

test('more bytes than maxBytes in total is artifact_too_large', async (t) => {
  const half = Buffer.alloc(600 * 1024, 'x');
  const limits = { maxBytes: MiB, maxFiles: 100 };
  await assertRefused(t, [{ name: 'a', data: half, method: 0 }, { name: 'b', data: half, method: 0 }], 'artifact_too_large', /more than the limit of 1048576 bytes/, limits);
});

test('a zip bomb (50 MiB of zeros in a small zip) is refused before it is unpacked', async (t) => {
  const bomb = makeZip([{ name: 'zeros', data: Buffer.alloc(50 * MiB) }]);
  assert.ok(bomb.length < 100 * 1024, `deflate keeps the zip small (${bomb.length} bytes)`);
  await assertRefused(t, bomb, 'artifact_too_large', /its entries declare at least 52428800/);
  // Under a limit it fits, the compression ratio alone gives it away.
  const ratio = makeZip([{ name: 'zeros', data: Buffer.alloc(2 * MiB) }]);
  await assertRefused(t, ratio, 'artifact_unsafe', /"zeros" expands \d+ bytes to 2097152, more than 1000 times: a zip bomb/, { maxBytes: 100 * MiB, maxFiles: 10 });
});

test('more entries than maxFiles is artifact_too_large', async (t) => {
  const entries = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, data: `${i}` }));
  await assertRefused(t, entries, 'artifact_too_large', /has 11 entries, more than the limit of 10/, { maxBytes: MiB, maxFiles: 10 });
});

test('a file that is not a zip, a truncated zip and damaged data are artifact_invalid', async (t) => {
  await assertRefused(t, Buffer.from('<html>not found</html>'), 'artifact_invalid', /not a zip file or is damaged/);
  const zip = makeZip([{ name: 'a.txt', data: 'a'.repeat(1000) }, { name: 'b.txt', data: 'b'.repeat(1000) }]);
  await assertRefused(t, zip.subarray(0, zip.length - 30), 'artifact_invalid', /not a zip file or is damaged/);
  const damaged = Buffer.from(zip);
  damaged.fill(0xff, 30 + 'a.txt'.length, 30 + 'a.txt'.length + 8);
  await assertRefused(t, damaged, 'artifact_invalid', /^artifact entry "a\.txt" is damaged/);
});

test('headers that lie about an entry size are caught while unpacking', async (t) => {
  const first: ZipEntry = { name: 'first.txt', data: 'written before the lie is found' };
  // Declares 1000 bytes and holds 5 MiB: the declared total fits the limit, the data does not match.
  await assertRefused(t, [first, { name: 'liar', data: Buffer.alloc(5 * MiB), declaredSize: 1000 }], 'artifact_invalid', /"liar" is damaged \(too many bytes/);
  await assertRefused(t, [first, { name: 'short', data: 'tiny', declaredSize: 100 }], 'artifact_invalid', /"short" is damaged \(not enough bytes/);
  await assertRefused(t, [{ name: 'stored', data: 'tiny', method: 0, declaredSize: 100 }], 'artifact_invalid', /size mismatch/);
});

test('two entries with one path are refused rather than overwritten', async (t) => {
  await assertRefused(t, [{ name: 'a.txt', data: 'one' }, { name: 'a.txt', data: 'two' }], 'artifact_invalid', /"a\.txt" clashes with another entry/);
  await assertRefused(t, [{ name: 'a', data: 'file' }, { name: 'a/b', data: 'under a file' }], 'artifact_invalid', /"a\/b" clashes/);
});
