// The GitHub API cannot run here: `startFakeGitHub` (test/helpers/fake-github.ts) is a real
// local HTTP server standing in for it, answering with pull requests shaped as GitHub's REST
// API gives them (the webhook fixtures' `pull_request` objects). The store is a real
// SqliteStore; policy and config are the real ones.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { sweepGitHub } from '../../src/engine/github-sweep.js';
import { createGitHubClients } from '../../src/github/client.js';
import { repoState } from '../../src/github/repo-state.js';
import { slugName } from '../../src/names.js';
import { createLogger } from '../../src/logger.js';
import type { EnvironmentChange } from '../../src/domain/environments.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { tempDir } from '../helpers/temp.js';
import { fixture } from '../helpers/webapp.js';

const log = createLogger({ level: 'silent', pretty: false });
const config = parseConfig(
  `
apps:
  - name: webapp
    repo: acme/webapp
    target: { type: command, deploy: [x] }
    environments:
      - name: staging
        track: { branch: main }
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
      - name: br-{branch}
        track: { branches: ["feature/**"] }
`,
  'test.yaml',
  {},
  '/srv',
);

const base = fixture('pull-request-closed-merged').pull_request;
const repository = fixture('pull-request-closed-merged').repository;
/** A pull request as `GET /repos/acme/webapp/pulls` lists it. */
function pull(number: number, overrides: Record<string, unknown> = {}) {
  return { ...base, number, state: 'open', merged_at: null, closed_at: null, merged: false, updated_at: '2030-01-01T00:00:00Z', ...overrides };
}

async function start(t: TestContext) {
  const fake = await startFakeGitHub(t);
  const clients = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: 'ghp_x' }, log });
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  const sweep = () => sweepGitHub({ config, store, github: repoState({ clients, signal: AbortSignal.timeout(10_000), maxPages: 3 }), log });
  return { fake, store, sweep };
}

const preview = (number: number): EnvironmentChange => ({
  kind: 'follow', app: 'webapp', env: `pr-${number}`, ref: `refs/pull/${number}/head`, shaHint: null, pr: number, branch: 'x', ttlMs: null, trigger: 'pull_request.opened', rule: 'pr-{number}',
});
const branchEnv = (branch: string): EnvironmentChange => ({
  kind: 'follow', app: 'webapp', env: `br-${branch.replace('/', '-')}`, ref: `refs/heads/${branch}`, shaHint: null, pr: null, branch, ttlMs: null, trigger: 'create', rule: 'br-{branch}',
});
const summary = (changes: EnvironmentChange[]) => changes.map((change) => `${change.kind} ${change.env}${change.kind === 'destroy' ? `: ${change.reason}` : ''}`);

function servePulls(fake: FakeGitHub, open: unknown[], single: Record<number, { status?: number; body: unknown }>) {
  fake.on('GET', '/repos/acme/webapp/pulls', () => ({ body: open }));
  fake.on('GET', /\/repos\/acme\/webapp\/pulls\/(\d+)/, (_req, match) => single[Number(match[1])] ?? { status: 404, body: { message: 'Not Found' } });
}

test('open pull requests without a preview get one through policy; a preview of a PR GitHub confirms closed is destroyed', async (t) => {
  const { fake, store, sweep } = await start(t);
  await store.changeEnvironments([preview(42), preview(7), preview(8), preview(9)], 'test');
  const before = await store.getEnvironment('webapp', 'pr-42');
  const fork = fixture('pull-request-opened-fork').pull_request;
  servePulls(fake, [pull(43), pull(42), { ...fork, state: 'open' }, pull(44, { draft: true })], {
    7: { body: pull(7, { state: 'closed', closed_at: '2030-01-01T00:00:00Z' }) },
    8: { body: pull(8) },
    9: { status: 502, body: { message: 'Bad Gateway' } },
  });

  const changes = await sweep();
  assert.deepEqual(summary(changes), ['follow pr-43', 'destroy pr-7: pull request closed (found by the sweep)']);
  assert.deepEqual(fake.calls(/pulls\/\d+/), ['GET /repos/acme/webapp/pulls/7', 'GET /repos/acme/webapp/pulls/8', 'GET /repos/acme/webapp/pulls/9']);
  assert.equal(fake.requests[0]?.query.get('state'), 'open');
  const created = await store.getEnvironment('webapp', 'pr-43');
  assert.deepEqual(
    { ref: created?.desiredRef, pr: created?.pr, branch: created?.branch, trigger: created?.lastTrigger, rule: created?.rule },
    { ref: 'refs/pull/43/head', pr: 43, branch: 'feature/login', trigger: 'sweep', rule: 'pr-{number}' },
  );
  assert.equal((await store.getEnvironment('webapp', 'pr-7'))?.present, false);
  assert.equal((await store.getEnvironment('webapp', 'pr-8'))?.present, true, 'GitHub says it is open');
  assert.equal((await store.getEnvironment('webapp', 'pr-9'))?.present, true, 'an API error is not "closed"');
  assert.equal((await store.getEnvironment('webapp', 'pr-42'))?.generation, before?.generation, 'a preview that is fine is not touched');
  assert.equal(await store.getEnvironment('webapp', 'pr-57'), null, 'policy applies: fork PRs are denied');
  assert.equal(await store.getEnvironment('webapp', 'pr-44'), null, 'policy applies: drafts get nothing');

  fake.requests.length = 0;
  assert.deepEqual(await sweep(), [], 'a second run finds nothing to change');
});

