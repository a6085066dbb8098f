import assert from 'node:assert/strict';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyTree, removeTree, sealTree } from '../../../src/targets/process/tree-copy.js';
import { tempDir } from '../../helpers/temp.js';

// The copies behind shared builds, on real folders: a build's folder copied into a worktree
// (and a worktree into a build's folder), sealed read-only, and removed.

/** A folder like a build's: files, a sub-folder, an executable, links in and out, a setuid bit. */
function build(root: string): string {
  const dir = join(root, 'build');
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(join(dir, 'index.js'), 'main');
  writeFileSync(join(dir, 'node_modules', 'dep.js'), 'dep');
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'run.sh'), 0o4755);
  symlinkSync('../dep.js', join(dir, 'node_modules', '.bin', 'dep'));
  symlinkSync('/etc/hostname', join(dir, 'outside'));
  return dir;
}

const mode = (path: string) => lstatSync(path).mode & 0o7777;

for (const trusted of [true, false]) {
  test(`copyTree (${trusted ? 'by path' : 'through handles'}): files with their permissions, links as links; what the destination had there is replaced, never written through; the rest of it is left`, async (t) => {
    const root = tempDir(t);
    const from = build(root);
    const to = join(root, 'worktree');
    mkdirSync(join(to, 'node_modules'), { recursive: true });
    writeFileSync(join(to, '.git'), 'gitdir: /somewhere\n');
    writeFileSync(join(to, 'data.db'), 'written by a release');
    writeFileSync(join(from, '.git'), 'gitdir: /the/builder\'s\n');
    // A link where the copy writes a file: replaced, never followed (the target keeps its content).
    writeFileSync(join(root, 'victim'), 'untouched');
    symlinkSync(join(root, 'victim'), join(to, 'index.js'));
    await copyTree(from, to, { owner: null, skip: ['.git'], trusted, writable: true });

    assert.equal(readFileSync(join(root, 'victim'), 'utf8'), 'untouched');
    assert.equal(lstatSync(join(to, 'index.js')).isFile(), true);
    assert.equal(readFileSync(join(to, 'index.js'), 'utf8'), 'main');
    assert.equal(readFileSync(join(to, 'node_modules', 'dep.js'), 'utf8'), 'dep');
    assert.equal(readlinkSync(join(to, 'node_modules', '.bin', 'dep')), '../dep.js');
    assert.equal(readlinkSync(join(to, 'outside')), '/etc/hostname', 'a link is copied as a link, not what it names');
    assert.equal(mode(join(to, 'run.sh')), 0o755, 'permission bits kept, the set-user-id bit dropped');
    assert.equal(readFileSync(join(to, '.git'), 'utf8'), 'gitdir: /somewhere\n', 'not copied over');
    assert.equal(readFileSync(join(to, 'data.db'), 'utf8'), 'written by a release');
  });
}

test('sealTree takes every write permission away without following links or touching hard-linked files; removeTree removes the sealed tree', async (t) => {
  const root = tempDir(t);
  const dir = build(root);
  writeFileSync(join(root, 'store-file'), 'shared with a store');
  chmodSync(join(root, 'store-file'), 0o644);
  linkSync(join(root, 'store-file'), join(dir, 'node_modules', 'linked.js'));
  writeFileSync(join(root, 'target'), 'named by a link');
  chmodSync(join(root, 'target'), 0o666);
  symlinkSync(join(root, 'target'), join(dir, 'link'));
  await sealTree(dir, false);

  assert.equal(mode(dir) & 0o222, 0);
  assert.equal(mode(join(dir, 'node_modules')) & 0o222, 0);
  assert.equal(mode(join(dir, 'index.js')), 0o444);
  assert.equal(mode(join(dir, 'run.sh')) & 0o777, 0o555);
  assert.equal(statSync(join(root, 'target')).mode & 0o777, 0o666, 'the file a link names is not changed');
  assert.equal(statSync(join(root, 'store-file')).mode & 0o777, 0o644, 'a hard-linked file is left to the store it shares');

  await removeTree(dir);
  assert.equal(existsSync(dir), false);
  assert.equal(readFileSync(join(root, 'target'), 'utf8'), 'named by a link');
});
