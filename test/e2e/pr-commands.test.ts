import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { EnvironmentDetail } from '../../src/http/environment-view.js';
import { startFakeGitHub } from '../helpers/fake-github.js';
import { envState, fixture, setup, type Payload } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// Commands from pull request comments, through the real webhook endpoint (signed deliveries) with
// real git and a command target. The fake GitHub server stands in for the REST API: who may write
// (collaborator permission), the reactions slipway puts on comments, and its comment on the PR.

const ENVIRONMENTS = `
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
        ttl: 24h`;
const HOUR = 3_600_000;

let updated = Date.parse('2025-06-02T15:30:00Z');
let commentIds = 1000;

/** Pull request #57 of acme/webapp (from its own repository) at `sha`, with `labels`. */
function pr(action: string, sha: string, labels: string[] = [], label: string | null = null): Payload {
  const payload = fixture('pull-request-opened-fork');
  updated += 1000;
  Object.assign(payload.pull_request.head, { sha, repo: (payload.pull_request.base as { repo: unknown }).repo });
  Object.assign(payload.pull_request, { updated_at: new Date(updated).toISOString(), labels: labels.map((name, id) => ({ id, name })) });
  return { ...payload, action, ...(label === null ? {} : { label: { id: 99, name: label } }) };
}

/** A comment by `login` on #`number` (a pull request unless `issue`); its id is `comment.id`. */
function comment(login: string, body: string, options: { number?: number; issue?: boolean } = {}) {
  const { repository } = fixture('pull-request-opened-fork');
  const number = options.number ?? 57;
  const id = ++commentIds;
  const issue = { number, ...(options.issue === true ? {} : { pull_request: { url: `https://api.github.com/repos/acme/webapp/pulls/${number}` } }) };
  return { id, payload: { action: 'created', issue, comment: { id, body, user: { login }, author_association: 'NONE' }, repository, sender: { login } } };
}

async function world(t: TestContext) {
  const github = await startFakeGitHub(t);
  const permissions: Record<string, string> = { maintainer: 'write', admin: 'admin', reader: 'read' };
  const api = { down: false };
  github.on('GET', /\/repos\/acme\/webapp\/collaborators\/([^/]+)\/permission/, (_req, match) => {
    const login = match[1] ?? '';
    if (api.down) return { status: 502, body: { message: 'Server Error' } };
    const permission = permissions[login];
    return permission === undefined ? { status: 404, body: { message: 'Not Found' } } : { body: { permission, role_name: permission, user: { login } } };
  });
  const reactions = new Map<number, string[]>();
  github.on('POST', /\/repos\/acme\/webapp\/issues\/comments\/(\d+)\/reactions/, (req, match) => {
    const id = Number(match[1]);
    const content = (req.body as { content: string }).content;
    reactions.set(id, [...(reactions.get(id) ?? []), content]);
    return { status: 201, body: { id: 1, content } };
  });
  // slipway's comment on each pull request: created once, then edited.
  const comments = new Map<number, { pr: number; body: string }>();
  github.on('GET', /\/repos\/acme\/webapp\/issues\/\d+\/comments/, () => ({ body: [] }));
  github.on('POST', /\/repos\/acme\/webapp\/issues\/(\d+)\/comments/, (req, match) => {
    comments.set(comments.size + 1, { pr: Number(match[1]), body: (req.body as { body: string }).body });
    return { status: 201, body: { id: comments.size } };
  });
  github.on('PATCH', /\/repos\/acme\/webapp\/issues\/comments\/(\d+)/, (req, match) => {
    const id = Number(match[1]);
    comments.set(id, { pr: comments.get(id)?.pr ?? 0, body: (req.body as { body: string }).body });
    return { body: { id } };
  });
  const top = `github:\n  token: ghp_commands\n  apiUrl: ${github.url}`;
  const { origin, service, lines } = await setup(t, { environments: ENVIRONMENTS, top });
  origin.commit('main', 'base');
  const prComment = (number = 57) => [...comments.values()].filter((c) => c.pr === number).at(-1)?.body ?? '';
  /** Waits for the PR comment to show `text`. */
  const shows = (text: string, number = 57) => eventually(async () => (prComment(number).includes(text) ? true : undefined), 15_000);
  /** Waits for comment `id` to have these reactions, in order. */
  const reacted = (id: number, expected: string[]) =>
    eventually(async () => (JSON.stringify(reactions.get(id) ?? []) === JSON.stringify(expected) ? true : undefined), 15_000);
  /** Sends a comment and waits until slipway reacted to it with 👀 then `final`. */
  const command = async (login: string, body: string, final: 'rocket' | 'confused', options: { number?: number; issue?: boolean } = {}) => {
    const { id, payload } = comment(login, body, options);
    const sent = await deliver(service.url, { event: 'issue_comment', payload });
    assert.equal(sent.status, 202, sent.body);
    await reacted(id, ['eyes', final]);
    return { id, delivery: sent.id, payload };
  };
  const open = async () => {
    const head = origin.commit('feature/x', 'pr v1');
    origin.pullHead(57, head);
    await deliver(service.url, { event: 'pull_request', payload: pr('opened', head) });
    return { head, env: await envState(service, 'pr-57', 'ready') };
  };
  return { github, origin, service, lines, api, reactions, comments, prComment, shows, command, open };
}

