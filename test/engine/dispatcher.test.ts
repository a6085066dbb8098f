import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Dispatcher } from '../../src/engine/dispatcher.js';
import type { Policy } from '../../src/engine/dispatch.js';
import { createMetrics } from '../../src/metrics.js';
import { createLogger } from '../../src/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { branchPolicy } from '../helpers/branch-policy.js';
import { push } from '../helpers/ci.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// The real dispatcher over a real SQLite inbox. Policy is the real one, wrapped so that one
// branch stands in for a delivery that breaks it: a bug that throws, or an effect the store
// refuses. Either must fail that delivery alone, and the ones after it still apply, in order.

async function setup(t: TestContext, policy: (real: Policy) => Policy) {
  const dir = tempDir(t);
  const store = await SqliteStore.open(join(dir, 'data'));
  const dispatcher = new Dispatcher({
    store,
    log: createLogger({ level: 'silent', pretty: false }),
    metrics: createMetrics(store),
    pollMs: 20,
    policy: policy(branchPolicy(dir)),
  });
  t.after(async () => {
    await dispatcher.stop();
    await store.close();
  });
  let at = Date.now();
  const insert = async (id: string, branch: string) => {
    const payload = Buffer.from(JSON.stringify(push(branch, 'a'.repeat(40))));
    const delivery = { id, event: 'push', action: null, hookId: '1', targetType: 'repository', targetId: '1', repository: 'acme/webapp', receivedAt: (at += 1), payload };
    assert.equal(await store.insertDelivery(delivery), 'inserted');
  };
  return { store, dispatcher, insert };
}

const settled = (store: SqliteStore, ids: string[]) =>
  eventually(async () => {
    const all = await Promise.all(ids.map((id) => store.getDelivery(id)));
    return all.every((delivery) => delivery !== null && delivery.status !== 'pending') ? all : undefined;
  }, 5000);

test('a delivery whose policy throws fails with its reason; the deliveries after it are applied', async (t) => {
  const { store, dispatcher, insert } = await setup(t, (real) => (event) => {
    if (event.kind === 'push' && event.ref === 'refs/heads/poison') throw new TypeError('cannot read properties of undefined (reading "x")');
    return real(event);
  });
  await insert('d1', 'one');
  await insert('d2', 'poison');
  await insert('d3', 'two');
  dispatcher.start();
  const [first, poisoned, third] = await settled(store, ['d1', 'd2', 'd3']);
  assert.equal(first?.status, 'processed');
  assert.equal(third?.status, 'processed');
  assert.equal(poisoned?.status, 'failed');
  assert.match(poisoned?.error ?? '', /cannot read properties of undefined/);
  assert.match(poisoned?.error ?? '', /slipway replay d2/);
  assert.ok((poisoned?.payload?.length ?? 0) > 0, 'its payload is kept for replay');
  assert.equal((await store.getEnvironment('webapp', 'br-one'))?.present, true);
  assert.equal((await store.getEnvironment('webapp', 'br-two'))?.present, true);
});

test('a delivery whose effects the store refuses fails alone; earlier and later ones apply in order', async (t) => {
  const { store, dispatcher, insert } = await setup(t, (real) => (event) => {
    const result = real(event);
    if (event.kind !== 'push' || event.ref !== 'refs/heads/poison') return result;
    // An effect the store cannot apply (environments.app is NOT NULL).
    return { ...result, intents: result.intents.map((intent) => ({ ...intent, app: null as unknown as string })) };
  });
  await insert('d1', 'one');
  await insert('d2', 'poison');
  await insert('d3', 'two');
  await insert('d4', 'one');
  dispatcher.start();
  const [first, poisoned, third, fourth] = await settled(store, ['d1', 'd2', 'd3', 'd4']);
  assert.deepEqual([first?.status, poisoned?.status, third?.status, fourth?.status], ['processed', 'failed', 'processed', 'processed']);
  assert.match(poisoned?.error ?? '', /NOT NULL/);
  assert.equal((await store.getEnvironment('webapp', 'br-two'))?.present, true);
  // d4 applied after d1: the environment moved twice.
  assert.equal((await store.getEnvironment('webapp', 'br-one'))?.lastDelivery, 'd4');
  assert.equal(await store.getEnvironment('webapp', 'br-poison'), null);
});

