import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config/load.js';
import { normalize, type Normalized } from '../../src/events/normalize.js';
import { environmentApiRoutes } from '../../src/http/environment-api.js';
import type { EnvironmentDetail, EnvironmentSummary } from '../../src/http/environment-view.js';
import type { DeploymentDetail } from '../../src/domain/environments.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Origin } from '../helpers/git.js';
import { callApi } from '../helpers/api.js';
import { API_TOKEN, startTestService, type TestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { deliver, eventually, send, type Answer } from '../helpers/webhook.js';
import { LiveLogs } from '../../src/engine/deployment-log.js';
import { finishPending } from '../store/contract/inbox.js';

// The environment API through a real slipway: HTTP on a free port, SQLite in a temp folder, git
// in a real repository reached through a file:// remote, and a command target writing a journal.

async function setup(t: TestContext) {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  const journal = join(root, 'deploys.log');
  const record = (verb: string) =>
    JSON.stringify(['sh', '-c', `echo "${verb}ing $SLIPWAY_ENV"; echo "${verb} $SLIPWAY_ENV $SLIPWAY_SHA $SLIPWAY_REF" >> ${journal}`]);
  const yaml = `
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: ${record('deploy')}, destroy: ${record('destroy')}, timeout: 30s }
    environments:
      - name: staging
        track: { branch: main }
      - name: qa
        track: { branch: qa }
        ttl: 1h
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
  - name: docs
    repo: acme/docs
`;
  const service = await startTestService(t, { yaml, dataDir: join(root, 'data') });
  const lines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n') : []);
  return { origin, service, lines };
}

const get = (service: TestService, path: string) => service.api('GET', path);
const post = (service: TestService, path: string, body?: unknown) => service.api('POST', path, body);

const errorOf = (answer: Answer) => (answer.json() as { error: { code: string; message: string } }).error;

function assertError(answer: Answer, status: number, code: string, message?: RegExp): void {
  assert.equal(answer.status, status, answer.body);
  const error = errorOf(answer);
  assert.equal(error.code, code, answer.body);
  if (message !== undefined) assert.match(error.message, message);
}

/** Waits until the environment converged in `state`. */
async function settled(service: TestService, name: string, state: string): Promise<EnvironmentDetail> {
  return eventually(async () => {
    const answer = await get(service, `/api/environments/webapp/${name}`);
    if (answer.status !== 200) return undefined;
    const detail = answer.json() as EnvironmentDetail;
    return detail.state === state && detail.converged ? detail : undefined;
  }, 20_000);
}

test('deploy follows a ref, redeploys what is desired, pins a sha; the environment and its deployments read back', async (t) => {
  const { origin, service, lines } = await setup(t);
  assert.deepEqual((await get(service, '/api/environments')).json(), { environments: [] });

  const v1 = origin.commit('main', 'v1');
  const accepted = await post(service, '/api/environments/webapp/staging/deploy', { ref: 'main' });
  assert.equal(accepted.status, 202, accepted.body);
  assert.deepEqual(accepted.json(), { accepted: true });
  await settled(service, 'staging', 'ready');

  const listed = (await get(service, '/api/environments')).json() as { environments: EnvironmentSummary[] };
  assert.equal(listed.environments.length, 1);
  const [staging] = listed.environments;
  assert.ok(staging !== undefined);
  assert.deepEqual(
    { ...staging, updatedAt: typeof staging.updatedAt },
    { app: 'webapp', name: 'staging', state: 'ready', ref: 'refs/heads/main', sha: v1, url: null, pr: null, branch: 'main', updatedAt: 'number', expiresAt: null, keep: false },
  );

  // No body: converge again to what is followed, which moved.
  const v2 = origin.commit('main', 'v2');
  assert.equal((await post(service, '/api/environments/webapp/staging/deploy')).status, 202);
  await eventually(async () => ((await service.store.getEnvironment('webapp', 'staging'))?.observedSha === v2 ? true : undefined), 20_000);
  await settled(service, 'staging', 'ready');

  // A sha (any case) pins that commit.
  assert.equal((await post(service, '/api/environments/webapp/staging/deploy', { sha: v1.toUpperCase() })).status, 202);
  await eventually(async () => ((await service.store.getEnvironment('webapp', 'staging'))?.observedSha === v1 ? true : undefined), 20_000);
  const detail = await settled(service, 'staging', 'ready');
  assert.equal(detail.ref, v1, 'a pinned sha is what the environment wants');
  assert.equal(detail.pinnedSha, v1);
  assert.equal(detail.desiredRef, 'refs/heads/main');
  assert.equal(detail.lastTrigger, 'api.deploy');
  assert.deepEqual(detail.deployments.map((d) => [d.sha, d.state, d.trigger]), [
    [v1, 'success', 'api.deploy'],
    [v2, 'success', 'api.deploy'],
    [v1, 'success', 'api.deploy'],
  ]);
  assert.ok(detail.deployments[0] !== undefined && detail.deployments[1] !== undefined);
  assert.ok(detail.deployments[0].id > detail.deployments[1].id, 'newest first');
  assert.deepEqual(lines(), [`deploy staging ${v1} refs/heads/main`, `deploy staging ${v2} refs/heads/main`, `deploy staging ${v1} refs/heads/main`]);

  const newest = await get(service, `/api/deployments/${detail.deployments[0].id}`);
  assert.equal(newest.status, 200);
  const deployment = newest.json() as DeploymentDetail;
  assert.equal(deployment.sha, v1);
  assert.equal(deployment.env, 'staging');
  assert.deepEqual(deployment.timeline.map((entry) => entry.state), ['in_progress', 'success']);
  assert.match(deployment.log, /deploying staging/);
});

test('a ref or a sha creates the environment: a branch name, a pull request ref, a fixed environment with its ttl, a pinned sha', async (t) => {
  const { origin, service } = await setup(t);
  origin.commit('main', 'base');
  const qa = origin.commit('qa', 'qa v1');
  const head = origin.commit('feature/login', 'pr v1');
  origin.pullHead(7, head);

  const before = Date.now();
  assert.equal((await post(service, '/api/environments/webapp/qa/deploy', { ref: 'refs/heads/qa' })).status, 202);
  assert.equal((await post(service, '/api/environments/webapp/pr-7/deploy', { ref: 'refs/pull/7/head' })).status, 202);
  assert.equal((await post(service, '/api/environments/webapp/demo/deploy', { ref: 'feature/login' })).status, 202);
  assert.equal((await post(service, '/api/environments/webapp/hotfix/deploy', { sha: qa })).status, 202);

  const qaEnv = await settled(service, 'qa', 'ready');
  assert.equal(qaEnv.sha, qa);
  assert.equal(qaEnv.ttlMs, 3_600_000, 'a fixed environment keeps its configured ttl');
  assert.ok(qaEnv.expiresAt !== null && qaEnv.expiresAt >= before + 3_600_000);

  const preview = await settled(service, 'pr-7', 'ready');
  assert.deepEqual([preview.sha, preview.ref, preview.pr, preview.branch, preview.expiresAt], [head, 'refs/pull/7/head', 7, null, null]);

  const demo = await settled(service, 'demo', 'ready');
  assert.deepEqual([demo.sha, demo.ref, demo.branch, demo.pr], [head, 'refs/heads/feature/login', 'feature/login', null]);

  const hotfix = await settled(service, 'hotfix', 'ready');
  assert.deepEqual([hotfix.sha, hotfix.ref, hotfix.desiredRef, hotfix.pinnedSha], [qa, qa, null, qa], 'a sha alone creates a pinned environment');
});

test('destroy tears a live environment down once; destroyed ones show with ?all=1', async (t) => {
  const { origin, service, lines } = await setup(t);
  const v1 = origin.commit('main', 'v1');
  await post(service, '/api/environments/webapp/staging/deploy', { ref: 'main' });
  await settled(service, 'staging', 'ready');

  const destroyed = await post(service, '/api/environments/webapp/staging/destroy');
  assert.equal(destroyed.status, 202, destroyed.body);
  assert.deepEqual(destroyed.json(), { accepted: true });
  await settled(service, 'staging', 'destroyed');
  assert.equal(lines().at(-1), `destroy staging ${v1} refs/heads/main`);
  const env = await service.store.getEnvironment('webapp', 'staging');
  assert.equal(env?.lastTrigger, 'api.destroy');

  assertError(await post(service, '/api/environments/webapp/staging/destroy'), 404, 'not_found', /already destroyed/);
  assertError(await post(service, '/api/environments/webapp/staging/deploy'), 404, 'not_found', /was destroyed; give a ref or a sha/);
  assert.deepEqual((await get(service, '/api/environments')).json(), { environments: [] });
  for (const all of ['1', 'true', '']) {
    const listed = (await get(service, `/api/environments?all=${all}`)).json() as { environments: EnvironmentSummary[] };
    assert.deepEqual(listed.environments.map((e) => [e.name, e.state]), [['staging', 'destroyed']], all);
  }

  // A ref brings it back.
  assert.equal((await post(service, '/api/environments/webapp/staging/deploy', { ref: 'main' })).status, 202);
  await settled(service, 'staging', 'ready');
});

test('bad requests are refused with a code and change nothing', async (t) => {
  const { origin, service } = await setup(t);
  origin.commit('main', 'v1');
  const deploy = '/api/environments/webapp/staging/deploy';
  assertError(await post(service, deploy, '{"ref": '), 400, 'bad_json');
  assertError(await post(service, deploy, '[1]'), 400, 'bad_body', /JSON object/);
  assertError(await post(service, deploy, { ref: 'main', sha: 'a'.repeat(40) }), 400, 'bad_body', /give one of ref, sha or follow/);
  assertError(await post(service, deploy, { branch: 'main' }), 400, 'bad_body', /unknown field "branch"; expected only: ref, sha/);
  for (const sha of ['abc', 'g'.repeat(40), 'a'.repeat(41), 40]) {
    assertError(await post(service, deploy, { sha }), 400, 'invalid_sha', /40 \(or 64/);
  }
  for (const ref of ['', 'a..b', 'refs/main', 'refs/heads/', '-x', 'has space', 'x'.repeat(1100), 7]) {
    assertError(await post(service, deploy, { ref }), 400, 'invalid_ref', /refs\/heads\/main/);
  }
  const form = { authorization: `Bearer ${service.apiToken}`, 'content-type': 'application/x-www-form-urlencoded' };
  assertError(await send(`${service.url}${deploy}`, { body: 'ref=main', headers: form }), 415, 'unsupported_media_type');
  assertError(await post(service, deploy, JSON.stringify({ ref: 'x'.repeat(70_000) })), 413, 'payload_too_large');

  assertError(await post(service, '/api/environments/nope/staging/deploy', { ref: 'main' }), 404, 'not_found', /unknown app "nope"; expected one of: webapp, docs/);
  assertError(await post(service, deploy), 404, 'not_found', /no environment webapp\/staging; give a ref or a sha/);
  assertError(await post(service, '/api/environments/webapp/Not_A_Label/deploy', { ref: 'main' }), 400, 'invalid_name');
  assertError(await post(service, '/api/environments/webapp/staging/destroy'), 404, 'not_found', /no environment webapp\/staging/);
  assertError(await post(service, '/api/environments/nope/staging/destroy'), 404, 'not_found', /unknown app "nope"/);

  assertError(await get(service, '/api/environments/webapp/staging'), 404, 'not_found');
  assertError(await get(service, '/api/environments?all=maybe'), 400, 'invalid_query');
  for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) assertError(await get(service, `/api/deployments/${id}`), 400, 'invalid_id');
  assertError(await get(service, '/api/deployments/12345'), 404, 'not_found');
  assertError(await get(service, deploy), 405, 'method_not_allowed');
  assertError(await post(service, '/api/environments'), 405, 'method_not_allowed');

  assert.deepEqual(await service.store.listEnvironments({ includeDestroyed: true }), [], 'nothing was created');
});

test('the environment API follows the API access rule', async (t) => {
  const service = await startTestService(t, { yaml: 'server:\n  apiToken: tok-9\napps:\n  - name: webapp\n    repo: acme/webapp\n' });
  const paths: [string, string][] = [
    ['GET', '/api/environments'],
    ['GET', '/api/environments/webapp/staging'],
    ['GET', '/api/deployments/1'],
    ['POST', '/api/environments/webapp/staging/deploy'],
    ['POST', '/api/environments/webapp/staging/destroy'],
    ['POST', '/api/deliveries/x/replay'],
  ];
  for (const [method, path] of paths) {
    assertError(await send(`${service.url}${path}`, { method }), 401, 'unauthorized');
    const allowed = await send(`${service.url}${path}`, { method, headers: { authorization: 'Bearer tok-9' } });
    assert.notEqual(allowed.status, 401, path);
  }
});

test('replay dispatches a finished delivery again: a destroyed environment comes back', async (t) => {
  const { origin, service, lines } = await setup(t);
  const v1 = origin.commit('main', 'v1');
  const push = JSON.parse(readFileSync('test/fixtures/payloads/push-main.json', 'utf8')) as unknown;
  const { id } = await deliver(service.url, { event: 'push', payload: push });
  await settled(service, 'staging', 'ready');
  await post(service, '/api/environments/webapp/staging/destroy');
  await settled(service, 'staging', 'destroyed');

  const replayed = await post(service, `/api/deliveries/${id}/replay`);
  assert.equal(replayed.status, 202, replayed.body);
  assert.deepEqual(replayed.json(), { accepted: true });
  const back = await settled(service, 'staging', 'ready');
  assert.equal(back.sha, v1);
  assert.equal(back.lastTrigger, 'push');
  assert.equal((await service.store.getDelivery(id))?.status, 'processed');
  assert.deepEqual(lines(), [`deploy staging ${v1} refs/heads/main`, `destroy staging ${v1} refs/heads/main`, `deploy staging ${v1} refs/heads/main`]);

  assertError(await post(service, '/api/deliveries/no-such-delivery/replay'), 404, 'not_found', /no delivery with id "no-such-delivery"/);
});

test('replay of a delivery that is still pending is 409; a finished one goes to the dispatcher', async (t) => {
  // The routes on a real store and a real port, with no dispatcher: deliveries stay pending
  // until the test marks them done, and what replay hands the dispatcher is recorded.
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  const handed: [string, Normalized][] = [];
  const config = parseConfig('', 'test.yaml', {}, '/tmp');
  const logs = { target: () => undefined, live: new LiveLogs(), stopping: new AbortController().signal };
  const routes = environmentApiRoutes({ config, store, changed: () => undefined }, store, (id, normalized) => handed.push([id, normalized]), logs);
  const limits = { ...config.server.listener, maxConnections: 100 };
  const server = createHttpServer({ routes, log: createLogger({ level: 'silent', pretty: false }), access: { apiToken: API_TOKEN, publicUrl: undefined }, limits, onRefused: () => undefined });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const replay = (id: string) => callApi(base, API_TOKEN, 'POST', `/api/deliveries/${id}/replay`);

  const payload = { zen: 'Keep it logically awesome.', hook_id: 1 };
  await store.insertDelivery({
    id: 'd-1', event: 'ping', action: null, hookId: '1', targetType: null, targetId: null, repository: null,
    receivedAt: Date.now(), payload: Buffer.from(JSON.stringify(payload)),
  });
  assertError(await replay('d-1'), 409, 'still_pending', /still pending/);
  assertError(await replay('d-2'), 404, 'not_found');
  assert.deepEqual(handed, []);

  await finishPending(store, [{ id: 'd-1', status: 'processed', error: null, processedAt: Date.now() }]);
  const accepted = await replay('d-1');
  assert.equal(accepted.status, 202, accepted.body);
  assert.equal((await store.getDelivery('d-1'))?.status, 'pending');
  assert.equal(handed.length, 1);
  assert.equal(handed[0]?.[0], 'd-1');
  assert.deepEqual(handed[0]?.[1], { ok: true, event: normalize('ping', payload) });
});
