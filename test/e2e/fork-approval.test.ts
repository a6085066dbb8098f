import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startFakeGitHub } from '../helpers/fake-github.js';
import { envState, fixture, setup, type Payload } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// Fork previews under `forks: approve`, through the real webhook endpoint with real git. The fake
// GitHub server stands in for the REST API: who may write (collaborator permission) and the pull
// request's head as GitHub sees it.

const ENVIRONMENTS = `
      - name: pr-{number}
        track: { pullRequests: { base: [main], forks: approve } }
        env: { API_KEY: { value: k3y-s3cret, secret: true }, PLAIN: visible }`;
const RECORD = (journal: string) => ['sh', '-c', `echo "deploy $SLIPWAY_ENV $SLIPWAY_SHA key=$API_KEY plain=$PLAIN" >> ${journal}`];

let updated = Date.parse('2025-06-02T15:30:00Z');
/** The fork pull request #57 (outside-dev/webapp into acme/webapp) at `sha`. */
function forkPr(action: string, sha: string, fork = true): Payload {
  const payload = fixture('pull-request-opened-fork');
  const head = payload.pull_request.head as { repo: { id: number } };
  const base = payload.pull_request.base as { repo: { id: number } };
  updated += 1000;
  Object.assign(payload.pull_request.head, { sha, repo: fork ? head.repo : base.repo });
  Object.assign(payload.pull_request, { updated_at: new Date(updated).toISOString() });
  return { ...payload, action };
}

function comment(login: string, body = '/slipway deploy'): Record<string, unknown> {
  const pr = fixture('pull-request-opened-fork');
  return {
    action: 'created',
    issue: { number: 57, pull_request: { url: 'https://api.github.com/repos/acme/webapp/pulls/57' } },
    comment: { id: updated, body, user: { login }, author_association: 'NONE' },
    repository: pr.repository,
    sender: { login },
  };
}

async function world(t: TestContext) {
  const github = await startFakeGitHub(t);
  const permissions: Record<string, string> = { maintainer: 'write', reader: 'read' };
  const pull = { head: '' };
  github.on('GET', /\/repos\/acme\/webapp\/collaborators\/([^/]+)\/permission/, (_req, match) => ({
    body: { permission: permissions[match[1] ?? ''] ?? 'none', role_name: permissions[match[1] ?? ''] ?? 'none', user: { login: match[1] } },
  }));
  github.on('GET', '/repos/acme/webapp/pulls/57', () => ({ body: { number: 57, head: { sha: pull.head } } }));
  // The pull request's comment (the reporter's): created once, then edited.
  const comments = new Map<number, string>();
  github.on('GET', '/repos/acme/webapp/issues/57/comments', () => ({ body: [] }));
  github.on('POST', '/repos/acme/webapp/issues/57/comments', (req) => {
    comments.set(comments.size + 1, (req.body as { body: string }).body);
    return { status: 201, body: { id: comments.size } };
  });
  github.on('PATCH', /\/repos\/acme\/webapp\/issues\/comments\/(\d+)/, (req, match) => {
    comments.set(Number(match[1]), (req.body as { body: string }).body);
    return { body: { id: Number(match[1]) } };
  });
  const top = `github:\n  token: ghp_forks\n  apiUrl: ${github.url}`;
  const { origin, service, lines } = await setup(t, { environments: ENVIRONMENTS, top, deploy: RECORD });
  origin.commit('main', 'base');
  const comment = (text: string) => eventually(async () => ([...comments.values()].at(-1)?.includes(text) ? true : undefined), 15_000);
  return { github, origin, service, lines, pull, comment };
}

async function latest(service: Awaited<ReturnType<typeof world>>['service']) {
  const env = await service.store.getEnvironment('webapp', 'pr-57');
  assert.ok(env !== null);
  const [deployment] = await service.store.listDeployments(env.id, 1);
  return { env, deployment };
}

async function settled(service: Awaited<ReturnType<typeof world>>['service'], state: string) {
  return eventually(async () => ((await service.store.approvalFor('acme/webapp', 57))?.state === state ? service.store.approvalFor('acme/webapp', 57) : undefined));
}

