import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { diskUsage } from '../src/disk-usage.js';
import { DISK_CACHE_MS, StatusReport } from '../src/status.js';
import type { Replica } from '../src/store/replicas.js';
import type { StoreSizes } from '../src/store/store.js';
import { tempDir } from './helpers/temp.js';

/** Writes `bytes` bytes at `path`, making its folders. */
function file(path: string, bytes: number): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes));
}

const replica: Replica = { id: 'host-1-abc', host: 'host', pid: 1, processApps: [], startedAt: 1, heartbeatAt: 2 };
const sizes: StoreSizes = { bytes: 4096, deliveries: { pending: 1, processed: 2, ignored: 0, failed: 0 }, environments: 3, deployments: 4, deploymentLogBytes: 50 };

test('status measures mirrors, worktrees and logs where slipway keeps them, and the store through the store', async (t) => {
  const dataDir = tempDir(t);
  const workDir = tempDir(t);
  file(join(dataDir, 'git', 'mirrors', 'aa.git', 'objects', 'pack', 'p.pack'), 1000);
  file(join(dataDir, 'git', 'mirrors', 'aa.git', 'HEAD'), 20);
  file(join(dataDir, 'git', 'mirrors', 'bb.git', 'HEAD'), 20);
  // The lock beside a mirror is no mirror.
  file(join(dataDir, 'git', 'mirrors', 'bb.lock'), 0);
  file(join(workDir, 'worktrees', 'web', 'pr-1', 'a'.repeat(40), 'index.js'), 300);
  file(join(workDir, 'worktrees', 'web', 'pr-1', 'b'.repeat(40), 'index.js'), 300);
  file(join(workDir, 'worktrees', 'web', 'main', 'c'.repeat(40), 'lib', 'deep.js'), 100);
  file(join(dataDir, 'targets', 'process', 'logs', 'web.pr-1.1.log'), 700);
  file(join(dataDir, 'targets', 'process', 'logs', 'web.pr-1.1.log.1'), 70);
  file(join(dataDir, 'targets', 'process', 'logs', 'destroyed', 'web.pr-2.5.log'), 40);
  file(join(dataDir, 'targets', 'docker', 'logs', 'destroyed', 'web.pr-3.6.log'), 2);

  const report = new StatusReport({ dataDir, workDir, store: { sizes: async () => sizes }, jobs: () => [], replicas: async () => [replica] });
  const status = await report.read();
  assert.deepEqual(status.store, sizes);
  assert.deepEqual(status.replicas, [replica]);
  assert.deepEqual(status.mirrors, { count: 2, bytes: 1040 });
  assert.deepEqual(status.worktrees, { count: 3, bytes: 700 });
  assert.deepEqual(status.logs, { releaseBytes: 770, keptBytes: 42, deploymentBytes: 50 });
  assert.deepEqual(status.jobs, []);
});

test('status of a slipway that made nothing yet is all zeros', async (t) => {
  const report = new StatusReport({ dataDir: join(tempDir(t), 'none'), workDir: join(tempDir(t), 'none'), store: { sizes: async () => sizes }, jobs: () => [], replicas: async () => [] });
  const status = await report.read();
  assert.deepEqual([status.mirrors, status.worktrees, status.logs], [{ count: 0, bytes: 0 }, { count: 0, bytes: 0 }, { releaseBytes: 0, keptBytes: 0, deploymentBytes: 50 }]);
});

test('the folders are measured once per cache period, however often status is read', async (t) => {
  const dataDir = tempDir(t);
  let now = 1_000_000;
  const report = new StatusReport({ dataDir, workDir: tempDir(t), store: { sizes: async () => sizes }, jobs: () => [], replicas: async () => [], now: () => now });
  const logs = join(dataDir, 'targets', 'process', 'logs');
  file(join(logs, 'web.a.1.log'), 10);
  const [first, second] = await Promise.all([report.read(), report.read()]);
  assert.equal(first.logs.releaseBytes, 10);
  assert.equal(second.diskMeasuredAt, first.diskMeasuredAt);
  file(join(logs, 'web.b.2.log'), 5);
  now += DISK_CACHE_MS - 1;
  assert.equal((await report.read()).logs.releaseBytes, 10, 'within the cache period the last measure stands');
  now += 1;
  const fresh = await report.read();
  assert.equal(fresh.logs.releaseBytes, 15);
  assert.equal(fresh.diskMeasuredAt, now);
});

test('diskUsage walks a folder of many files in batches, and skips the folders it is told to', async (t) => {
  const dir = tempDir(t);
  for (let i = 0; i < 300; i += 1) file(join(dir, `d${i % 7}`, `f${i}`), 3);
  file(join(dir, 'skip', 'big'), 10_000);
  assert.deepEqual(await diskUsage(dir, [join(dir, 'skip')]), { bytes: 900, files: 300 });
  assert.deepEqual(await diskUsage(join(dir, 'missing')), { bytes: 0, files: 0 });
});
