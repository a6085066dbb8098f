import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { DispatchResult, Store } from '../../src/store/store.js';
import { importStore } from '../../src/store/postgres/import.js';
import { exportStore } from '../../src/store/sqlite/export.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { TABLES } from '../../src/store/transfer.js';
import { testDatabase } from '../helpers/postgres.js';
import { follow, seedDeployments } from '../helpers/seed.js';
import { tempDir } from '../helpers/temp.js';
import { finishPending } from './contract/inbox.js';

const SHA = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

/** A delivery of `event` for acme/web with a payload of its own, finished with `result` unless left pending. */
async function deliver(store: Store, id: string, event: string, result?: Omit<DispatchResult, 'id'>): Promise<void> {
  const payload = Buffer.from(JSON.stringify({ delivery: id, text: 'ünïcode ✓', repository: { full_name: 'acme/web' } }));
  await store.insertDelivery({ id, event, action: 'created', hookId: '42', targetType: 'repository', targetId: '7', repository: 'acme/web', receivedAt: Date.now(), payload });
  if (result !== undefined) await finishPending(store, [{ id, ...result }]);
}

/** An SQLite store with something in every table that moves, open (export reads it while it runs). */
async function filledStore(t: TestContext): Promise<{ store: SqliteStore; dataDir: string }> {
  const dataDir = tempDir(t);
  const store = await SqliteStore.open(dataDir);
  t.after(() => store.close());
  const done = { status: 'processed' as const, error: null, processedAt: Date.now() };
  await deliver(store, 'ping-1', 'ping', { ...done, hook: { id: '42', type: 'Repository', events: ['push', 'pull_request'], repository: 'acme/web', seenAt: 1000 } });
  await deliver(store, 'push-1', 'push', { ...done, changes: [follow('web', 'staging', 'refs/heads/main', { shaHint: SHA })] });
  await deliver(store, 'pr-1', 'pull_request', {
    ...done,
    changes: [{ kind: 'follow', app: 'web', env: 'pr-7', ref: 'refs/pull/7/head', shaHint: SHA, pr: 7, branch: 'fix', ttlMs: 3_600_000, trigger: 'pull_request.opened', fork: true }],
    approvals: [{ kind: 'head', repo: 'acme/web', pr: 7, sha: SHA }, { kind: 'request', repo: 'acme/web', pr: 7, login: 'octo' }],
  });
  await deliver(store, 'comment-1', 'issue_comment', { ...done, commands: [{ repo: 'acme/web', pr: 7, pullRequest: true, commentId: 70, login: 'octo', text: '/slipway keep', refusal: null }] });
  await deliver(store, 'check-1', 'check_run', {
    ...done,
    signals: [{ signal: { repo: 'acme/web', sha: SHA, kind: 'check_run', name: 'test', app: 'github-actions', state: 'success', conclusion: 'success', url: 'https://ci/1', order: [10, 0, 2], receivedAt: 5 }, apps: ['web'] }],
  });
  await deliver(store, 'bad-1', 'push', { status: 'failed', error: 'cannot be applied: test', processedAt: Date.now() });
  await deliver(store, 'waiting-1', 'push');
  await store.changeEnvironments([follow('web', 'gone', 'refs/heads/old'), { kind: 'destroy', app: 'web', env: 'gone', trigger: 'delete', reason: 'branch deleted' }], 'test');
  await store.recordSignals([{ signal: { repo: 'acme/web', sha: OTHER, kind: 'status', name: 'lint', app: null, state: 'pending', conclusion: null, url: null, order: [3, 0, 0], receivedAt: 6 }, apps: ['web'] }]);

  const staging = await seedDeployments(store, 'web', 'staging', [{ state: 'failure', sha: OTHER }, { state: 'success', sha: SHA, url: 'http://staging' }]);
  const history = await store.listDeployments(staging.id, 10);
  await store.markReported(history[0]?.id ?? 0, 'success', 9001);
  await store.putPrComment({ repo: 'acme/web', pr: 7, commentId: 555, body: 'previews:\n- pr-7' });
  await store.recordRecovery({ hook: '42', position: 123, asked: ['guid-1', 'guid-2'], forgetBefore: 0 });
  await store.recordUse([{ app: 'web', env: 'staging', at: Date.now() }]);
  await store.decideApproval({ repo: 'acme/web', pr: 7, login: 'octo', state: 'approved', sha: SHA, reason: null, apps: ['web'] });
  const events = await store.recordedEvents(50);
  const [first] = events;
  assert.ok(first !== undefined, 'deployments recorded notification events');
  await store.queueNotifications([{ seq: first.seq, notifications: [{ id: `chat-${first.seq}`, receiver: 'chat' }] }]);
  return { store, dataDir };
}

