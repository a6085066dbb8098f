// The GitHub REST API cannot run here: `fakeGitHub` is a small real HTTP server on 127.0.0.1
// standing in for it. It lists a workflow run's artifacts and answers an artifact's zip URL
// with a 302 to a signed blob URL (on the same server here), as GitHub does.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test, type TestContext } from 'node:test';
import { workflowRun } from '../helpers/ci.js';
import { envState, setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';
import { makeZip, type ZipEntry } from '../helpers/zip.js';

const TOKEN = 'ghp_artifactTestToken0123456789';

async function fakeGitHub(t: TestContext, runs: Map<number, ZipEntry[]>) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '', 'http://localhost');
    requests.push(url.pathname);
    const list = /^\/repos\/acme\/webapp\/actions\/runs\/(\d+)\/artifacts$/.exec(url.pathname);
    const zip = /^\/repos\/acme\/webapp\/actions\/artifacts\/(\d+)\/zip$/.exec(url.pathname);
    const blob = /^\/blob\/(\d+)$/.exec(url.pathname);
    if ((list || zip) && req.headers.authorization !== `token ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end('{"message":"Bad credentials"}');
    }
    if (list !== null && runs.has(Number(list[1]))) {
      const id = Number(list[1]);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({
        total_count: 1,
        artifacts: [{ id, name: 'site', size_in_bytes: 100, expired: false, created_at: '2026-11-01T00:00:00Z', archive_download_url: `http://${req.headers.host}/repos/acme/webapp/actions/artifacts/${id}/zip` }],
      }));
    }
    if (zip !== null) {
      res.writeHead(302, { location: `http://${req.headers.host}/blob/${zip[1]}?sig=abc` });
      return res.end();
    }
    const entries = blob === null ? undefined : runs.get(Number(blob[1]));
    if (entries !== undefined) {
      res.writeHead(200, { 'content-type': 'application/zip' });
      return res.end(makeZip(entries));
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"Not Found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests };
}

const NIGHTLY = `
      - name: nightly
        track: { workflowRun: { workflow: build, branch: main } }
        artifact: site`;

async function start(t: TestContext, runs: Map<number, ZipEntry[]>) {
  const github = await fakeGitHub(t, runs);
  // The deploy command records what the artifact holds: it runs inside the unpacked folder.
  const deploy = (journal: string) => ['sh', '-c', `echo "deploy $SLIPWAY_SHA $(cat index.html) $(cat assets/app.js)" >> ${journal}`];
  const top = `github:\n  token: ${TOKEN}\n  apiUrl: ${github.url}\nartifacts:\n  maxSize: 1MiB`;
  const world = await setup(t, { environments: NIGHTLY, top, deploy });
  return { ...world, github };
}

test('a successful build workflow on main deploys its artifact', async (t) => {
  const runs = new Map<number, ZipEntry[]>([[4001, [{ name: 'index.html', data: 'built site v1' }, { name: 'assets/', }, { name: 'assets/app.js', data: 'console.log(1)' }]]]);
  const { origin, service, github, lines } = await start(t, runs);
  const sha = origin.commit('main', 'v1');
  // A failed run, a run of another workflow and a fork's run deploy nothing.
  await deliver(service.url, { event: 'workflow_run', payload: workflowRun(sha, 'build', 'failure', { id: 3999 }) });
  await deliver(service.url, { event: 'workflow_run', payload: workflowRun(sha, 'lint', 'success', { id: 4000 }) });
  await deliver(service.url, { event: 'workflow_run', payload: workflowRun(sha, 'build', 'success', { id: 3998, fork: true }) });
  await deliver(service.url, { event: 'workflow_run', payload: workflowRun(sha, 'build', 'success', { id: 4001 }) });
  const env = await envState(service, 'nightly', 'ready');
  assert.equal(env.observedSha, sha);
  assert.equal(env.artifactRunId, 4001);
  const [deployment] = await service.store.listDeployments(env.id, 5);
  assert.equal(deployment?.artifactRunId, 4001);
  assert.deepEqual(lines(), [`deploy ${sha} built site v1 console.log(1)`]);
  // The reporter's calls (answered 404 here) are test/e2e/github-reports.test.ts's business.
  const artifactCalls = github.requests.filter((path) => !path.endsWith('/deployments'));
  assert.deepEqual(artifactCalls, ['/repos/acme/webapp/actions/runs/4001/artifacts', '/repos/acme/webapp/actions/artifacts/4001/zip', '/blob/4001']);
});

for (const [what, entries, expected] of [
  ['a path-traversal entry', [{ name: 'index.html', data: 'ok' }, { name: '../../escape.txt', data: 'owned' }], /outside the folder/],
  ['an oversized member', [{ name: 'index.html', data: 'ok' }, { name: 'big.bin', data: Buffer.alloc(2 * 1024 * 1024, 7) }], /too large|larger than|limit/i],
] as const) {
  test(`an artifact with ${what} is refused with a clear error, and nothing is deployed`, async (t) => {
    const runs = new Map<number, ZipEntry[]>([[5001, [...entries]]]);
    const { origin, service, lines } = await start(t, runs);
    const sha = origin.commit('main', 'v1');
    await deliver(service.url, { event: 'workflow_run', payload: workflowRun(sha, 'build', 'success', { id: 5001 }) });
    const env = await envState(service, 'nightly', 'failed');
    const [deployment] = await service.store.listDeployments(env.id, 5);
    assert.equal(deployment?.state, 'error');
    assert.match(deployment?.error ?? '', expected);
    assert.equal(env.observedSha, null);
    assert.deepEqual(lines(), [], 'no deploy command ran');
    await eventually(async () => ((await service.store.unconvergedEnvironments(10)).length === 0 ? true : undefined));
  });
}
