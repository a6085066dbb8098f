import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Route } from '../../src/domain/routes.js';
import { createLogger } from '../../src/logger.js';
import { RouteTable } from '../../src/router/routes.js';
import { SharedRoutes } from '../../src/router/shared-routes.js';
import type { PgStore } from '../../src/store/postgres/pg-store.js';
import type { RouteStore } from '../../src/store/replicas.js';
import { testDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/webhook.js';

// Replicas on one PostgreSQL share their routes: each replica here is a route table with its
// SharedRoutes on a PgStore of its own. The poll is an hour: what arrives, arrives by NOTIFY.

const HOUR = 3_600_000;

async function replica(t: TestContext, store: PgStore, routeStore: RouteStore = store, logged: string[] = []) {
  const table = new RouteTable({ domain: 'localhost', publicPort: 8081 });
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => logged.push(line) } });
  const shared = new SharedRoutes({ table, store: routeStore, work: store, log, pollMs: HOUR });
  await shared.start();
  t.after(() => shared.stop());
  return table;
}

const becomes = (table: RouteTable, app: string, env: string, route: Route | undefined) =>
  eventually(async () => (JSON.stringify(table.lookup(app, env)) === JSON.stringify(route) ? true : undefined), 10_000);

test('what one replica routes, every replica routes: switches, pages and removals, by word of the store', async (t) => {
  const db = await testDatabase(t);
  const [a, b] = [await replica(t, await db.open({ poolSize: 2 })), await replica(t, await db.open({ poolSize: 2 }))];

  a.starting('web', 'pr-7');
  await becomes(b, 'web', 'pr-7', { kind: 'starting' });
  a.set('web', 'pr-7', 24001, '10.0.0.5');
  await becomes(b, 'web', 'pr-7', { kind: 'ready', host: '10.0.0.5', port: 24001 });
  b.crashed('api', 'qa', { exitCode: 3, signal: null, restarts: 5 });
  await becomes(a, 'api', 'qa', { kind: 'crashed', exitCode: 3, signal: null, restarts: 5 });
  a.sleeping('web', 'pr-7');
  await becomes(b, 'web', 'pr-7', { kind: 'sleeping' });
  a.remove('web', 'pr-7');
  await becomes(b, 'web', 'pr-7', undefined);
  assert.deepEqual(b.list(), [{ app: 'api', env: 'qa', route: { kind: 'crashed', exitCode: 3, signal: null, restarts: 5 } }]);

  // A replica that starts later routes what the others set, from its start.
  const late = await replica(t, await db.open({ poolSize: 2 }));
  assert.deepEqual(late.lookup('api', 'qa'), { kind: 'crashed', exitCode: 3, signal: null, restarts: 5 });
});

test('a route the store refuses stays routed here, is stored once the store answers again, and no read in between undoes it', async (t) => {
  const db = await testDatabase(t);
  const [storeA, storeB] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  let refusing = true;
  const flaky: RouteStore = {
    putRoute: (app, env, route) => (refusing ? Promise.reject(new Error('connection terminated')) : storeA.putRoute(app, env, route)),
    listRoutes: () => storeA.listRoutes(),
  };
  const logged: string[] = [];
  const a = await replica(t, storeA, flaky, logged);
  const b = await replica(t, storeB);
  b.set('web', 'pr-7', 24001);
  await becomes(a, 'web', 'pr-7', { kind: 'ready', host: '127.0.0.1', port: 24001 });

  a.set('web', 'pr-7', 24002);
  await eventually(async () => (logged.some((line) => line.includes('cannot share routes through the store')) ? true : undefined));
  // Another replica's change brings word, and a read of the store that still says 24001.
  b.set('api', 'qa', 24003);
  await becomes(a, 'api', 'qa', { kind: 'ready', host: '127.0.0.1', port: 24003 });
  assert.deepEqual(a.lookup('web', 'pr-7'), { kind: 'ready', host: '127.0.0.1', port: 24002 }, 'not undone by the older stored route');

  refusing = false;
  await becomes(b, 'web', 'pr-7', { kind: 'ready', host: '127.0.0.1', port: 24002 });
  await eventually(async () => (logged.some((line) => line.includes('routes are shared again')) ? true : undefined));
});

test('a stored route that does not read as one is left out, not followed', async (t) => {
  const db = await testDatabase(t);
  const store = await db.open({ poolSize: 2 });
  await store.putRoute('web', 'pr-7', { kind: 'ready', host: '127.0.0.1', port: 24001 });
  await db.query(`INSERT INTO routes (app, env, route, updated_at) VALUES ('web', 'pr-8', '{"kind":"ready","port":"x"}', now()), ('web', 'pr-9', 'not json', now())`);
  assert.deepEqual(await store.listRoutes(), [{ app: 'web', env: 'pr-7', route: { kind: 'ready', host: '127.0.0.1', port: 24001 } }]);
  const table = await replica(t, store);
  assert.deepEqual(table.list().map((entry) => entry.env), ['pr-7']);
});