test('a fork PR waits for approval; a reader cannot approve; a writer deploys that head without secrets; a push waits again', async (t) => {
  const { github, origin, service, lines, pull, comment: commentShows } = await world(t);
  const head1 = origin.commit('fork/fix', 'fork v1');
  origin.pullHead(57, head1);
  pull.head = head1;
  await deliver(service.url, { event: 'pull_request', payload: forkPr('opened', head1) });
  await envState(service, 'pr-57', 'waiting');
  const waiting = await latest(service);
  assert.equal(waiting.env.fork, true);
  assert.equal(waiting.deployment?.state, 'waiting');
  const detail = await service.store.getDeployment(waiting.deployment?.id ?? 0);
  assert.equal(detail?.timeline.at(-1)?.message, 'waiting for approval: a user with write permission comments /slipway deploy');
  assert.deepEqual(await settled(service, 'awaiting'), { repo: 'acme/webapp', pr: 57, state: 'awaiting', sha: head1, by: null, reason: null, updatedAt: (await service.store.approvalFor('acme/webapp', 57))?.updatedAt });

  await deliver(service.url, { event: 'issue_comment', payload: comment('reader') });
  const refused = await settled(service, 'refused');
  assert.equal(refused?.reason, '@reader lacks write permission');
  assert.equal(refused?.by, 'reader');
  await envState(service, 'pr-57', 'waiting');
  assert.deepEqual(lines(), [], 'nothing deployed');
  assert.deepEqual(github.calls(/collaborators/), ['GET /repos/acme/webapp/collaborators/reader/permission']);
  await commentShows('⛔ `/slipway deploy` by \\@reader was refused: \\@reader lacks write permission.');

  await deliver(service.url, { event: 'issue_comment', payload: comment('maintainer', '  /slipway deploy\n') });
  const ready = await envState(service, 'pr-57', 'ready');
  assert.equal(ready.observedSha, head1);
  assert.deepEqual(lines(), [`deploy pr-57 ${head1} key= plain=visible`], 'deployed at the approved head, without the secret variable');
  const approved = await service.store.approvalFor('acme/webapp', 57);
  assert.deepEqual([approved?.state, approved?.sha, approved?.by], ['approved', head1, 'maintainer']);
  const deployed = await service.store.getDeployment((await latest(service)).deployment?.id ?? 0);
  assert.equal(deployed?.id, waiting.deployment?.id, 'the waiting deployment is the one that ran');
  assert.ok(deployed?.timeline.some((entry) => entry.message === 'approved by @maintainer'));
  await commentShows(`🔓 \`${head1.slice(0, 7)}\` was approved by \\@maintainer`);

  const head2 = origin.commit('fork/fix', 'fork v2');
  origin.pullHead(57, head2);
  pull.head = head2;
  await deliver(service.url, { event: 'pull_request', payload: forkPr('synchronize', head2) });
  await eventually(async () => ((await latest(service)).deployment?.sha === head2 ? true : undefined));
  const again = await envState(service, 'pr-57', 'waiting');
  assert.equal(again.observedSha, head1, 'the approved head still runs');
  const awaiting = await service.store.approvalFor('acme/webapp', 57);
  assert.deepEqual([awaiting?.state, awaiting?.sha], ['awaiting', head2]);
  assert.match(awaiting?.reason ?? '', /^new commits since the approval of [0-9a-f]{12}; a new approval is needed$/);
  assert.equal(lines().length, 1, 'the new head is not deployed');
});

test('an approval for a head that moved after the comment is refused, and nothing deploys', async (t) => {
  const { origin, service, lines, pull } = await world(t);
  const head1 = origin.commit('fork/fix', 'fork v1');
  origin.pullHead(57, head1);
  await deliver(service.url, { event: 'pull_request', payload: forkPr('opened', head1) });
  await envState(service, 'pr-57', 'waiting');
  // The fork pushed again; GitHub knows it, slipway's synchronize delivery has not come yet.
  pull.head = origin.commit('fork/fix', 'fork v2');
  await deliver(service.url, { event: 'issue_comment', payload: comment('maintainer') });
  const refused = await settled(service, 'refused');
  assert.equal(refused?.reason, `the head moved to ${pull.head.slice(0, 12)} after the comment; comment again`);
  await envState(service, 'pr-57', 'waiting');
  assert.deepEqual(lines(), []);
});

test('a same-repository preview under forks: approve deploys at once, with its secret variables', async (t) => {
  const { github, origin, service, lines } = await world(t);
  const head = origin.commit('feature/x', 'own v1');
  origin.pullHead(57, head);
  await deliver(service.url, { event: 'pull_request', payload: forkPr('opened', head, false) });
  const ready = await envState(service, 'pr-57', 'ready');
  assert.equal(ready.fork, false);
  assert.deepEqual(lines(), [`deploy pr-57 ${head} key=k3y-s3cret plain=visible`]);
  assert.equal(await service.store.approvalFor('acme/webapp', 57), null, 'no approval is involved');
  assert.deepEqual(github.calls(/collaborators|pulls\/\d+/), []);
});

test('without GitHub credentials a fork preview waits and says it cannot be approved', async (t) => {
  const { origin, service, lines } = await setup(t, { environments: ENVIRONMENTS, deploy: RECORD });
  origin.commit('main', 'base');
  const head = origin.commit('fork/fix', 'fork v1');
  origin.pullHead(57, head);
  await deliver(service.url, { event: 'pull_request', payload: forkPr('opened', head) });
  await envState(service, 'pr-57', 'waiting');
  await deliver(service.url, { event: 'issue_comment', payload: comment('maintainer') });
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));
  const { deployment } = await latest(service);
  const detail = await service.store.getDeployment(deployment?.id ?? 0);
  assert.match(detail?.timeline.at(-1)?.message ?? '', /cannot be approved: set github.token$/);
  assert.equal((await service.store.approvalFor('acme/webapp', 57))?.state, 'awaiting', 'the request stays undecided');
  assert.deepEqual(lines(), []);
});
