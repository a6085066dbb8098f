// The GitHub API cannot run here: `startFakeGitHub` (test/helpers/fake-github.ts) is a real
// local HTTP server standing in for it. It lists a hook's deliveries newest first, a few per
// page with a `cursor` in the Link header as GitHub does, and accepts redelivery requests.
// The store is a real SqliteStore in a temp folder.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createGitHubClients, type GitHubClients } from '../../src/github/client.js';
import { recoverDeliveries, type DeliveryRecoveryOptions } from '../../src/github/deliveries.js';
import { createLogger } from '../../src/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewDelivery } from '../../src/store/store.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { tempDir } from '../helpers/temp.js';
import { finishPending } from '../store/contract/inbox.js';

const TOKEN = 'ghp_recoveryT0kenThatMustNeverLeak';
const NOW = Date.parse('2024-05-01T12:00:00Z');
const log = createLogger({ level: 'silent', pretty: false });

interface Listed {
  id: number;
  guid: string;
  status_code: number;
  delivered_at: string;
  redelivery: boolean;
}

const minutesAgo = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
const attempt = (id: number, guid: string, status: number, minutes = 10): Listed => ({
  id,
  guid,
  status_code: status,
  delivered_at: minutesAgo(minutes),
  redelivery: false,
});

/** Serves `list` (newest first) at `path`, `pageSize` per page, paged by an opaque cursor. */
function serveDeliveries(fake: FakeGitHub, path: string, list: Listed[], pageSize = 100) {
  fake.on('GET', path, (req) => {
    const start = Number(req.query.get('cursor') ?? '0');
    const items = list.slice(start, start + pageSize);
    const next = start + pageSize < list.length ? `<${fake.url}${path}?per_page=100&cursor=${start + pageSize}>; rel="next"` : null;
    const headers: Record<string, string> = next === null ? {} : { link: next };
    return { body: items, headers };
  });
  fake.on('POST', new RegExp(`${path}/(\\d+)/attempts`), () => ({ status: 202, body: {} }));
}

const redeliveries = (fake: FakeGitHub) => fake.calls(/^POST /).map((line) => Number(/\/(\d+)\/attempts$/.exec(line)?.[1]));

function inbox(id: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    id,
    event: 'push',
    action: null,
    hookId: '42',
    targetType: 'repository',
    targetId: '7',
    repository: 'acme/web',
    receivedAt: NOW,
    payload: Buffer.from('{}'),
    ...overrides,
  };
}

async function open(t: TestContext, dir = tempDir(t)) {
  const store = await SqliteStore.open(dir);
  t.after(() => store.close());
  return store;
}

function run(clients: GitHubClients, store: SqliteStore, extra: Partial<DeliveryRecoveryOptions> = {}) {
  return recoverDeliveries({ clients, store, repos: ['acme/web'], log, signal: AbortSignal.timeout(10_000), now: () => NOW, ...extra });
}

const HOOK = '/repos/acme/web/hooks/42/deliveries';

test('exactly the deliveries that failed and never arrived are redelivered, once, by their newest attempt', async (t) => {
  const fake = await startFakeGitHub(t);
  const clients = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: TOKEN }, log });
  const store = await open(t);
  await store.insertDelivery(inbox('g-timed-out-but-arrived'));
  serveDeliveries(fake, HOOK, [
    { ...attempt(108, 'g-retried', 200, 5), redelivery: true },
    attempt(107, 'g-twice', 502, 6),
    attempt(106, 'g-retried', 500, 7),
    attempt(105, 'g-missed', 0, 8),
    attempt(104, 'g-twice', 500, 9),
    attempt(103, 'g-timed-out-but-arrived', 0, 10),
    attempt(102, 'g-ok', 202, 11),
  ]);

  const [first] = await run(clients, store);
  assert.deepEqual(first, { hook: '42', read: 7, redelivered: ['g-missed', 'g-twice'] });
  assert.deepEqual(redeliveries(fake), [105, 107], 'oldest first, each by its newest attempt');
  const auth = fake.requests.map((req) => req.headers.authorization);
  assert.ok(auth.every((value) => value === `token ${TOKEN}`));

  const [second] = await run(clients, store);
  assert.deepEqual(second, { hook: '42', read: 0, redelivered: [] });
  assert.deepEqual(redeliveries(fake), [105, 107], 'nothing is asked twice');
  assert.equal(await store.recoveryPosition('42'), 108);
});

test('the position survives a restart: only deliveries after it are read, on one page', async (t) => {
  const fake = await startFakeGitHub(t);
  const clients = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: TOKEN }, log });
  const dir = tempDir(t);
  const before = await SqliteStore.open(dir);
  await before.insertDelivery(inbox('g-1'));
  const list = [attempt(203, 'g-3', 200), attempt(202, 'g-2', 500), attempt(201, 'g-1', 200)];
  serveDeliveries(fake, HOOK, list, 2);
  assert.deepEqual((await run(clients, before))[0]?.redelivered, ['g-2']);
  await before.close();

  const store = await open(t, dir);
  list.unshift(attempt(205, 'g-5', 0, 2), attempt(204, 'g-4', 200, 3));
  fake.requests.length = 0;
  assert.deepEqual(await run(clients, store), [{ hook: '42', read: 2, redelivered: ['g-5'] }]);
  assert.deepEqual(fake.calls(), ['GET /repos/acme/web/hooks/42/deliveries', 'GET /repos/acme/web/hooks/42/deliveries', 'POST /repos/acme/web/hooks/42/deliveries/205/attempts']);
  assert.deepEqual(fake.requests.map((req) => req.query.get('cursor')), [null, '2', null], 'the second page holds the position: the read stops there');
});