test('a writer redeploys the running head, extends the TTL, keeps the preview (then sleep is refused) and destroys it until the next push', async (t) => {
  const { origin, service, lines, command, shows, open } = await world(t);
  const { head, env: opened } = await open();
  assert.deepEqual(lines(), [`deploy pr-57 ${head} refs/pull/57/head pr v1`]);

  const redeploy = await command('maintainer', '/slipway redeploy', 'rocket');
  await eventually(async () => (lines().length === 2 ? true : undefined));
  const redeployed = await envState(service, 'pr-57', 'ready');
  assert.deepEqual(lines(), [1, 2].map(() => `deploy pr-57 ${head} refs/pull/57/head pr v1`), 'the sha that ran deployed again');
  assert.deepEqual([redeployed.lastTrigger, redeployed.redeploy], ['command.redeploy', false]);
  await shows('🚀 Last command: /slipway redeploy by \\@maintainer: redeploying the head of webapp/pr-57.');

  // The same delivery again (GitHub's redelivery, a replay through the API) runs nothing twice.
  const again = await deliver(service.url, { event: 'issue_comment', payload: redeploy.payload, id: redeploy.delivery });
  assert.equal(again.status, 200, again.body);
  assert.equal((await service.api('POST', `/api/deliveries/${redeploy.delivery}/replay`)).status, 202);
  await eventually(async () => ((await service.store.getDelivery(redeploy.delivery))?.status === 'processed' ? true : undefined));
  assert.deepEqual(await service.store.pendingCommands(), []);
  assert.equal((await envState(service, 'pr-57', 'ready')).generation, redeployed.generation);
  assert.equal(lines().length, 2);

  await command('maintainer', '/slipway extend 48h', 'rocket');
  const extended = await envState(service, 'pr-57', 'ready');
  assert.ok((extended.expiresAt ?? 0) >= (opened.expiresAt ?? 0) + 48 * HOUR, 'the expiry moved out by 48h');
  assert.ok((extended.lastCommitAt ?? 0) > (opened.lastCommitAt ?? 0), 'the TTL counts from the command');
  await shows('🚀 Last command: /slipway extend 48h by \\@maintainer: webapp/pr-57 now expires');

  await command('maintainer', '/slipway extend 2weeks', 'confused');
  await shows('😕 Last command: /slipway extend 2weeks by \\@maintainer was refused: "2weeks" is not a duration: expected a duration such as 30s, 10m, 72h, 7d or 1h30m.');
  assert.equal((await service.store.getEnvironment('webapp', 'pr-57'))?.expiresAt, extended.expiresAt);

  await command('admin', '/slipway keep', 'rocket');
  const detail = (await service.api('GET', '/api/environments/webapp/pr-57')).json() as EnvironmentDetail;
  assert.equal(detail.keep, true);
  await shows(`| webapp/pr-57 | ✅ ready | — | \`${head.slice(0, 7)}\` | kept | — |`);

  await command('maintainer', '/slipway sleep', 'confused');
  await shows('😕 Last command: /slipway sleep by \\@maintainer was refused: webapp/pr-57 is kept (/slipway keep or the slipway:keep label): it does not sleep.');

  await command('maintainer', '/slipway destroy', 'rocket');
  await envState(service, 'pr-57', 'destroyed');
  await shows('🚀 Last command: /slipway destroy by \\@maintainer: destroyed webapp/pr-57 until the next push.');
  // A label (the same head) does not bring it back; a push does.
  await deliver(service.url, { event: 'pull_request', payload: pr('labeled', head, ['docs'], 'docs') });
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));
  assert.equal((await service.store.getEnvironment('webapp', 'pr-57'))?.present, false);
  const head2 = origin.commit('feature/x', 'pr v2');
  origin.pullHead(57, head2);
  await deliver(service.url, { event: 'pull_request', payload: pr('synchronize', head2, ['docs']) });
  const back = await envState(service, 'pr-57', 'ready');
  assert.equal(back.observedSha, head2);
  assert.equal(back.keep, true, 'kept across the destroy');
});

