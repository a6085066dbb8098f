import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusLines } from '../src/cli/status.js';
import { createLogger } from '../src/logger.js';
import type { Status } from '../src/status.js';
import { testDatabase } from './helpers/postgres.js';
import { startPgTestService } from './helpers/service.js';
import { eventually } from './helpers/webhook.js';

/** An app on `target` (process: the default), with no environment: enough for the start-up check. */
function app(name: string, target: 'process' | 'command'): string {
  const settings = target === 'command' ? `\n    target: { type: command, deploy: [sh, -c, 'true'], destroy: [sh, -c, 'true'] }` : '';
  return `  - name: ${name}\n    repo: acme/${name}${settings}\n`;
}

const yaml = (...apps: string[]) => `apps:\n${apps.join('')}`;

async function status(service: { api: (method: 'GET', path: string) => Promise<{ json: () => unknown }> }): Promise<Status> {
  return (await service.api('GET', '/api/status')).json() as Status;
}

test('replicas sharing a PostgreSQL store list each other in the status, and one that stops is gone from it at once', async (t) => {
  const db = await testDatabase(t);
  const first = await startPgTestService(t, db.url, { yaml: yaml(app('api', 'command')) });
  const second = await startPgTestService(t, db.url, { yaml: yaml(app('api', 'command')) });

  const both = (await status(first)).replicas;
  assert.equal(both.length, 2);
  assert.deepEqual(both.map((replica) => replica.pid), [process.pid, process.pid]);
  assert.notEqual(both[0]?.id, both[1]?.id, 'each start is a replica of its own');
  for (const replica of both) {
    assert.ok(replica.heartbeatAt >= replica.startedAt && replica.startedAt > Date.now() - 60_000, 'times are milliseconds of now');
    assert.deepEqual(replica.processApps, []);
  }
  assert.deepEqual((await status(second)).replicas.map((replica) => replica.id), both.map((replica) => replica.id), 'both see the same');
  const printed = statusLines(await status(first)).join('\n');
  for (const replica of both) assert.ok(printed.includes(replica.id), `slipway status shows ${replica.id}:\n${printed}`);

  await second.close();
  assert.equal((await status(first)).replicas.length, 1, 'a replica that stopped removed itself');
});

test('a replica with a process-target app refuses to start beside another live replica, saying why and what to do', async (t) => {
  const db = await testDatabase(t);
  const first = await startPgTestService(t, db.url, { yaml: yaml(app('api', 'command')) });
  await assert.rejects(startPgTestService(t, db.url, { yaml: yaml(app('api', 'command'), app('web', 'process')) }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'replicas_process_target');
    assert.match(error.message, /^cannot start: this replica runs app web on the process target, and another slipway replica shares this store \(/);
    assert.match(error.message, /other replicas can neither serve nor stop them/);
    assert.match(error.message, /command target, or to the docker target with a shared engine \(target\.host\)/);
    return true;
  });
  assert.equal((await status(first)).replicas.length, 1, 'the refused replica left no row behind');
});

test('a replica refuses to start beside a live replica that runs process-target apps, whatever its own apps', async (t) => {
  const db = await testDatabase(t);
  const first = await startPgTestService(t, db.url, { yaml: yaml(app('web', 'process')) });
  assert.deepEqual((await status(first)).replicas.map((replica) => replica.processApps), [['web']]);
  await assert.rejects(startPgTestService(t, db.url, { yaml: yaml(app('api', 'command')) }), /another slipway replica sharing this store runs apps on the process target \(.* runs app web\)/);
});

test('a replica silent for longer than the lease is gone: process apps start beside it', async (t) => {
  const db = await testDatabase(t);
  const store = await db.open();
  await store.registerReplica({ id: 'crashed-1', host: 'elsewhere', pid: 7, processApps: [] });
  await db.query(`UPDATE replicas SET heartbeat_at = now() - interval '61 seconds' WHERE id = 'crashed-1'`);
  const service = await startPgTestService(t, db.url, { yaml: yaml(app('web', 'process')) });
  const live = (await status(service)).replicas;
  assert.equal(live.length, 1);
  assert.notEqual(live[0]?.id, 'crashed-1', 'the status lists live replicas only');
});

test('a replica running process apps logs an error when another replica appears later, and keeps its heartbeat', async (t) => {
  const db = await testDatabase(t);
  const lines: string[] = [];
  const log = createLogger({ level: 'error', pretty: false, destination: { write: (line: string) => lines.push(line) } });
  // The shortest lease: the heartbeat (a third of it) comes every 1.7 s.
  const service = await startPgTestService(t, db.url, { yaml: `engine: { lease: 5s }\n${yaml(app('web', 'process'))}`, log });
  const before = (await status(service)).replicas[0];
  assert.ok(before !== undefined);
  // Another replica that did not check (an older slipway) registers beside it.
  const store = await db.open();
  await store.registerReplica({ id: 'newcomer-1', host: 'other-host', pid: 99, processApps: [] });
  const logged = await eventually(async () => lines.find((line) => line.includes('newcomer-1')), 15_000);
  const entry = JSON.parse(logged) as { level: number; msg: string; time: number };
  assert.equal(entry.level, 50);
  assert.match(entry.msg, /^process target with several replicas: this replica runs app web on the process target, and another slipway replica shares this store \(newcomer-1 on other-host, pid 99\)/);
  // A heartbeat after the one that logged: the conflict lasts, and is not logged again.
  await eventually(async () => {
    const after = (await status(service)).replicas.find((replica) => replica.id === before.id);
    return after !== undefined && after.heartbeatAt > entry.time + 100 ? true : undefined;
  }, 15_000);
  assert.equal(lines.filter((line) => line.includes('newcomer-1')).length, 1, 'a lasting conflict is logged once');
});