test('pages are followed through the Link header cursor until the position', async (t) => {
  const fake = await startFakeGitHub(t);
  const clients = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: TOKEN }, log });
  const store = await open(t);
  await store.insertDelivery(inbox('g-seen'));
  const list = [1, 2, 3, 4, 5].map((n) => attempt(300 + 6 - n, `g-${6 - n}`, n % 2 === 0 ? 200 : 500));
  serveDeliveries(fake, HOOK, list, 2);
  const [result] = await run(clients, store);
  assert.deepEqual(result, { hook: '42', read: 5, redelivered: ['g-1', 'g-3', 'g-5'] });
  assert.deepEqual(fake.requests.filter((req) => req.method === 'GET').map((req) => req.query.get('cursor')), [null, '2', '4']);
  assert.equal(fake.requests[0]?.query.get('per_page'), '100');
});

test('the first run reads back GitHub retention (3 days) only; the newest minute stays ahead of the position', async (t) => {
  const fake = await startFakeGitHub(t);
  const clients = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: TOKEN }, log });
  const store = await open(t);
  await store.insertDelivery(inbox('g-unrelated'));
  serveDeliveries(fake, HOOK, [attempt(403, 'g-just-now', 500, 0.2), attempt(402, 'g-recent', 500, 60), attempt(401, 'g-too-old', 500, 3 * 24 * 60 + 1)]);
  assert.deepEqual((await run(clients, store))[0]?.redelivered, ['g-recent', 'g-just-now']);
  assert.equal(await store.recoveryPosition('42'), 402, 'a delivery of the last minute may still be listed late: it is read again');
  assert.deepEqual((await run(clients, store))[0], { hook: '42', read: 1, redelivered: [] });
});

test('with a GitHub App, the App hook is read and redelivered through /app/hook', async (t) => {
  const fake = await startFakeGitHub(t);
  const tokenClients = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: TOKEN }, log });
  const appOctokit = await tokenClients.forRepo('acme/web');
  // The App's own client (its JWT) is the other helper's work; here it is any client of the fake.
  const clients = { ...tokenClients, forApp: () => appOctokit };
  const store = await open(t);
  serveDeliveries(fake, '/app/hook/deliveries', [attempt(502, 'g-b', 500), attempt(501, 'g-a', 200)]);
  assert.deepEqual(await run(clients, store), [{ hook: 'app', read: 2, redelivered: ['g-b'] }]);
  assert.deepEqual(fake.calls(), ['GET /app/hook/deliveries', 'POST /app/hook/deliveries/502/attempts']);
  assert.equal(await store.recoveryPosition('app'), 502);
});

test('hooks of repositories no app is configured for are not read; hooks learned from pings are', async (t) => {
  const fake = await startFakeGitHub(t);
  const clients = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: TOKEN }, log });
  const store = await open(t);
  await store.insertDelivery(inbox('d-other', { hookId: '99', repository: 'other/repo' }));
  await store.insertDelivery(inbox('d-app', { hookId: '5', targetType: 'integration' }));
  await store.insertDelivery(inbox('d-ping', { event: 'ping', hookId: null, targetType: null }));
  await finishPending(store, [
    { id: 'd-ping', status: 'processed', error: null, processedAt: NOW, hook: { id: '77', type: 'Repository', events: ['*'], repository: 'Acme/Web', seenAt: NOW } },
  ]);
  serveDeliveries(fake, '/repos/Acme/Web/hooks/77/deliveries', [attempt(601, 'g-x', 500)]);
  assert.deepEqual(await run(clients, store), [{ hook: '77', read: 1, redelivered: ['g-x'] }]);
  assert.deepEqual(fake.calls(), ['GET /repos/Acme/Web/hooks/77/deliveries', 'POST /repos/Acme/Web/hooks/77/deliveries/601/attempts']);
});

test('an API error stops the run: nothing is redelivered, the position stays, the next run catches up', async (t) => {
  const fake = await startFakeGitHub(t);
  const lines: string[] = [];
  const captured = createLogger({ level: 'warn', pretty: false, destination: { write: (line: string) => void lines.push(line) } });
  const clients = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: TOKEN }, log: captured });
  const store = await open(t);
  await store.insertDelivery(inbox('g-arrived'));
  fake.on('GET', HOOK, () => ({ status: 500, body: { message: 'Server Error' } }));
  const [down] = await run(clients, store, { log: captured });
  assert.equal(down?.redelivered.length, 0);
  assert.match(down?.error ?? '', /^GET \/repos\/acme\/web\/hooks\/42\/deliveries failed with HTTP 500: GitHub said "Server Error"; try again later$/);
  assert.equal(fake.calls(/^GET/).length, 1, 'a periodic run does not retry: the next run is the retry');
  assert.deepEqual(fake.calls(/^POST/), []);
  assert.equal(await store.recoveryPosition('42'), null);

  // The list answers, but the first redelivery fails: the run stops there, keeping its position.
  serveDeliveries(fake, HOOK, [attempt(703, 'g-late', 500), attempt(702, 'g-early', 500), attempt(701, 'g-arrived', 0)]);
  let refuse = true;
  fake.on('POST', new RegExp(`${HOOK}/(\\d+)/attempts`), () => (refuse ? { status: 503, body: { message: 'busy' } } : { status: 202, body: {} }));
  assert.match((await run(clients, store, { log: captured }))[0]?.error ?? '', /HTTP 503/);
  assert.equal(await store.recoveryPosition('42'), null);

  refuse = false;
  assert.deepEqual((await run(clients, store, { log: captured }))[0]?.redelivered, ['g-early', 'g-late']);
  assert.equal(await store.recoveryPosition('42'), 703);
  assert.ok(lines.length >= 2, 'the failures are logged');
  assert.ok(lines.every((line) => !line.includes(TOKEN)), 'the token is never logged');
});