test('a preview destroyed before its PR last changed comes back (a missed reopen); one destroyed since stays destroyed', async (t) => {
  const { fake, store, sweep } = await start(t);
  await store.changeEnvironments([preview(5), preview(6)], 'test');
  await store.changeEnvironments(['pr-5', 'pr-6'].map((env) => ({ kind: 'destroy', app: 'webapp', env, reason: 'by hand', trigger: 'cli' })), 'test');
  servePulls(fake, [pull(5, { updated_at: '2030-01-01T00:00:00Z' }), pull(6, { updated_at: '2001-01-01T00:00:00Z' })], {});
  assert.deepEqual(summary(await sweep()), ['follow pr-5']);
  assert.equal((await store.getEnvironment('webapp', 'pr-5'))?.present, true);
  assert.equal((await store.getEnvironment('webapp', 'pr-6'))?.present, false);
});

test('an open PR that no longer qualifies loses its preview (a missed converted_to_draft)', async (t) => {
  const { fake, store, sweep } = await start(t);
  await store.changeEnvironments([preview(3)], 'test');
  servePulls(fake, [pull(3, { draft: true })], {});
  assert.deepEqual(summary(await sweep()), [
    'destroy pr-3: pull request #3 no longer qualifies: draft pull requests get no environment (drafts: false) (found by the sweep)',
  ]);
});

test('matching branches without an environment get one; environments of branches GitHub confirms deleted are destroyed', async (t) => {
  // The environments here were named before names were unique per ref (br-feature-b for
  // feature/b): they are found by the ref they follow, not made again under the new name.
  const { fake, store, sweep } = await start(t);
  await store.changeEnvironments([branchEnv('feature/b'), branchEnv('feature/old'), branchEnv('feature/unsure'), branchEnv('feature/gone')], 'test');
  await store.changeEnvironments([{ kind: 'destroy', app: 'webapp', env: 'br-feature-gone', reason: 'ttl expired', trigger: 'ttl' }], 'test');
  servePulls(fake, [], {});
  fake.on('GET', '/repos/acme/webapp', () => ({ body: repository }));
  fake.on('GET', '/repos/acme/webapp/branches', () => ({ body: ['main', 'feature/a', 'feature/b', 'feature/gone', 'bugfix/c'].map((name) => ({ name })) }));
  fake.on('GET', '/repos/acme/webapp/branches/feature%2Funsure', () => ({ status: 502, body: { message: 'Bad Gateway' } }));

  const featureA = slugName('br-{branch}', { branch: 'feature/a' });
  assert.deepEqual(summary(await sweep()), [`follow ${featureA}`, 'destroy br-feature-old: branch feature/old was deleted (found by the sweep)']);
  assert.equal(await store.getEnvironment('webapp', 'staging'), null, 'a fixed environment waits for its push');
  assert.equal((await store.getEnvironment('webapp', featureA))?.desiredRef, 'refs/heads/feature/a');
  assert.equal((await store.listEnvironments({ includeDestroyed: true })).length, 5, 'no environment made twice');
  assert.equal((await store.getEnvironment('webapp', 'br-feature-unsure'))?.present, true, 'an API error is not "deleted"');
  assert.equal((await store.getEnvironment('webapp', 'br-feature-gone'))?.present, false, 'an environment destroyed by its TTL is not made again');
  assert.deepEqual(fake.calls(/branches\//), ['GET /repos/acme/webapp/branches/feature%2Fold', 'GET /repos/acme/webapp/branches/feature%2Funsure']);
});

test('GitHub down: nothing changes', async (t) => {
  const { fake, store, sweep } = await start(t);
  await store.changeEnvironments([preview(1), branchEnv('feature/x')], 'test');
  fake.on('GET', /.*/, () => ({ status: 502, body: { message: 'Bad Gateway' } }));
  const before = await store.listEnvironments();
  assert.deepEqual(await sweep(), []);
  assert.deepEqual(await store.listEnvironments(), before);
  assert.deepEqual(fake.calls(), ['GET /repos/acme/webapp/pulls'], 'the first error ends the repository\'s sweep: no retries, no further calls');
});
