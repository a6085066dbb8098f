import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEMO_MARKER, prepareDemoDir } from '../../src/demo/demo-dir.js';
import { LABELS } from '../../src/targets/docker/labels.js';
import { baseImage, testEngine } from '../fixtures/docker-base.js';
import { tempDir } from '../helpers/temp.js';

test('a missing folder is made, an empty one used, both marked as the demo', async (t) => {
  const root = tempDir(t);
  const made = await prepareDemoDir(join(root, 'a', 'demo'));
  assert.deepEqual(made, {
    root: join(root, 'a', 'demo'),
    repo: join(root, 'a', 'demo', 'repo'),
    config: join(root, 'a', 'demo', 'slipway.yaml'),
    data: join(root, 'a', 'demo', 'data'),
  });
  assert.deepEqual(readdirSync(made.root), [DEMO_MARKER]);
  mkdirSync(join(root, 'empty'));
  await prepareDemoDir(join(root, 'empty'));
  assert.deepEqual(readdirSync(join(root, 'empty')), [DEMO_MARKER]);
});

test('a previous demo is emptied and started again', async (t) => {
  const root = tempDir(t);
  const first = await prepareDemoDir(root);
  mkdirSync(join(first.repo, '.git'), { recursive: true });
  mkdirSync(first.data);
  writeFileSync(join(first.data, 'slipway.db'), '');
  writeFileSync(first.config, 'apps: []\n');
  await prepareDemoDir(root);
  assert.deepEqual(readdirSync(root), [DEMO_MARKER]);
});

test('a folder or file the demo did not make is refused and left as it is', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'notes.txt'), 'mine');
  await assert.rejects(prepareDemoDir(root), { code: 'demo_dir_conflict', message: /is not empty and was not made by "slipway demo"/ });
  assert.deepEqual(readdirSync(root), ['notes.txt']);
  mkdirSync(join(root, 'fake'));
  writeFileSync(join(root, 'fake', 'x'), '');
  mkdirSync(join(root, 'fake', DEMO_MARKER));
  await assert.rejects(prepareDemoDir(join(root, 'fake')), { code: 'demo_dir_conflict' }, 'the marker must be a file');
  await assert.rejects(prepareDemoDir(join(root, 'notes.txt')), { code: 'demo_dir_conflict', message: /exists and is not a folder/ });
});

test('a previous demo whose slipway still runs is not emptied', async (t) => {
  const root = tempDir(t);
  const demo = await prepareDemoDir(root);
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.after(() => void other.kill('SIGKILL'));
  mkdirSync(demo.data);
  writeFileSync(join(demo.data, 'slipway.lock'), `${other.pid}\n`);
  await assert.rejects(prepareDemoDir(root), { code: 'store_locked', message: new RegExp(`in use by another slipway \\(pid ${other.pid}\\)`) });
  assert.ok(existsSync(join(demo.data, 'slipway.lock')));
  assert.ok(existsSync(join(root, DEMO_MARKER)));
});

test("a previous demo's containers are removed with it; another slipway's, or another app's, are left", async (t) => {
  const docker = await testEngine();
  const image = await baseImage(docker);
  const root = tempDir(t);
  const demo = await prepareDemoDir(root);
  const instance = randomBytes(8).toString('hex');
  const other = randomBytes(8).toString('hex');
  mkdirSync(join(demo.data, 'targets', 'docker'), { recursive: true });
  writeFileSync(join(demo.data, 'targets', 'docker', 'instance-id'), `${instance}\n`);
  // As slipway's docker target labels them: one running, one stopped; then one of another slipway and one of another app.
  const make = async (id: string, app: string, env: string, start: boolean) => {
    const labels = { [LABELS.managed]: 'true', [LABELS.instance]: id, [LABELS.app]: app, [LABELS.env]: env };
    const container = await docker.createContainer({ Image: image, Cmd: ['node', '-e', 'setInterval(() => {}, 1000)'], Labels: labels });
    t.after(() => container.remove({ force: true }).catch(() => undefined));
    if (start) await container.start();
    return container.id;
  };
  await make(instance, 'web', 'staging', true);
  await make(instance, 'web', 'pr-1', false);
  const kept = [await make(other, 'web', 'staging', false), await make(instance, 'api', 'staging', false)];
  await prepareDemoDir(root);
  assert.deepEqual(readdirSync(root), [DEMO_MARKER]);
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.instance}`] } });
  const ours = left.filter((container) => [instance, other].includes(container.Labels[LABELS.instance] ?? ''));
  assert.deepEqual(ours.map((container) => container.Id).sort(), [...kept].sort());
});
