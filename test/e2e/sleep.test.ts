import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { pullRequestWebhook } from '../../src/demo/payloads.js';
import { startFakeGitHub } from '../helpers/fake-github.js';
import { appAnswer, appFiles, REPO, serving, startAppService, viaRouter } from '../helpers/process-app.js';
import { deliver, eventually } from '../helpers/webhook.js';
import { alive } from '../targets/process/helpers.js';

// Sleep and wake as a user sees them: signed webhooks through the real endpoint, a real git
// repository, each preview a real Node process on 127.0.0.1, every page read through
// slipway's router by its `<env>.web.localhost` name.

/** The environment's state as the store has it, once it is `state`. */
function stateOf(service: { store: { getEnvironment(app: string, env: string): Promise<{ state: string; wakes: number } | null> } }, env: string, state: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const found = await service.store.getEnvironment('web', env);
    return found?.state === state ? found : undefined;
  }, timeoutMs);
}

test('a preview idle for sleepAfter sleeps (its process gone); the next request wakes it and is answered with its content', { timeout: 90_000 }, async (t) => {
  const { origin, service, routerPort, hooks } = await startAppService(t, undefined, { keys: 'sleepAfter: 2s' });
  origin.commitFiles('main', appFiles('main'));
  const head = origin.commitFiles('feature/a', appFiles('pr a'));
  await hooks.pullRequest('opened', 7, 'feature/a', head);
  const first = await serving(routerPort, 'pr-7', 'pr a');

  await stateOf(service, 'pr-7', 'sleeping');
  await eventually(async () => (alive(first.pid) ? undefined : true), 10_000);

  const woken = appAnswer(await viaRouter(routerPort, 'pr-7', '/', 30_000));
  assert.equal(woken?.version, 'pr a', 'the request that woke it got the app itself');
  assert.equal(woken?.sha, head);
  assert.notEqual(woken?.pid, first.pid, 'a new process serves it');
  const awake = await service.store.getEnvironment('web', 'pr-7');
  assert.equal(awake?.state, 'ready');
  assert.equal(awake?.wakes, 1);

  // A new commit while it sleeps deploys and serves it as usual.
  await stateOf(service, 'pr-7', 'sleeping');
  const next = origin.commitFiles('feature/a', appFiles('pr a2'));
  await hooks.pullRequest('synchronize', 7, 'feature/a', next);
  assert.equal((await serving(routerPort, 'pr-7', 'pr a2')).sha, next);
});

test('a browser waiting on a sleeping preview gets the "waking up" page after a second; curl waits for the app', { timeout: 90_000 }, async (t) => {
  // Its start takes 2.5 s, so a browser's second of patience runs out first.
  const slow = 'start: node server.js\nhealth: { path: /healthz, timeout: 20s }\nenv: { START_DELAY_MS: 2500 }\n';
  const { origin, service, routerPort, hooks } = await startAppService(t, undefined, { keys: 'sleepAfter: 2s' });
  origin.commitFiles('main', appFiles('main'));
  const head = origin.commitFiles('feature/b', appFiles('pr b', slow));
  await hooks.pullRequest('opened', 8, 'feature/b', head);
  await serving(routerPort, 'pr-8', 'pr b');
  await stateOf(service, 'pr-8', 'sleeping');

  const browser = await fromBrowser(routerPort, 'pr-8');
  assert.equal(browser.status, 503);
  assert.equal(browser.retryAfter, '1');
  assert.match(browser.body, /This environment is waking up/);
  assert.match(browser.body, /http-equiv="refresh" content="1"/);
  const reply = await viaRouter(routerPort, 'pr-8', '/', 30_000);
  assert.equal(appAnswer(reply)?.version, 'pr b', `held until awake, then served; got ${reply.status}: ${reply.body.slice(0, 300)}`);
  assert.equal((await service.store.getEnvironment('web', 'pr-8'))?.wakes, 1, 'both requests shared one wake-up');
});