test('a reader is refused with the reason in the PR comment and 😕; so are unknown commands, PRs without a preview and plain issues', async (t) => {
  const { github, service, lines, command, shows, prComment, open } = await world(t);
  await open();
  await command('reader', '/slipway destroy', 'confused');
  await shows('😕 Last command: /slipway destroy by \\@reader was refused: \\@reader lacks write permission.');
  assert.equal((await envState(service, 'pr-57', 'ready')).present, true);
  assert.equal(lines().length, 1, 'nothing deployed or destroyed');

  await command('maintainer', '/slipway nuke', 'confused');
  await shows('😕 Last command: /slipway nuke by \\@maintainer was refused: unknown command "nuke"; expected one of: redeploy, destroy, extend DURATION, keep, sleep.');

  await command('maintainer', '/slipway redeploy', 'confused', { number: 58 });
  await shows('😕 Last command: /slipway redeploy by \\@maintainer was refused: this pull request has no preview.', 58);

  await command('maintainer', '/slipway redeploy', 'confused', { number: 12, issue: true });
  assert.equal(prComment(12), '', 'a plain issue gets no preview comment');
  // Only the commands that got as far as the check asked who wrote them.
  assert.deepEqual(github.calls(/collaborators/), [
    'GET /repos/acme/webapp/collaborators/reader/permission',
    'GET /repos/acme/webapp/collaborators/maintainer/permission',
  ]);
});

test('a permission check GitHub cannot answer never counts as allowed: the command waits and is obeyed later; one it refuses for good fails', async (t) => {
  const { github, service, api, reactions, command, shows, open } = await world(t);
  const { head } = await open();
  api.down = true;
  const { id, payload } = comment('maintainer', '/slipway destroy');
  await deliver(service.url, { event: 'issue_comment', payload });
  await eventually(async () => (github.calls(/collaborators/).length >= 1 && reactions.get(id)?.length === 1 ? true : undefined));
  assert.deepEqual(reactions.get(id), ['eyes']);
  assert.deepEqual((await service.store.pendingCommands()).map((c) => c.state), ['received']);
  assert.equal((await service.store.getEnvironment('webapp', 'pr-57'))?.present, true, 'not destroyed while GitHub does not answer');

  // GitHub answers again; the next delivery (a label) makes slipway look again.
  api.down = false;
  await deliver(service.url, { event: 'pull_request', payload: pr('labeled', head, ['docs'], 'docs') });
  await eventually(async () => (JSON.stringify(reactions.get(id)) === '["eyes","rocket"]' ? true : undefined), 20_000);
  await envState(service, 'pr-57', 'destroyed');

  const ghost = await command('ghost', '/slipway keep', 'confused');
  await shows('😕 Last command: /slipway keep by \\@ghost failed: cannot check whether \\@ghost may write: GET /repos/acme/webapp/collaborators/ghost/permission found nothing (HTTP 404');
  assert.equal((await service.store.lastCommand('acme/webapp', 57))?.commentId, ghost.id);
});

test('the slipway:keep label keeps the preview and removing it lets it go; neither restarts the TTL, a push does', async (t) => {
  const { origin, service, shows, open } = await world(t);
  const { head, env: opened } = await open();
  assert.equal(opened.keep, false);
  const sameClock = (env: { lastCommitAt: number | null; expiresAt: number | null }) => assert.deepEqual([env.lastCommitAt, env.expiresAt], [opened.lastCommitAt, opened.expiresAt]);

  await deliver(service.url, { event: 'pull_request', payload: pr('labeled', head, ['slipway:keep'], 'slipway:keep') });
  const kept = await eventually(async () => {
    const env = await service.store.getEnvironment('webapp', 'pr-57');
    return env?.keep === true ? env : undefined;
  });
  sameClock(kept);
  await shows('| kept |');
  await deliver(service.url, { event: 'pull_request', payload: pr('unlabeled', head, [], 'slipway:keep') });
  const released = await eventually(async () => {
    const env = await service.store.getEnvironment('webapp', 'pr-57');
    return env?.keep === false ? env : undefined;
  });
  sameClock(released);

  const head2 = origin.commit('feature/x', 'pr v2');
  origin.pullHead(57, head2);
  await deliver(service.url, { event: 'pull_request', payload: pr('synchronize', head2) });
  // Ready already before the push is applied: wait for the new head itself.
  const pushed = await eventually(async () => {
    const env = await service.store.getEnvironment('webapp', 'pr-57');
    return env?.state === 'ready' && env.observedSha === head2 ? env : undefined;
  }, 30_000);
  assert.ok((pushed.lastCommitAt ?? 0) > (opened.lastCommitAt ?? 0));
  assert.equal(pushed.expiresAt, (pushed.lastCommitAt ?? 0) + 24 * HOUR);
});