test('two dispatchers sharing a store apply each delivery once, each repository\'s in arrival order', async (t) => {
  const dir = tempDir(t);
  const store = await SqliteStore.open(join(dir, 'data'));
  const real = branchPolicy(dir);
  // Which dispatcher dispatched which delivery: the branch names say `<repository>-<n>`.
  const dispatched: { by: string; branch: string }[] = [];
  const dispatcher = (by: string) =>
    new Dispatcher({
      store,
      log: createLogger({ level: 'silent', pretty: false }),
      metrics: createMetrics(store),
      pollMs: 20,
      batchSize: 3,
      policy: (event) => {
        if (event.kind === 'push') dispatched.push({ by, branch: event.ref.slice('refs/heads/'.length) });
        return real(event);
      },
    });
  const both = [dispatcher('A'), dispatcher('B')];
  t.after(async () => {
    for (const one of both) await one.stop();
    await store.close();
  });
  const repos = ['acme/webapp', 'acme/one', 'acme/two', 'acme/three'];
  const ids: string[] = [];
  for (let n = 0; n < 15; n += 1) {
    for (const [r, repository] of repos.entries()) {
      const id = `d-${r}-${n}`;
      ids.push(id);
      const payload = Buffer.from(JSON.stringify(push(`${r}-${n}`, 'a'.repeat(40))));
      await store.insertDelivery({ id, event: 'push', action: null, hookId: '1', targetType: 'repository', targetId: '1', repository, receivedAt: Date.now(), payload });
    }
  }
  for (const one of both) one.start();
  const finished = await settled(store, ids);
  assert.ok(finished.every((delivery) => delivery?.status === 'processed'), 'every delivery applied');
  assert.equal(dispatched.length, ids.length, 'each dispatched once');
  for (const r of repos.keys()) {
    const order = dispatched.filter(({ branch }) => branch.startsWith(`${r}-`)).map(({ branch }) => Number(branch.split('-')[1]));
    assert.deepEqual(order, Array.from({ length: 15 }, (_, n) => n), `repository ${r} in arrival order`);
  }
  assert.deepEqual(new Set(dispatched.map(({ by }) => by)), new Set(['A', 'B']), 'both took a share');
});

test('a dispatcher waiting out its backoff looks again when asked whether it reaches the store, and says how that went', async (t) => {
  const dir = tempDir(t);
  const real = await SqliteStore.open(join(dir, 'data'));
  // The store "down": its claims fail, as PostgreSQL's do while it is stopped.
  const down = { now: true };
  let claims = 0;
  const store = new Proxy(real, {
    get(target, property, receiver) {
      if (property !== 'claimDeliveries') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<SqliteStore['claimDeliveries']>) => {
        claims += 1;
        if (down.now) throw new Error('the store is unavailable');
        return target.claimDeliveries(...args);
      };
    },
  });
  const dispatcher = new Dispatcher({ store, log: createLogger({ level: 'silent', pretty: false }), metrics: createMetrics(real), pollMs: 60_000, policy: branchPolicy(dir) });
  t.after(async () => {
    await dispatcher.stop();
    await real.close();
  });
  dispatcher.start();
  // Five failed claims in a row: it waits 3.2 s before the sixth, far past the wait asked for below.
  await eventually(async () => (claims >= 5 ? true : undefined), 10_000);
  assert.equal(dispatcher.running, false);

  assert.equal(await dispatcher.reaches(1000), false, 'the store still fails');
  assert.equal(claims, 6, 'it claimed again at once');
  down.now = false;
  assert.equal(await dispatcher.reaches(1000), true, 'it reaches the store again, without waiting out its backoff');
  assert.equal(claims, 7);
  assert.equal(dispatcher.running, true);
  assert.equal(await dispatcher.reaches(1000), true);
  assert.equal(claims, 7, 'a dispatcher that reaches the store is not made to claim again');
});