/** Everything the read methods answer about the store, for comparing two stores. */
async function answers(store: Store) {
  const environments = await store.listEnvironments({ includeDestroyed: true });
  const ids = environments.map((env) => env.id);
  const deliveries = await store.listDeliveries({ limit: 1000 });
  const deployments = (await Promise.all(ids.map((id) => store.listDeployments(id, 100)))).flat();
  const notifications = await store.listNotifications({ limit: 100 });
  // Bytes on disk differ from one database to the other; the counts must not.
  const sizes = { ...(await store.sizes()), bytes: 0 };
  return {
    environments,
    each: await Promise.all(environments.map((env) => store.getEnvironment(env.app, env.name))),
    unconverged: await store.unconvergedEnvironments(100),
    deployments,
    details: await Promise.all(deployments.map((deployment) => store.getDeployment(deployment.id))),
    histories: await Promise.all(ids.map((id) => store.deploymentHistory(id, 100))),
    latest: [...(await store.latestDeployments(ids, 5)).entries()],
    finished: await store.finishedDeployments(0),
    waiting: await store.waitingDeployments(),
    unreported: await store.unreportedDeployments(100),
    deliveries,
    full: await Promise.all(deliveries.map((delivery) => store.getDelivery(delivery.id))),
    effects: await Promise.all(deliveries.map((delivery) => store.deliveryEffects(delivery.id))),
    backlog: await store.backlog(),
    hooks: await store.listHooks(),
    repositoryHooks: await store.repositoryHooks(),
    recovery: await store.recoveryPosition('42'),
    missed: await store.missedDeliveries(['guid-1', 'guid-3', 'push-1']),
    signals: [await store.signalsFor('ACME/web', SHA), await store.signalsFor('acme/web', OTHER)],
    approval: await store.approvalFor('acme/web', 7),
    approvalRequests: await store.approvalRequests(),
    commands: await store.pendingCommands(),
    lastCommand: await store.lastCommand('acme/web', 7),
    comment: await store.getPrComment('acme/web', 7),
    recorded: await store.recordedEvents(100),
    notifications,
    notificationsEach: await Promise.all(notifications.map((notification) => store.getNotification(notification.id))),
    sizes,
  };
}

test('export from SQLite and import into PostgreSQL: both stores give the same answers, and PostgreSQL\'s next ids follow the imported ones', async (t) => {
  const { store: sqlite, dataDir } = await filledStore(t);
  const file = join(tempDir(t), 'slipway-export.jsonl');
  // The SQLite store is open meanwhile, as a running slipway holds it.
  const exported = await exportStore(dataDir, file);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the export holds payloads and logs: only its owner reads it');
  for (const table of TABLES) assert.ok((exported.rows[table.name] ?? 0) > 0, `the fixture has rows of ${table.name}`);

  const db = await testDatabase(t);
  const imported = await importStore(db.url, file);
  assert.deepEqual(imported.rows, exported.rows);
  const pg = await db.open();
  const before = await answers(sqlite);
  // What is compared holds something of each kind.
  assert.ok(before.histories.flat().some((deployment) => deployment.timeline.length > 0));
  assert.ok(before.full.every((delivery) => delivery?.payload?.includes('ünïcode ✓')));
  assert.deepEqual([before.environments.length, before.deployments.length, before.backlog.pending], [3, 2, 1]);
  assert.deepEqual([before.recovery, before.missed, before.hooks.length, before.signals.flat().length], [123, ['guid-3'], 1, 2]);
  assert.ok(before.approval !== null && before.lastCommand !== null && before.comment !== null && before.notifications.length === 1 && before.recorded.length > 0);
  assert.deepEqual(await answers(pg), before);

  // New rows take ids past the imported ones, in both stores alike.
  await deliver(sqlite, 'after-1', 'push');
  await deliver(pg, 'after-1', 'push');
  const [sqliteAfter] = await sqlite.listDeliveries({ limit: 1 });
  const [pgAfter] = await pg.listDeliveries({ limit: 1 });
  assert.equal(pgAfter?.seq, sqliteAfter?.seq);
  await sqlite.changeEnvironments([follow('web', 'new', 'refs/heads/new')], 'test');
  await pg.changeEnvironments([follow('web', 'new', 'refs/heads/new')], 'test');
  assert.equal((await pg.getEnvironment('web', 'new'))?.id, (await sqlite.getEnvironment('web', 'new'))?.id);
  const staging = await pg.getEnvironment('web', 'staging');
  assert.ok(staging !== null);
  const seeded = await seedDeployments(pg, 'web', 'staging', [{ state: 'success', sha: OTHER }]);
  const newest = (await pg.listDeployments(seeded.id, 1))[0];
  assert.ok(newest !== undefined && newest.id > Math.max(...before.deployments.map((deployment) => deployment.id)));
});

