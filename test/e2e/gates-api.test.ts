import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { push } from '../helpers/ci.js';
import { startFakeGitHub, type FakeAnswer } from '../helpers/fake-github.js';
import { envState, setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// Gates confirmed through the GitHub API: no check_run, check_suite or status webhook is ever
// sent; the fake GitHub server (standing in for the REST API) answers what CI says of the sha.

interface Ci {
  runs?: unknown[];
  suites?: unknown[];
  statuses?: unknown[];
  workflowRuns?: unknown[];
  /** Overrides every answer (an outage). */
  down?: FakeAnswer;
}

async function world(t: TestContext, gate: string, ci: Ci) {
  const github = await startFakeGitHub(t);
  const answer = (body: unknown): FakeAnswer => ci.down ?? { body };
  github.on('GET', /\/repos\/acme\/webapp\/commits\/\w+\/check-runs/, () => answer({ total_count: ci.runs?.length ?? 0, check_runs: ci.runs ?? [] }));
  github.on('GET', /\/repos\/acme\/webapp\/commits\/\w+\/check-suites/, () => answer({ total_count: ci.suites?.length ?? 0, check_suites: ci.suites ?? [] }));
  github.on('GET', /\/repos\/acme\/webapp\/commits\/\w+\/status/, () => {
    const statuses = ci.statuses ?? [];
    return answer({ state: statuses.length === 0 ? 'pending' : 'success', total_count: statuses.length, statuses, sha: 'x' });
  });
  github.on('GET', '/repos/acme/webapp/actions/runs', () => answer({ total_count: ci.workflowRuns?.length ?? 0, workflow_runs: ci.workflowRuns ?? [] }));
  const environments = `
      - name: dev
        track: { branch: develop }
        gate: { ${gate}, timeout: 20s }`;
  const top = `github:\n  token: ghp_gates\n  apiUrl: ${github.url}`;
  const { origin, service, lines } = await setup(t, { environments, top });
  origin.commit('main', 'base');
  const sha = origin.commit('develop', 'v1');
  return { github, origin, service, lines, sha };
}

const run = (id: number, name: string, conclusion: string | null) => ({
  id,
  name,
  status: conclusion === null ? 'in_progress' : 'completed',
  conclusion,
  head_sha: 'ignored',
  html_url: `https://github.com/acme/webapp/runs/${id}`,
  app: { slug: 'github-actions' },
});

test('a gated push whose check webhooks never came deploys once the API shows the checks passed', async (t) => {
  const ci: Ci = { runs: [run(11, 'build', null)] };
  const { github, service, lines, sha } = await world(t, 'checks: [build]', ci);
  await deliver(service.url, { event: 'push', payload: push('develop', sha) });
  await envState(service, 'dev', 'waiting');
  await eventually(async () => (github.calls(/check-runs/).length > 0 ? true : undefined));
  const request = github.requests.find((r) => r.path.endsWith('/check-runs'));
  assert.equal(request?.path, `/repos/acme/webapp/commits/${sha}/check-runs`);
  assert.equal(request?.query.get('filter'), 'latest');
  assert.equal(request?.headers.authorization, 'token ghp_gates');
  assert.deepEqual(lines(), [], 'the build is still running: nothing deployed');

  ci.runs = [run(11, 'build', 'success')];
  const ready = await envState(service, 'dev', 'ready');
  assert.equal(ready.observedSha, sha);
  assert.deepEqual(lines(), [`deploy dev ${sha} refs/heads/develop v1`]);
  const [signal] = await service.store.signalsFor('acme/webapp', sha);
  assert.deepEqual({ kind: signal?.kind, name: signal?.name, state: signal?.state, order: signal?.order }, {
    kind: 'check_run', name: 'build', state: 'success', order: [11, 0, 2],
  });
});

test('a failed check read through the API fails the gate, naming the check', async (t) => {
  const { service, lines, sha } = await world(t, 'checks: [build, test]', { runs: [run(21, 'build', 'success'), run(22, 'test', 'timed_out')] });
  await deliver(service.url, { event: 'push', payload: push('develop', sha) });
  const failed = await envState(service, 'dev', 'failed');
  const [latest] = await service.store.listDeployments(failed.id, 1);
  assert.equal(latest?.state, 'failure');
  assert.match(latest?.error ?? '', /check test failed \(timed_out\)/);
  assert.deepEqual(lines(), []);
});

test('a combined status pending with no statuses at all is no pending status: a suites gate deploys', async (t) => {
  const suite = { id: 31, status: 'completed', conclusion: 'success', head_sha: 'ignored', app: { slug: 'circleci' } };
  const { github, service, lines, sha } = await world(t, 'checkSuites: all', { suites: [suite] });
  await deliver(service.url, { event: 'push', payload: push('develop', sha) });
  await envState(service, 'dev', 'ready');
  assert.deepEqual(lines(), [`deploy dev ${sha} refs/heads/develop v1`]);
  assert.ok(github.calls(/\/status$/).length > 0, 'the combined status was read');
  const signals = await service.store.signalsFor('acme/webapp', sha);
  assert.deepEqual(signals.map((s) => `${s.kind} ${s.name} ${s.state}`), ['check_suite 31 success'], 'no status recorded');
});

test('statuses and workflow runs read through the API open a gate that requires them', async (t) => {
  const status = { id: 41, context: 'ci/jenkins', state: 'success', target_url: '' };
  const workflow = { id: 42, name: 'CI', path: '.github/workflows/ci.yml', run_attempt: 2, status: 'completed', conclusion: 'success', head_sha: 'x', html_url: 'https://github.com/acme/webapp/actions/runs/42' };
  const { github, service, lines, sha } = await world(t, 'statuses: [ci/jenkins], workflows: [CI]', { statuses: [status], workflowRuns: [workflow] });
  await deliver(service.url, { event: 'push', payload: push('develop', sha) });
  await envState(service, 'dev', 'ready');
  assert.deepEqual(lines(), [`deploy dev ${sha} refs/heads/develop v1`]);
  assert.equal(github.requests.find((r) => r.path === '/repos/acme/webapp/actions/runs')?.query.get('head_sha'), sha);
  const signals = await service.store.signalsFor('acme/webapp', sha);
  assert.deepEqual(signals.map((s) => `${s.kind} ${s.name} ${s.state} ${s.order.join('.')}`), ['status ci/jenkins success 41.0.0', 'workflow_run CI success 42.2.2']);
});

test('GitHub answering 502 keeps the gate waiting; nothing fails, nothing deploys', async (t) => {
  const ci: Ci = { down: { status: 502, body: { message: 'Bad Gateway' } } };
  const { github, service, lines, sha } = await world(t, 'checks: [build]', ci);
  await deliver(service.url, { event: 'push', payload: push('develop', sha) });
  await envState(service, 'dev', 'waiting');
  await eventually(async () => (github.calls(/check-runs/).length >= 2 ? true : undefined), 30_000);
  const env = await envState(service, 'dev', 'waiting');
  const [latest] = await service.store.listDeployments(env.id, 1);
  assert.equal(latest?.state, 'waiting');
  assert.equal(latest?.error, null);
  assert.deepEqual(lines(), []);
});
