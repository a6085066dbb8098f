import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Origin } from '../helpers/git.js';
import { startTestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { fixture } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

test('a newer commit cancels a deployment that is already outdated; it ends inactive', async (t) => {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  // A commit saying "slow" takes 30 s to deploy; any other deploys at once.
  const deploy = JSON.stringify(['sh', '-c', 'if grep -q slow version.txt; then sleep 30; fi']);
  const service = await startTestService(t, {
    dataDir: join(root, 'data'),
    yaml: `
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: ${deploy}, timeout: 60s }
    environments:
      - name: staging
        track: { branch: main }
`,
  });
  const slow = origin.commit('main', 'slow');
  await deliver(service.url, { event: 'push', payload: fixture('push-main') });
  const env = await eventually(async () => {
    const staging = await service.store.getEnvironment('webapp', 'staging');
    return staging?.state === 'deploying' ? staging : undefined;
  });
  const started = Date.now();
  const fast = origin.commit('main', 'fast');
  await deliver(service.url, { event: 'push', payload: fixture('push-main') });
  await eventually(async () => ((await service.store.getEnvironment('webapp', 'staging'))?.observedSha === fast ? true : undefined), 20_000);
  assert.ok(Date.now() - started < 20_000, 'the slow deployment did not run to its end');
  const [latest, cancelled] = await service.store.listDeployments(env.id, 2);
  assert.deepEqual([latest?.sha, latest?.state], [fast, 'success']);
  assert.deepEqual([cancelled?.sha, cancelled?.state], [slow, 'inactive']);
  assert.match(cancelled?.error ?? '', /cancelled/);
});
