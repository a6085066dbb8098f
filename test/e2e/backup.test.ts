import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Status } from '../../src/status.js';
import { fails, ok, runCli } from '../helpers/cli.js';
import { startTestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { deliver } from '../helpers/webhook.js';

// `slipway backup` and `slipway restore` through the built CLI, as an operator runs them,
// against a slipway taking signed webhooks over HTTP.

const ping = (n: number) => ({ zen: `delivery ${n}`, hook_id: 9, hook: { type: 'Repository', id: 9, events: ['*'] } });

/** A config file naming `dataDir`, for the CLI. */
function configFor(dir: string, dataDir: string): string {
  const file = join(dir, 'slipway.yaml');
  writeFileSync(file, `store:\n  dataDir: ${JSON.stringify(dataDir)}\n`);
  return file;
}

test('a backup taken during a burst of webhooks restores into a slipway that starts, serves and holds every delivery answered before it began', async (t) => {
  const service = await startTestService(t);
  const home = tempDir(t);
  const config = configFor(home, service.dataDir);
  const acknowledged: { id: string; at: number }[] = [];
  let sending = true;
  const sender = async () => {
    for (let n = 0; sending || n < 20; n += 1) {
      const answer = await deliver(service.url, { event: 'ping', payload: ping(n) });
      assert.equal(answer.status, 202, answer.body);
      acknowledged.push({ id: answer.id, at: Date.now() });
    }
  };
  const senders = Array.from({ length: 4 }, sender);
  // Some deliveries are in before the backup begins, more arrive while it runs.
  while (acknowledged.length < 50) await new Promise((resolve) => setTimeout(resolve, 10));
  const began = Date.now();
  const backedUp = await runCli(['backup', join(home, 'backup.db'), '--config', config]);
  sending = false;
  await Promise.all(senders);
  assert.match(ok(backedUp), /backed up the store of .* to .*backup\.db \(.*, schema \d+\)/);
  const before = acknowledged.filter((delivery) => delivery.at < began).map((delivery) => delivery.id);
  assert.ok(before.length >= 50);
  assert.ok(acknowledged.length > before.length, 'deliveries went on arriving while the backup ran');

  // The running slipway is untouched: it still answers and its store is not locked out.
  const status = (await service.api('GET', '/api/status')).json() as Status;
  assert.ok(Object.values(status.store.deliveries).reduce((sum, count) => sum + count, 0) >= acknowledged.length);

  const restoredDir = join(tempDir(t), 'data');
  const restoredHome = tempDir(t);
  const restored = ok(await runCli(['restore', join(home, 'backup.db'), '--config', configFor(restoredHome, restoredDir)]));
  assert.match(restored, /restored .*backup\.db \(schema \d+\) into/);
  assert.doesNotMatch(restored, /kept at/, 'an empty data folder had no store to keep');

  const again = await startTestService(t, { dataDir: restoredDir });
  const ready = await again.api('GET', '/readyz');
  assert.equal(ready.status, 200, ready.body);
  const ids = new Set((await again.store.listDeliveries({ limit: 100_000 })).map((delivery) => delivery.id));
  const missing = before.filter((id) => !ids.has(id));
  assert.deepEqual(missing, [], 'every delivery answered 202 before the backup began is in it');
  // It takes webhooks again.
  assert.equal((await deliver(again.url, { event: 'ping', payload: ping(-1) })).status, 202);
});

test('backup and restore refuse what they cannot do, with a message that says why', async (t) => {
  const service = await startTestService(t);
  const home = tempDir(t);
  const config = configFor(home, service.dataDir);
  const file = join(home, 'backup.db');
  ok(await runCli(['backup', file, '--config', config]));
  fails(await runCli(['backup', file, '--config', config]), 1, /backup\.db already exists; pass --force to overwrite it/);
  ok(await runCli(['backup', file, '--force', '--config', config]));
  fails(await runCli(['backup', join(home, 'no', 'such', 'folder.db'), '--config', config]), 1, /cannot write the backup .*folder\.db/);
  fails(await runCli(['backup', '--config', config]), 2, /expected one FILE/);
  fails(await runCli(['backup', file, '--config', configFor(tempDir(t), join(home, 'empty'))]), 1, /there is no slipway store at .*empty.*slipway\.db/);

  fails(await runCli(['restore', file, '--config', config]), 1, new RegExp(`the data folder is in use by another slipway \\(pid ${process.pid}\\)`));
  fails(await runCli(['restore', join(home, 'missing.db'), '--config', config]), 1, /there is no file .*missing\.db to restore/);
  writeFileSync(join(home, 'notes.txt'), 'not a store at all\n'.repeat(200));
  fails(await runCli(['restore', join(home, 'notes.txt'), '--config', config]), 1, /notes\.txt is not a slipway store/);
});

test('slipway status prints the sizes and the jobs, or the API\'s JSON', async (t) => {
  const service = await startTestService(t);
  await deliver(service.url, { event: 'ping', payload: ping(1) });
  const env = { SLIPWAY_API_TOKEN: service.apiToken };
  const home = tempDir(t);
  const args = ['--url', service.url, '--config', configFor(home, service.dataDir)];
  const table = ok(await runCli(['status', ...args], { env }));
  assert.match(table, /^WHAT +SIZE +ROWS\/COUNT$/m);
  assert.match(table, /^store \(on disk\) +\d[\d.]* (B|KiB|MiB)/m);
  assert.match(table, /^inbox +- +1 \((1 pending|0 pending, 1 processed)/m);
  assert.match(table, /^JOB +LAST RUN +TOOK +OUTCOME +COUNT +ERROR$/m);
  assert.match(table, /^orphans +\d{4}-\d\d-\d\dT[\d:]+Z +[\d.]+s +ok/m);
  // With SQLite the store is this slipway's alone: it is the one replica listed.
  assert.match(table, new RegExp(`^REPLICA +HOST +PID +STARTED +LAST HEARTBEAT +PROCESS APPS\n\\S+ +\\S+ +${process.pid} +\\d{4}-`, 'm'));
  const json = JSON.parse(ok(await runCli(['status', '--json', ...args], { env }))) as Status;
  assert.equal(json.store.environments, 0);
  assert.deepEqual(json.replicas.map((replica) => replica.pid), [process.pid]);
  assert.ok(json.jobs.some((job) => job.name === 'ttl'));
  fails(await runCli(['status', ...args], { env: { SLIPWAY_API_TOKEN: 'wrong' } }), 1, /API token/);
});
