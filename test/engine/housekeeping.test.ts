import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { push } from '../helpers/ci.js';
import { setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// Pruning old worktrees is housekeeping: when it fails (here a folder in the environment's
// worktree area that slipway did not make, which it refuses to delete), the deployment that
// just succeeded stays a success and nothing is rolled back.

const STAGING = `
      - name: staging
        track: { branch: main }
        rollback: { on: [failure, error] }`;

test('a deployment whose worktree pruning fails afterwards is a success and is not rolled back', async (t) => {
  const { origin, service, lines, root } = await setup(t, { environments: STAGING });
  const first = origin.commit('main', 'v1');
  await deliver(service.url, { event: 'push', payload: push('main', first) });
  await eventually(async () => ((await service.store.getEnvironment('webapp', 'staging'))?.observedSha === first ? true : undefined), 20_000);

  // A folder slipway did not create, where it prunes old worktrees: removing it is refused.
  const foreign = join(root, 'data', 'worktrees', 'webapp', 'staging', 'f'.repeat(40));
  mkdirSync(foreign, { recursive: true });
  writeFileSync(join(foreign, 'keep.txt'), 'not a worktree');

  const second = origin.commit('main', 'v2');
  await deliver(service.url, { event: 'push', payload: push('main', second) });
  const staging = await service.store.getEnvironment('webapp', 'staging');
  const finished = ['success', 'failure', 'error', 'inactive'];
  await eventually(async () => {
    const latest = await service.store.listDeployments(staging?.id ?? 0, 10);
    return latest.some((d) => d.sha === second && finished.includes(d.state)) ? true : undefined;
  }, 20_000);
  // Give a rollback, were one started, the time to run.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const env = await eventually(async () => {
    const found = await service.store.getEnvironment('webapp', 'staging');
    return found !== null && found.generation === found.observedGeneration ? found : undefined;
  }, 20_000);
  const deployments = await service.store.listDeployments(env.id, 10);
  assert.deepEqual(
    deployments.map((d) => `${d.sha === first ? 'v1' : 'v2'}:${d.state}:${d.trigger}`),
    ['v2:success:push', 'v1:success:push'],
  );
  const now = await service.store.getEnvironment('webapp', 'staging');
  assert.equal(now?.observedSha, second);
  assert.equal(now?.quarantinedSha, null);
  assert.equal(now?.pinnedSha, null);
  assert.equal(lines().length, 2, 'deployed twice, no rollback deploy');
});