test('import refuses a store that is not empty, and changes nothing in it', async (t) => {
  const { dataDir } = await filledStore(t);
  const file = join(tempDir(t), 'export.jsonl');
  await exportStore(dataDir, file);
  const db = await testDatabase(t);
  const pg = await db.open();
  await deliver(pg, 'already-here', 'push');
  await assert.rejects(importStore(db.url, file), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'import_not_empty');
    assert.match(error.message, /^the PostgreSQL store at postgres:\/\/postgres@127\.0\.0\.1:5432\/slipway_test_\w+ is not empty \(it has deliveries, delivery_payloads\): slipway import writes only into an empty store; nothing was imported$/);
    return true;
  });
  assert.deepEqual((await pg.listDeliveries({ limit: 10 })).map((delivery) => delivery.id), ['already-here']);
});

test('a file cut off, altered or not an export imports nothing, and says which line is wrong', async (t) => {
  const { dataDir } = await filledStore(t);
  const dir = tempDir(t);
  const file = join(dir, 'export.jsonl');
  await exportStore(dataDir, file);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  const variant = (name: string, content: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${content.join('\n')}\n`);
    return path;
  };
  const environmentLine = lines.findIndex((line) => line.startsWith('{"table":"environments"'));
  const withColumn = JSON.parse(lines[environmentLine] ?? '{}') as { row: Record<string, unknown> };
  withColumn.row.surprise = 1;
  const wrongType = JSON.parse(lines[environmentLine] ?? '{}') as { row: Record<string, unknown> };
  wrongType.row.present = 'yes';
  const cases: [string, string[], RegExp][] = [
    ['cut.jsonl', lines.slice(0, -3), /cut\.jsonl cannot be imported: it ends before its last line: the export was cut off; nothing was imported$/],
    ['column.jsonl', lines.with(environmentLine, JSON.stringify(withColumn)), new RegExp(`column\\.jsonl:${environmentLine + 1} cannot be imported: environments has no column "surprise"`)],
    ['type.jsonl', lines.with(environmentLine, JSON.stringify(wrongType)), new RegExp(`type\\.jsonl:${environmentLine + 1} cannot be imported: environments\\.present: expected true or false`)],
    ['counts.jsonl', lines.toSpliced(lines.findIndex((line) => line.startsWith('{"table":"redeliveries"')), 1), /counts\.jsonl says it holds 2 rows of redeliveries but has 1; nothing was imported/],
    ['other.jsonl', ['{"hello":"world"}'], /other\.jsonl:1 cannot be imported: it is not a file "slipway export" wrote/],
    ['garbage.jsonl', [lines[0] ?? '', 'not json'], /garbage\.jsonl:2 cannot be imported: it is not JSON/],
  ];
  for (const [name, content, message] of cases) {
    const db = await testDatabase(t);
    await assert.rejects(importStore(db.url, variant(name, content)), message, name);
    const counts = await db.query<{ count: number }>('SELECT (SELECT count(*) FROM environments) + (SELECT count(*) FROM deliveries) AS count');
    assert.equal(Number(counts[0]?.count), 0, `${name}: nothing was written`);
  }
});

test('export refuses to replace a file, and says so when there is no store to export', async (t) => {
  const { dataDir } = await filledStore(t);
  const file = join(tempDir(t), 'taken.jsonl');
  writeFileSync(file, 'mine');
  await assert.rejects(exportStore(dataDir, file), /taken\.jsonl already exists; remove it or name another file/);
  assert.equal(readFileSync(file, 'utf8'), 'mine');
  await assert.rejects(exportStore(join(tempDir(t), 'none'), join(tempDir(t), 'x.jsonl')), /there is no slipway store at .*none\/slipway\.db; check store\.dataDir/);
});