test('with pullRequests.max 2, a third preview puts the least recently used to sleep; a request wakes it and another sleeps', { timeout: 120_000 }, async (t) => {
  const { origin, service, routerPort, hooks } = await startAppService(t, undefined, { pullRequests: 'max: 2' });
  origin.commitFiles('main', appFiles('main'));
  const open = async (pr: number) => {
    const head = origin.commitFiles(`feature/${pr}`, appFiles(`pr ${pr}`));
    await hooks.pullRequest('opened', pr, `feature/${pr}`, head);
    const answer = await serving(routerPort, `pr-${pr}`, `pr ${pr}`);
    // Its deployment is recorded (a use, as a request is) only after the route switched.
    await stateOf(service, `pr-${pr}`, 'ready');
    return answer;
  };
  const one = await open(1);
  await open(2);
  // pr-1 is used after pr-2 was deployed: pr-2 is the least recently used now.
  assert.equal(appAnswer(await viaRouter(routerPort, 'pr-1'))?.version, 'pr 1');
  await open(3);

  await stateOf(service, 'pr-2', 'sleeping');
  assert.equal((await service.store.getEnvironment('web', 'pr-1'))?.state, 'ready');
  assert.equal((await service.store.getEnvironment('web', 'pr-3'))?.state, 'ready');
  assert.ok(alive(one.pid), 'the recently used preview runs on');

  const woken = appAnswer(await viaRouter(routerPort, 'pr-2', '/', 30_000));
  assert.equal(woken?.version, 'pr 2');
  // Awake again, pr-2 takes the template over its cap: the least recently used of the others sleeps.
  await stateOf(service, 'pr-1', 'sleeping');
  const states = await Promise.all(['pr-1', 'pr-2', 'pr-3'].map(async (env) => (await service.store.getEnvironment('web', env))?.state));
  assert.deepEqual(states, ['sleeping', 'ready', 'ready']);
});

test('/slipway sleep from a writer puts the preview to sleep at once; a reader is refused; the next visit wakes it', { timeout: 90_000 }, async (t) => {
  // The fake GitHub stands in for the REST API: who may write, the reactions, slipway's PR comment.
  const github = await startFakeGitHub(t);
  github.on('GET', /\/repos\/acme\/web\/collaborators\/([^/]+)\/permission/, (_req, match) => {
    const permission = match[1] === 'maintainer' ? 'write' : 'read';
    return { body: { permission, role_name: permission, user: { login: match[1] } } };
  });
  const reactions = new Map<number, string[]>();
  github.on('POST', /\/repos\/acme\/web\/issues\/comments\/(\d+)\/reactions/, (req, match) => {
    const id = Number(match[1]);
    reactions.set(id, [...(reactions.get(id) ?? []), (req.body as { content: string }).content]);
    return { status: 201, body: { id: 1 } };
  });
  github.on('GET', /\/repos\/acme\/web\/issues\/\d+\/comments/, () => ({ body: [] }));
  github.on('POST', /\/repos\/acme\/web\/issues\/\d+\/comments/, () => ({ status: 201, body: { id: 1 } }));
  github.on('PATCH', /\/repos\/acme\/web\/issues\/comments\/\d+/, () => ({ body: { id: 1 } }));
  github.on('POST', /\/repos\/acme\/web\/deployments/, () => ({ status: 201, body: { id: 1 } }));
  github.on('POST', /\/repos\/acme\/web\/deployments\/\d+\/statuses/, () => ({ status: 201, body: { id: 1 } }));
  const top = `github: { token: ghp_sleep, apiUrl: ${github.url} }`;
  const { origin, service, routerPort, hooks } = await startAppService(t, undefined, undefined, top);
  origin.commitFiles('main', appFiles('main'));
  const head = origin.commitFiles('feature/c', appFiles('pr c'));
  await hooks.pullRequest('opened', 9, 'feature/c', head);
  const first = await serving(routerPort, 'pr-9', 'pr c');
  const { repository } = pullRequestWebhook({ fullName: REPO, cloneUrl: origin.url }, { action: 'opened', number: 9, title: 't', head: { branch: 'feature/c', sha: head }, base: { branch: 'main', sha: head }, updatedAt: new Date() }).payload as { repository: unknown };
  let ids = 500;
  const command = async (login: string, final: string) => {
    const id = ++ids;
    const payload = { action: 'created', issue: { number: 9, pull_request: { url: 'https://api.github.com/repos/acme/web/pulls/9' } }, comment: { id, body: '/slipway sleep', user: { login }, author_association: 'NONE' }, repository, sender: { login } };
    assert.equal((await deliver(service.url, { event: 'issue_comment', payload })).status, 202);
    await eventually(async () => (JSON.stringify(reactions.get(id)) === JSON.stringify(['eyes', final]) ? true : undefined), 20_000);
  };

  await command('reader', 'confused');
  assert.equal((await service.store.getEnvironment('web', 'pr-9'))?.state, 'ready', 'a reader changes nothing');
  assert.ok(alive(first.pid));
  await command('maintainer', 'rocket');
  await stateOf(service, 'pr-9', 'sleeping');
  assert.equal(alive(first.pid), false);
  assert.equal(appAnswer(await viaRouter(routerPort, 'pr-9', '/', 30_000))?.version, 'pr c');
});

/** A page load as a browser makes it: GET, asking for HTML. */
function fromBrowser(routerPort: number, env: string): Promise<{ status: number; body: string; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const headers = { host: `${env}.web.localhost:${routerPort}`, accept: 'text/html,application/xhtml+xml' };
    const req = request({ host: '127.0.0.1', port: routerPort, path: '/', agent: false, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), retryAfter: res.headers['retry-after'] }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}
