import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pullRequestWebhook, releaseWebhook, type Webhook } from '../../src/demo/payloads.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { deployment } from '../helpers/ci.js';
import { startFakeGitHub, type FakeGitHub, type FakeRequest } from '../helpers/fake-github.js';
import type { Origin } from '../helpers/git.js';
import { startTestService } from '../helpers/service.js';
import { envState, setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// What slipway reports to GitHub, seen from GitHub's side: the GitHub REST API cannot run here,
// so `startFakeGitHub` (a small real HTTP server recording every request) stands in for it,
// with a model of deployments and issue comments below. Webhooks go through the real endpoint,
// git is a real repository in a temp folder, deploys a command target that keeps a journal.

const PUBLIC = 'https://slipway.example.com';
const REPO = 'acme/webapp';
const PREVIEWS = `
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
        commitStatus: true`;

/** GitHub's deployments and issue comments, enough for slipway's calls; `down` answers everything 502. */
async function fakeApi(t: TestContext) {
  const fake = await startFakeGitHub(t);
  const state = { down: false, deployments: 100, comments: new Map<number, string>(), nextComment: 9000 };
  const unavailable = { status: 502, body: { message: 'Server Error' } };
  const answer = (ok: () => { status?: number; body?: unknown }) => () => (state.down ? unavailable : ok());
  fake.on('POST', `/repos/${REPO}/deployments`, answer(() => ({ status: 201, body: { id: ++state.deployments } })));
  fake.on('POST', new RegExp(`/repos/${REPO}/deployments/\\d+/statuses`), answer(() => ({ status: 201, body: { id: 1 } })));
  fake.on('POST', new RegExp(`/repos/${REPO}/statuses/[0-9a-f]{40}`), answer(() => ({ status: 201, body: { id: 1 } })));
  fake.on('GET', new RegExp(`/repos/${REPO}/issues/\\d+/comments`), answer(() => ({ body: [...state.comments].map(([id, body]) => ({ id, body })) })));
  fake.on('POST', new RegExp(`/repos/${REPO}/issues/\\d+/comments`), (req) => {
    if (state.down) return unavailable;
    const id = ++state.nextComment;
    state.comments.set(id, (req.body as { body: string }).body);
    return { status: 201, body: { id } };
  });
  fake.on('PATCH', new RegExp(`/repos/${REPO}/issues/comments/(\\d+)`), (req, match) => {
    if (state.down) return unavailable;
    const id = Number(match[1]);
    if (!state.comments.has(id)) return { status: 404, body: { message: 'Not Found' } };
    state.comments.set(id, (req.body as { body: string }).body);
    return { body: { id } };
  });
  return { fake, state, comment: () => [...state.comments.values()].at(-1) ?? '' };
}

/** The reads of missed-webhook recovery and the sweep (open pull requests, branches, hook deliveries), not reports. */
const sweeping = (request: FakeRequest) => request.method === 'GET' && /\/(pulls|branches|hooks\/\d+\/deliveries)$/.test(request.path);

/** The deployment and status calls as short lines; comment calls as `METHOD path`. */
function story(fake: FakeGitHub, from = 0): string[] {
  return fake.requests.slice(from).filter((request) => !sweeping(request)).map((request) => {
    const body = request.body as Record<string, unknown>;
    if (request.method === 'POST' && request.path.endsWith('/deployments')) return `deployment ${String(body.environment)} ${String(body.ref).slice(0, 7)}`;
    const status = /\/deployments\/(\d+)\/statuses$/.exec(request.path);
    if (status !== null) return `status ${status[1]} ${String(body.state)}`;
    const commit = /\/statuses\/([0-9a-f]{40})$/.exec(request.path);
    if (commit !== null) return `commit ${commit[1]?.slice(0, 7)} ${String(body.state)}`;
    return `${request.method} ${request.path}`;
  });
}

const top = (apiUrl: string) => `server:\n  publicUrl: ${PUBLIC}\ngithub:\n  token: ghp_reporterTestToken0123\n  apiUrl: ${apiUrl}\n`;
const failsWhenBroken = (journal: string) => ['sh', '-c', `if grep -q broken version.txt; then echo "the build broke" >&2; exit 1; fi; echo "deploy $SLIPWAY_ENV" >> ${journal}`];

let updates = 0;
/** Sends a pull request webhook for PR 7 of feature/login, its head ref moved first as GitHub does. */
async function pullRequest(url: string, origin: Origin, action: 'opened' | 'synchronize' | 'closed', sha: string) {
  if (action !== 'closed') origin.pullHead(7, sha);
  updates += 1;
  const base = { branch: 'main', sha: origin.git('rev-parse', 'main') };
  const updatedAt = new Date(Date.UTC(2025, 5, 1) + updates * 60_000);
  await send(url, pullRequestWebhook({ fullName: REPO, cloneUrl: origin.url }, { action, number: 7, title: 'a change', head: { branch: 'feature/login', sha }, base, updatedAt }));
}

async function send(url: string, webhook: Webhook) {
  const answer = await deliver(url, { event: webhook.event, payload: webhook.payload });
  assert.equal(answer.status, 202, answer.body);
}

const told = (fake: FakeGitHub, line: string) => eventually(async () => (story(fake).includes(line) ? true : undefined), 20_000);
const shows = (comment: () => string, text: string) => eventually(async () => (comment().includes(text) ? true : undefined), 20_000);
const short = (sha: string) => sha.slice(0, 7);

test("a preview's life on GitHub: one deployment per sha with its statuses, one comment edited in place", async (t) => {
  const { fake, comment } = await fakeApi(t);
  const { origin, service } = await setup(t, { environments: PREVIEWS, top: top(fake.url), deploy: failsWhenBroken, targetUrl: 'http://{env}.webapp.test' });
  origin.commit('main', 'base');
  const h1 = origin.commit('feature/login', 'pr v1');
  await pullRequest(service.url, origin, 'opened', h1);
  await told(fake, `commit ${short(h1)} success`);
  await shows(comment, '✅ ready');
  const deploymentsOnly = () => story(fake).filter((line) => !line.includes('/issues/'));
  assert.deepEqual(deploymentsOnly(), ['deployment pr-7 ' + short(h1), 'status 101 in_progress', `commit ${short(h1)} pending`, 'status 101 success', `commit ${short(h1)} success`]);
  const env = await envState(service, 'pr-7', 'ready');
  const [first] = await service.store.listDeployments(env.id, 1);
  const created = fake.requests.find((request) => request.path.endsWith('/deployments'));
  assert.deepEqual(created?.body, {
    ref: h1,
    environment: 'pr-7',
    task: 'deploy',
    auto_merge: false,
    required_contexts: [],
    transient_environment: true,
    production_environment: false,
    description: 'slipway deploys webapp to pr-7',
    payload: { slipway: { app: 'webapp', env: 'pr-7', deployment: first?.id } },
  });
  const success = fake.requests.find((request) => (request.body as { state?: string } | undefined)?.state === 'success' && request.path.includes('/deployments/'));
  assert.deepEqual(success?.body, {
    state: 'success',
    description: 'deployed',
    auto_inactive: false,
    environment_url: 'http://pr-7.webapp.test',
    log_url: `${PUBLIC}/deployments/${first?.id}`,
  });
  const commit = fake.requests.find((request) => /\/statuses\/[0-9a-f]{40}$/.test(request.path));
  assert.equal((commit?.body as { context?: string }).context, 'slipway/pr-7');
  assert.match(comment(), /^<!-- slipway:preview acme\/webapp#7 -->/);
  assert.ok(comment().includes(`| webapp/pr-7 | ✅ ready | [http://pr-7.webapp.test](http://pr-7.webapp.test) | \`${short(h1)}\``), comment());
  assert.ok(comment().includes(`[log](${PUBLIC}/deployments/${first?.id})`), comment());

  // A new head: a new GitHub deployment; the old one goes inactive once the new one succeeded.
  const before = fake.requests.length;
  const h2 = origin.commit('feature/login', 'pr v2');
  await pullRequest(service.url, origin, 'synchronize', h2);
  await told(fake, 'status 101 inactive');
  await shows(comment, short(h2));
  assert.deepEqual(story(fake, before).filter((line) => !line.includes('/issues/')), [
    'deployment pr-7 ' + short(h2), 'status 102 in_progress', `commit ${short(h2)} pending`, 'status 102 success', `commit ${short(h2)} success`, 'status 101 inactive',
  ]);

  // A failing deploy: a failure status with the reason, and the comment drops its ✅.
  const broken = origin.commit('feature/login', 'broken');
  const beforeBroken = fake.requests.length;
  await pullRequest(service.url, origin, 'synchronize', broken);
  await told(fake, `commit ${short(broken)} failure`);
  await shows(comment, '❌ failed');
  assert.deepEqual(story(fake, beforeBroken).filter((line) => !line.includes('/issues/')), [
    'deployment pr-7 ' + short(broken), 'status 103 in_progress', `commit ${short(broken)} pending`, 'status 103 failure', `commit ${short(broken)} failure`,
  ]);
  const failure = fake.requests.find((request) => request.path.endsWith('/103/statuses') && (request.body as { state: string }).state === 'failure');
  const description = (failure?.body as { description: string }).description;
  assert.ok(description.length > 0 && description.length <= 140, description);
  assert.ok(!comment().includes('✅'), comment());

  // Closed: the running deployment and the failed one end inactive; the comment says destroyed.
  const beforeClose = fake.requests.length;
  await pullRequest(service.url, origin, 'closed', broken);
  await envState(service, 'pr-7', 'destroyed');
  await told(fake, 'status 103 inactive');
  await shows(comment, '🗑️ destroyed');
  assert.deepEqual(story(fake, beforeClose).filter((line) => !line.includes('/issues/')), ['status 102 inactive', 'status 103 inactive']);
  const commentCalls = fake.calls(/\/issues\//);
  assert.deepEqual(commentCalls.slice(0, 2), [`GET /repos/${REPO}/issues/7/comments`, `POST /repos/${REPO}/issues/7/comments`]);
  assert.ok(commentCalls.slice(2).every((line) => line === `PATCH /repos/${REPO}/issues/comments/9001`), commentCalls.join('\n'));
  assert.ok(!comment().includes('http://pr-7.webapp.test'), 'a destroyed preview links to no URL');
});

test('production on releases: a non-transient production deployment, and no pull request comment', async (t) => {
  const { fake } = await fakeApi(t);
  const environments = `
      - name: production
        track: { release: {} }
        productionEnvironment: true`;
  const { origin, service } = await setup(t, { environments, top: top(fake.url) });
  const sha = origin.commit('main', 'v1');
  origin.git('tag', 'v1.0.0', sha);
  await send(service.url, releaseWebhook({ fullName: REPO, cloneUrl: origin.url }, { tag: 'v1.0.0', target: 'main', name: 'v1.0.0', at: new Date() }));
  await told(fake, 'status 101 success');
  assert.deepEqual(story(fake), [`deployment production ${short(sha)}`, 'status 101 in_progress', 'status 101 success']);
  const reports = fake.requests.filter((request) => !sweeping(request));
  const body = reports[0]?.body as Record<string, unknown>;
  assert.deepEqual([body.transient_environment, body.production_environment, body.ref], [false, true, sha]);
  const success = reports[2]?.body as Record<string, unknown>;
  assert.equal(success.environment_url, undefined, 'the target has no URL');
});

test('after a restart the comment is edited, found again by its marker when its id was lost', async (t) => {
  const { fake, state, comment } = await fakeApi(t);
  const { origin, service, yaml, root } = await setup(t, { environments: PREVIEWS, top: top(fake.url) });
  origin.commit('main', 'base');
  const h1 = origin.commit('feature/login', 'pr v1');
  await pullRequest(service.url, origin, 'opened', h1);
  await shows(comment, '✅ ready');
  await service.close();

  // The same data folder: the stored comment id is edited.
  const again = await startTestService(t, { yaml, dataDir: service.dataDir });
  const h2 = origin.commit('feature/login', 'pr v2');
  await pullRequest(again.url, origin, 'synchronize', h2);
  await shows(comment, short(h2));
  await again.close();

  // A new data folder (the store was lost): the comment is found by its marker, not written twice.
  const fresh = await startTestService(t, { yaml, dataDir: join(root, 'data-2') });
  const h3 = origin.commit('feature/login', 'pr v3');
  await pullRequest(fresh.url, origin, 'synchronize', h3);
  await shows(comment, short(h3));
  assert.equal(state.comments.size, 1);
  assert.deepEqual(fake.calls(/POST .*\/issues\//), [`POST /repos/${REPO}/issues/7/comments`]);
  assert.deepEqual(fake.calls(/GET .*\/issues\//), [`GET /repos/${REPO}/issues/7/comments`, `GET /repos/${REPO}/issues/7/comments`], 'listed only without a stored id');
});

test('a comment edit still pending when slipway stopped is made at the next start', async (t) => {
  const { fake, state, comment } = await fakeApi(t);
  const { origin, service, yaml } = await setup(t, { environments: PREVIEWS, top: top(fake.url) });
  origin.commit('main', 'base');
  await pullRequest(service.url, origin, 'opened', origin.commit('feature/login', 'pr v1'));
  await shows(comment, '✅ ready');
  await service.close();
  // As if the last edit had not been made when slipway stopped: GitHub and the store show an older body.
  const [id = 0] = [...state.comments.keys()];
  state.comments.set(id, 'an older body');
  const store = await SqliteStore.open(service.dataDir);
  const stored = await store.getPrComment(REPO, 7);
  assert.ok(stored !== null);
  await store.putPrComment({ ...stored, body: 'an older body' });
  await store.close();
  const edits = fake.calls(/^PATCH/).length;
  await startTestService(t, { yaml, dataDir: service.dataDir });
  await shows(comment, '✅ ready');
  assert.equal(fake.calls(/^PATCH/).length, edits + 1, 'one edit, with no new deployment');
  assert.deepEqual(fake.calls(/^POST .*\/issues\//), [`POST /repos/${REPO}/issues/7/comments`]);
});

test('GitHub down: the preview deploys anyway, and its reports are sent once GitHub is back', async (t) => {
  const { fake, state, comment } = await fakeApi(t);
  const { origin, service } = await setup(t, { environments: PREVIEWS, top: top(fake.url) });
  state.down = true;
  origin.commit('main', 'base');
  const h1 = origin.commit('feature/login', 'pr v1');
  await pullRequest(service.url, origin, 'opened', h1);
  await envState(service, 'pr-7', 'ready');
  await eventually(async () => (story(fake).length > 0 ? true : undefined));
  const refused = fake.requests.length;
  state.down = false;
  await told(fake, `commit ${short(h1)} success`);
  await shows(comment, '✅ ready');
  const after = story(fake, refused);
  assert.deepEqual(after.filter((line) => !line.includes('/issues/')), [`deployment pr-7 ${short(h1)}`, 'status 101 in_progress', `commit ${short(h1)} pending`, 'status 101 success', `commit ${short(h1)} success`]);
  assert.deepEqual(fake.calls(/POST .*\/issues\//), [`POST /repos/${REPO}/issues/7/comments`]);
});

test('a GitHub deployment someone else created gets its statuses; one GitHub lost is skipped, not retried forever', async (t) => {
  const { fake } = await fakeApi(t);
  fake.on('POST', new RegExp(`/repos/${REPO}/deployments/777/statuses`), () => ({ status: 404, body: { message: 'Not Found' } }));
  fake.on('POST', new RegExp(`/repos/${REPO}/statuses/[0-9a-f]{40}`), () => ({ status: 422, body: { message: 'No commit found for SHA' } }));
  const environments = `
      - name: qa
        track: { deployments: true }
        commitStatus: true`;
  const { origin, service } = await setup(t, { environments, top: top(fake.url) });
  const lost = origin.commit('main', 'v1');
  await deliver(service.url, { event: 'deployment', payload: deployment(lost, 'qa', { id: 777 }) });
  await envState(service, 'qa', 'ready');
  await eventually(async () => ((await service.store.unreportedDeployments(10)).length === 0 ? true : undefined), 20_000);
  assert.deepEqual(story(fake), ['status 777 in_progress'], 'the first 404 ends its reports');

  const found = origin.commit('main', 'v2');
  await deliver(service.url, { event: 'deployment', payload: deployment(found, 'qa', { id: 778 }) });
  await told(fake, `commit ${short(found)} success`);
  // No deployment is created for it; refused commit statuses do not hold the deployment statuses up.
  assert.deepEqual(story(fake), ['status 777 in_progress', 'status 778 in_progress', `commit ${short(found)} pending`, 'status 778 success', `commit ${short(found)} success`]);
});
