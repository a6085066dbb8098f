import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRun, checkSuite, commitStatus, push, workflowRun } from '../helpers/ci.js';
import { envState, setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// CI-gated deployment through the real webhook endpoint: GitHub's CI webhooks are signed
// payloads; the code comes from a real git repository in a temp folder.

const GATED = `
      - name: dev
        track: { branch: develop }
        gate: { checks: [build, test], timeout: 1h }`;

async function latestDeployment(service: Awaited<ReturnType<typeof setup>>['service'], env: string) {
  const found = await service.store.getEnvironment('webapp', env);
  assert.ok(found !== null);
  const [latest] = await service.store.listDeployments(found.id, 1);
  return latest;
}

test('a push waits for its checks; a failing check fails it with nothing deployed; a successful re-run deploys it', async (t) => {
  const { origin, service, lines } = await setup(t, { environments: GATED });
  origin.commit('main', 'base');
  const sha = origin.commit('develop', 'v1');
  await deliver(service.url, { event: 'push', payload: push('develop', sha) });
  await envState(service, 'dev', 'waiting');
  const waiting = await latestDeployment(service, 'dev');
  assert.equal(waiting?.state, 'waiting');
  assert.equal(waiting?.sha, sha);

  await deliver(service.url, { event: 'check_run', payload: checkRun(sha, 'build', 'success') });
  await deliver(service.url, { event: 'check_run', payload: checkRun(sha, 'test', 'failure') });
  await envState(service, 'dev', 'failed');
  const failed = await latestDeployment(service, 'dev');
  assert.equal(failed?.id, waiting?.id, 'the waiting deployment is the one that fails');
  assert.equal(failed?.state, 'failure');
  assert.match(failed?.error ?? '', /check test failed \(failure\)/);
  assert.deepEqual(lines(), [], 'nothing was deployed');

  await deliver(service.url, { event: 'check_run', payload: checkRun(sha, 'test', 'success') });
  const ready = await envState(service, 'dev', 'ready');
  assert.equal(ready.observedSha, sha);
  assert.deepEqual(lines(), [`deploy dev ${sha} refs/heads/develop v1`]);
});

test('signals that arrive before the push are used; fork-style signals with no branch match by sha', async (t) => {
  const gate = `
      - name: dev
        track: { branch: develop }
        gate: { checks: [build], statuses: [ci/jenkins], workflows: [CI] }`;
  const { origin, service, lines } = await setup(t, { environments: gate });
  origin.commit('main', 'base');
  const sha = origin.commit('develop', 'v1');
  await deliver(service.url, { event: 'check_run', payload: checkRun(sha, 'build', 'success', { branch: null }) });
  await deliver(service.url, { event: 'status', payload: commitStatus(sha, 'ci/jenkins', 'success') });
  await deliver(service.url, { event: 'workflow_run', payload: workflowRun(sha, 'CI', 'success', { branch: 'develop' }) });
  await deliver(service.url, { event: 'push', payload: push('develop', sha) });
  const ready = await envState(service, 'dev', 'ready');
  assert.equal(ready.observedSha, sha);
  assert.deepEqual(lines(), [`deploy dev ${sha} refs/heads/develop v1`]);
  const deployments = await service.store.listDeployments(ready.id, 10);
  assert.deepEqual(deployments.map((d) => d.state), ['success'], 'the gate was open: no waiting deployment');
});

test('three pushes while checks run: only the newest commit deploys', async (t) => {
  const { origin, service, lines } = await setup(t, { environments: GATED });
  origin.commit('main', 'base');
  const shas: string[] = [];
  for (const version of ['v1', 'v2', 'v3']) {
    shas.push(origin.commit('develop', version));
    await deliver(service.url, { event: 'push', payload: push('develop', shas.at(-1) ?? '') });
  }
  const newest = shas[2] ?? '';
  await eventually(async () => ((await latestDeployment(service, 'dev'))?.sha === newest ? true : undefined));
  await envState(service, 'dev', 'waiting');
  // The older commits' checks finish first: they deploy nothing.
  for (const sha of shas.slice(0, 2)) {
    await deliver(service.url, { event: 'check_run', payload: checkRun(sha, 'build', 'success') });
    await deliver(service.url, { event: 'check_run', payload: checkRun(sha, 'test', 'success') });
  }
  await deliver(service.url, { event: 'check_run', payload: checkRun(newest, 'build', 'success') });
  await deliver(service.url, { event: 'check_run', payload: checkRun(newest, 'test', 'success') });
  const ready = await envState(service, 'dev', 'ready');
  assert.equal(ready.observedSha, newest);
  assert.deepEqual(lines(), [`deploy dev ${newest} refs/heads/develop v3`]);
  const states = (await service.store.listDeployments(ready.id, 10)).map((d) => `${d.sha?.slice(0, 7)}:${d.state}`);
  assert.equal(states[0], `${newest.slice(0, 7)}:success`);
  assert.ok(states.slice(1).every((s) => s.endsWith(':inactive')), `older waiting deployments are superseded: ${states.join(', ')}`);
});

test('a gate that waits past its timeout fails, naming what it still waits for', async (t) => {
  const gate = `
      - name: dev
        track: { branch: develop }
        gate: { checks: [build], timeout: 2s }`;
  const { origin, service, lines } = await setup(t, { environments: gate });
  origin.commit('main', 'base');
  const sha = origin.commit('develop', 'v1');
  await deliver(service.url, { event: 'push', payload: push('develop', sha) });
  await envState(service, 'dev', 'waiting');
  await envState(service, 'dev', 'failed');
  const failed = await latestDeployment(service, 'dev');
  assert.match(failed?.error ?? '', /^gate timed out after 2s: still waiting for check build \(missing\)$/);
  assert.deepEqual(lines(), []);
});

test('checkSuites: all waits for every suite reported on the sha', async (t) => {
  const gate = `
      - name: staging
        track: { branch: main }
        gate: { checkSuites: all }`;
  const { origin, service, lines } = await setup(t, { environments: gate });
  const sha = origin.commit('main', 'v1');
  await deliver(service.url, { event: 'push', payload: push('main', sha) });
  await envState(service, 'staging', 'waiting');
  await deliver(service.url, { event: 'check_suite', payload: checkSuite(sha, null, { id: 777, app: 'circleci' }) });
  await deliver(service.url, { event: 'check_suite', payload: checkSuite(sha, 'success', { app: 'github-actions' }) });
  await eventually(async () => ((await service.store.signalsFor('acme/webapp', sha)).length === 2 ? true : undefined));
  await envState(service, 'staging', 'waiting');
  assert.deepEqual(lines(), [], 'one suite still runs: nothing deployed');
  await deliver(service.url, { event: 'check_suite', payload: checkSuite(sha, 'neutral', { id: 777, app: 'circleci' }) });
  const ready = await envState(service, 'staging', 'ready');
  assert.equal(ready.observedSha, sha);
});
