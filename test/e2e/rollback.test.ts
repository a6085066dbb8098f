import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployment, deploymentStatus, push } from '../helpers/ci.js';
import { setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// GitHub deployments and their statuses through the real webhook endpoint, deployed from a real
// git repository in a temp folder by a command target that keeps a journal.

type Service = Awaited<ReturnType<typeof setup>>['service'];

const observed = (service: Service, env: string, sha: string) =>
  eventually(async () => {
    const found = await service.store.getEnvironment('webapp', env);
    return found?.observedSha === sha && found.state === 'ready' && found.generation === found.observedGeneration ? found : undefined;
  }, 20_000);

test('a GitHub deployment deploys exactly its sha, linked; a failure status rolls back to the previous good sha', async (t) => {
  const environments = `
      - name: qa
        track: { deployments: true }
        rollback: { on: [failure, error] }`;
  const { origin, service, lines } = await setup(t, { environments });
  const good = origin.commit('main', 'v1');
  const bad = origin.commit('main', 'v2');
  await deliver(service.url, { event: 'deployment', payload: deployment(good, 'qa', { id: 501 }) });
  await observed(service, 'qa', good);
  await deliver(service.url, { event: 'deployment', payload: deployment(bad, 'QA', { id: 502 }) });
  const env = await observed(service, 'qa', bad);
  const [linked] = await service.store.listDeployments(env.id, 1);
  assert.equal(linked?.githubDeploymentId, 502);
  assert.equal(linked?.sha, bad);

  await deliver(service.url, { event: 'deployment_status', payload: deploymentStatus(bad, 'qa', 502, 'in_progress') });
  await deliver(service.url, { event: 'deployment_status', payload: deploymentStatus(bad, 'qa', 502, 'failure') });
  const back = await observed(service, 'qa', good);
  assert.equal(back.quarantinedSha, bad);
  assert.equal(back.pinnedSha, good);
  assert.deepEqual(lines().map((line) => line.split(' ').slice(0, 3).join(' ')), [`deploy qa ${good}`, `deploy qa ${bad}`, `deploy qa ${good}`]);
  const messages = (await service.store.getDeployment(linked?.id ?? 0))?.timeline.map((entry) => entry.message) ?? [];
  assert.ok(messages.includes('GitHub deployment 502: in_progress (https://github.com/acme/webapp/actions/runs/15388990011)'), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith(`rolling back to ${good.slice(0, 12)} (GitHub deployment 502 reported failure)`)), messages.join('\n'));

  // A deployment slipway created itself is recognized and not deployed twice.
  await deliver(service.url, { event: 'deployment', payload: deployment(bad, 'qa', { id: 503, payload: { slipway: { deployment: 9 } } }) });
  const third = origin.commit('main', 'v3');
  await deliver(service.url, { event: 'deployment', payload: deployment(third, 'qa', { id: 504 }) });
  await observed(service, 'qa', third);
  assert.equal(lines().length, 4);
});

const STAGING = `
      - name: staging
        track: { branch: main }
        rollback: { on: [failure, error] }`;

test('a rolled-back sha is quarantined against a re-sent push; a new commit deploys and clears it', async (t) => {
  const { origin, service, lines } = await setup(t, { environments: STAGING });
  const good = origin.commit('main', 'v1');
  await deliver(service.url, { event: 'push', payload: push('main', good) });
  await observed(service, 'staging', good);
  const bad = origin.commit('main', 'v2');
  await deliver(service.url, { event: 'push', payload: push('main', bad) });
  await observed(service, 'staging', bad);

  // An outside deployer (smoke tests in Actions) reports the deployment of `bad` failed.
  await deliver(service.url, { event: 'deployment_status', payload: deploymentStatus(bad, 'staging', 900, 'failure') });
  await observed(service, 'staging', good);

  const resent = await deliver(service.url, { event: 'push', payload: push('main', bad) });
  await eventually(async () => ((await service.store.getDelivery(resent.id))?.status === 'processed' ? true : undefined));
  const held = await observed(service, 'staging', good);
  assert.equal(held.quarantinedSha, bad);
  assert.equal(held.pinnedSha, null, 'the push unpinned it: it follows main again, skipping the quarantined sha');
  assert.equal(lines().length, 3, 'the quarantined sha was not deployed again');

  const next = origin.commit('main', 'v3');
  await deliver(service.url, { event: 'push', payload: push('main', next) });
  const moved = await observed(service, 'staging', next);
  assert.equal(moved.quarantinedSha, null);
});

test('slipway\'s own failed deployment rolls back, and a failed rollback is not rolled back again', async (t) => {
  // The deploy command fails for any version whose content says "bad".
  const deploy = () => ['sh', '-c', 'if grep -q bad version.txt; then echo "health check failed" >&2; exit 3; fi'];
  const { origin, service } = await setup(t, { environments: STAGING, deploy });
  const good = origin.commit('main', 'good v1');
  await deliver(service.url, { event: 'push', payload: push('main', good) });
  await observed(service, 'staging', good);
  const bad = origin.commit('main', 'bad v2');
  await deliver(service.url, { event: 'push', payload: push('main', bad) });
  const back = await eventually(async () => {
    const env = await service.store.getEnvironment('webapp', 'staging');
    return env?.quarantinedSha === bad && env.state === 'ready' && env.generation === env.observedGeneration ? env : undefined;
  }, 20_000);
  assert.equal(back.observedSha, good);
  const deployments = await service.store.listDeployments(back.id, 10);
  assert.deepEqual(deployments.map((d) => `${d.sha === good ? 'good' : 'bad'}:${d.state}:${d.trigger}`), ['good:success:rollback', 'bad:failure:push', 'good:success:push']);
  assert.match(deployments[1]?.error ?? '', /exit|3/);
});
