import assert from 'node:assert/strict';
import { test } from 'node:test';
import { push } from '../helpers/ci.js';
import { setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// A deployment that a newer desired state makes outdated is cancelled at once, whatever the
// change: a pin or a rollback to another sha, not only a new commit on the followed branch.
// The deploy command takes 60 s for a version marked "slow" and records when it starts and ends.

const STAGING = `
      - name: staging
        track: { branch: main }`;

const slowDeploy = (journal: string) => [
  'sh',
  '-c',
  `echo "start $SLIPWAY_SHA" >> ${journal}; if grep -q slow version.txt; then sleep 60; fi; echo "done $SLIPWAY_SHA" >> ${journal}`,
];

for (const kind of ['pin', 'rollback'] as const) {
  test(`a ${kind} to another sha cancels the outdated deployment running`, async (t) => {
    const { origin, service, lines } = await setup(t, { environments: STAGING, deploy: slowDeploy });
    const good = origin.commit('main', 'v1');
    await deliver(service.url, { event: 'push', payload: push('main', good) });
    await eventually(async () => ((await service.store.getEnvironment('webapp', 'staging'))?.observedSha === good ? true : undefined), 20_000);
    const slow = origin.commit('main', 'slow v2');
    await deliver(service.url, { event: 'push', payload: push('main', slow) });
    await eventually(async () => (lines().includes(`start ${slow}`) ? true : undefined), 20_000);

    const change = kind === 'pin'
      ? { kind, app: 'webapp', env: 'staging', sha: good, trigger: 'cli.deploy' }
      : { kind, app: 'webapp', env: 'staging', trigger: 'cli.rollback', reason: 'by hand', failedSha: null, toSha: good, quarantine: false };
    await service.store.changeEnvironments([change], 'test');
    // Well before the slow deployment would end by itself.
    const env = await eventually(async () => {
      const found = await service.store.getEnvironment('webapp', 'staging');
      return found !== null && found.generation === found.observedGeneration && found.pinnedSha === good ? found : undefined;
    }, 30_000);
    const deployments = await service.store.listDeployments(env.id, 5);
    const outdated = deployments.find((d) => d.sha === slow);
    assert.equal(outdated?.state, 'inactive');
    assert.match(outdated?.error ?? '', /cancelled/);
    assert.equal(lines().includes(`done ${slow}`), false, 'the slow deployment was stopped, not waited for');
  });
}
