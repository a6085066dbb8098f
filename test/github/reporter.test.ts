// The reporter's pull request comments over real stores. The fake GitHub server stands in for
// the REST API (listing, creating and editing issue comments), which cannot run here.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { EnvironmentChange } from '../../src/domain/environments.js';
import { createGitHubClients } from '../../src/github/client.js';
import { Reporter, type ReportedApp, type ReporterOptions } from '../../src/github/reporter.js';
import { createLogger } from '../../src/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { testDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

const preview: EnvironmentChange = { kind: 'follow', app: 'web', env: 'pr-7', ref: 'refs/pull/7/head', shaHint: null, pr: 7, branch: 'feature/x', ttlMs: 86_400_000, trigger: 'pull_request.opened' };
const apps = new Map<string, ReportedApp>([['web', { repo: 'acme/web', environments: [] }]]);
const COMMENT = 99;

/** GitHub as the comments need it: no comment on #7 yet, then the one slipway creates, edited in place. */
async function github(t: TestContext, created: () => { status: number; body: unknown } = () => ({ status: 201, body: { id: COMMENT } })): Promise<FakeGitHub> {
  const fake = await startFakeGitHub(t);
  fake.on('GET', '/repos/acme/web/issues/7/comments', () => ({ body: [] }));
  fake.on('POST', '/repos/acme/web/issues/7/comments', created);
  fake.on('PATCH', `/repos/acme/web/issues/comments/${COMMENT}`, () => ({ body: { id: COMMENT } }));
  return fake;
}

/** A reporter on `store`, stopped when the test ends; it polls once a minute, so only a nudge makes it look sooner. */
function reporter(t: TestContext, store: Store, fake: FakeGitHub, turn: boolean): Reporter {
  const log = createLogger({ level: 'silent', pretty: false });
  const options: ReporterOptions = {
    store,
    clients: createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: 'ghp_reporter' }, log, retries: 0 }),
    apps,
    publicUrl: null,
    log,
    pollMs: 60_000,
    turn: () => Promise.resolve(turn),
  };
  const made = new Reporter(options);
  made.start();
  t.after(() => made.stop());
  return made;
}

/** The bodies slipway sent for the comment of #7: created, then edited. */
const bodies = (fake: FakeGitHub) =>
  fake.requests.filter((request) => /\/issues\/(7\/comments|comments\/\d+)$/.test(request.path) && request.method !== 'GET').map((request) => (request.body as { body: string }).body);

const none = async (store: Store) => ((await store.commentRequests(10)).length === 0 ? true : undefined);

test('a comment asked for on a replica whose turn it is not is written by the one that reports, on another store object, nudged at once', async (t) => {
  const db = await testDatabase(t);
  const [mine, theirs] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  await mine.changeEnvironments([preview], 'test');
  const fake = await github(t);

  // Not this replica's turn: what it asks for, its catch-up at start too, waits in the store.
  const idle = reporter(t, mine, fake, false);
  await eventually(async () => ((await mine.commentRequests(10)).length === 1 ? true : undefined), 10_000);
  reporter(t, theirs, fake, true);
  await eventually(async () => (bodies(fake).length === 1 ? none(theirs) : undefined), 20_000);
  assert.doesNotMatch(bodies(fake)[0] ?? '', /kept/);

  // `/slipway keep` on the idle replica: the reporting one edits the comment long before its next poll.
  await mine.changeEnvironments([{ kind: 'command', app: 'web', env: 'pr-7', trigger: 'issue_comment', keep: true }], 'test');
  idle.commentOn('acme/web', 7);
  await eventually(async () => (bodies(fake).length === 2 ? none(mine) : undefined), 20_000);
  assert.match(bodies(fake)[1] ?? '', /\| kept \|/);
  assert.deepEqual(fake.calls(/PATCH/), [`PATCH /repos/acme/web/issues/comments/${COMMENT}`]);
});

test('a comment GitHub fails to write keeps its request, and is written at a later pass', async (t) => {
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  await store.changeEnvironments([preview], 'test');
  let up = false;
  const fake = await github(t, () => (up ? { status: 201, body: { id: COMMENT } } : { status: 502, body: { message: 'Bad Gateway' } }));
  reporter(t, store, fake, true);
  await eventually(async () => (fake.calls(/POST/).length >= 2 ? true : undefined), 20_000);
  assert.deepEqual((await store.commentRequests(10)).map((request) => `${request.repo}#${request.pr}`), ['acme/web#7'], 'tried again, and still asked for');
  up = true;
  await eventually(async () => ((await store.getPrComment('acme/web', 7))?.commentId === COMMENT ? none(store) : undefined), 20_000);
});
