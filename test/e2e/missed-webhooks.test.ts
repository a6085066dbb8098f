// Missed webhooks as a user meets them: a real slipway (built code, SQLite in a temp folder),
// a real git repository as the remote, signed webhooks through the real endpoint. The GitHub
// API cannot run here: `startFakeGitHub` is a real local HTTP server standing in for it
// (open pull requests, one pull request's state). Recovery runs every second.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { envState, fixture, setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

const opened = () => {
  const payload = fixture('pull-request-closed-merged');
  Object.assign(payload, { action: 'opened' });
  Object.assign(payload.pull_request, { state: 'open', merged: false, merged_at: null, closed_at: null });
  return payload;
};
/** Pull request `number` as the REST API gives it. */
const pull = (number: number, state = 'open') => ({ ...opened().pull_request, number, state, updated_at: new Date().toISOString() });

async function start(t: TestContext, extra = '') {
  const github = await startFakeGitHub(t);
  const top = `github:\n  token: ghp_x\n  apiUrl: ${github.url}\n  recovery: { interval: 1s }\n${extra}`;
  return { github, ...(await setup(t, { top })) };
}

/** Answers the open list from `open`, and a single pull request from `states` (else 404). */
function servePulls(github: FakeGitHub, open: number[], states: Map<number, string>) {
  github.on('GET', '/repos/acme/webapp/pulls', () => ({ body: open.map((number) => pull(number)) }));
  github.on('GET', /\/repos\/acme\/webapp\/pulls\/(\d+)/, (_req, match) => {
    const state = states.get(Number(match[1]));
    return state === undefined ? { status: 404, body: { message: 'Not Found' } } : { body: pull(Number(match[1]), state) };
  });
}

const sweeps = (github: FakeGitHub) => github.calls(/^GET \/repos\/acme\/webapp\/pulls$/).length;

test('the sweep makes the preview of a PR opened without a webhook, and destroys the one whose closed webhook never came', { timeout: 60_000 }, async (t) => {
  const open = [42];
  const states = new Map([[42, 'open']]);
  const { github, origin, service, lines } = await start(t);
  servePulls(github, open, states);
  origin.commit('main', 'base');
  const head = origin.commit('feature/login', 'pr v1');
  origin.pullHead(42, head);
  origin.pullHead(43, head);
  await deliver(service.url, { event: 'pull_request', payload: opened() });
  await envState(service, 'pr-42', 'ready');

  // #42 is closed and #43 opened on GitHub; neither webhook arrives.
  open.splice(0, 1, 43);
  states.set(42, 'closed');
  const made = await envState(service, 'pr-43', 'ready');
  assert.deepEqual({ sha: made.observedSha, ref: made.desiredRef, trigger: made.lastTrigger }, { sha: head, ref: 'refs/pull/43/head', trigger: 'sweep' });
  const gone = await envState(service, 'pr-42', 'destroyed');
  assert.equal(gone.lastTrigger, 'sweep');
  assert.ok(lines().includes(`destroy pr-42 ${head} refs/pull/42/head pr v1`));
  assert.ok(github.calls(/pulls\/42$/).length >= 1, 'the close was confirmed by reading the pull request');
});

test('a missed synchronize: the resync sweep (not the GitHub sweep) deploys the moved head', { timeout: 60_000 }, async (t) => {
  const { github, origin, service } = await start(t, 'engine:\n  resyncInterval: 1s\n');
  servePulls(github, [42], new Map([[42, 'open']]));
  origin.commit('main', 'base');
  const head1 = origin.commit('feature/login', 'pr v1');
  origin.pullHead(42, head1);
  await deliver(service.url, { event: 'pull_request', payload: opened() });
  await envState(service, 'pr-42', 'ready');

  const head2 = origin.commit('feature/login', 'pr v2');
  origin.pullHead(42, head2);
  const moved = await eventually(async () => {
    const env = await service.store.getEnvironment('webapp', 'pr-42');
    return env?.observedSha === head2 && env.state === 'ready' ? env : undefined;
  }, 20_000);
  const [latest] = await service.store.listDeployments(moved.id, 1);
  assert.equal(latest?.sha, head2);
  assert.equal(latest?.trigger, 'resync');
  assert.ok(sweeps(github) >= 1, 'the GitHub sweep ran and left the preview alone: it follows the right ref');
});

test('GitHub answering 502 to everything destroys nothing', { timeout: 60_000 }, async (t) => {
  const { github, origin, service, lines } = await start(t);
  github.on('GET', /.*/, () => ({ status: 502, body: { message: 'Bad Gateway' } }));
  github.on('POST', /.*/, () => ({ status: 502, body: { message: 'Bad Gateway' } }));
  origin.commit('main', 'base');
  const head = origin.commit('feature/login', 'pr v1');
  origin.pullHead(42, head);
  await deliver(service.url, { event: 'pull_request', payload: opened() });
  await envState(service, 'pr-42', 'ready');
  const runs = sweeps(github);
  await eventually(async () => (sweeps(github) >= runs + 2 ? true : undefined), 20_000);
  const env = await service.store.getEnvironment('webapp', 'pr-42');
  assert.deepEqual({ present: env?.present, state: env?.state }, { present: true, state: 'ready' });
  assert.ok(lines().every((line) => !line.startsWith('destroy')));
});

test('a delivery that failed is redelivered once with its GUID, and applied once', { timeout: 60_000 }, async (t) => {
  const { github, origin, service } = await start(t);
  servePulls(github, [], new Map());
  origin.commit('main', 'base');
  const head = origin.commit('feature/login', 'pr v1');
  origin.pullHead(42, head);
  const hookHeaders = { 'x-github-hook-id': '9', 'x-github-hook-installation-target-type': 'repository' };
  // A push slipway got teaches it the hook; the pull request's delivery failed on the way.
  await deliver(service.url, { event: 'push', payload: fixture('push-main'), id: 'guid-push', headers: hookHeaders });
  const listed = [
    { id: 2, guid: 'guid-missed', status_code: 0, delivered_at: new Date(Date.now() - 600_000).toISOString() },
    { id: 1, guid: 'guid-push', status_code: 202, delivered_at: new Date(Date.now() - 700_000).toISOString() },
  ];
  github.on('GET', '/repos/acme/webapp/hooks/9/deliveries', () => ({ body: listed }));
  github.on('POST', '/repos/acme/webapp/hooks/9/deliveries/2/attempts', async () => {
    const answer = await deliver(service.url, { event: 'pull_request', payload: opened(), id: 'guid-missed', headers: hookHeaders });
    listed.unshift({ id: 3, guid: 'guid-missed', status_code: answer.status, delivered_at: new Date(Date.now() - 600_000).toISOString() });
    return { status: 202, body: {} };
  });

  const preview = await envState(service, 'pr-42', 'ready');
  assert.equal(preview.lastDelivery, 'guid-missed');
  const runs = github.calls(/hooks\/9\/deliveries$/).length;
  await eventually(async () => (github.calls(/hooks\/9\/deliveries$/).length >= runs + 2 ? true : undefined), 20_000);
  assert.deepEqual(github.calls(/\/attempts$/), ['POST /repos/acme/webapp/hooks/9/deliveries/2/attempts'], 'asked once');
});
