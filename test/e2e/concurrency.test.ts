import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Origin } from '../helpers/git.js';
import { startTestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { fixture } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

test('different environments deploy in parallel, at most engine.concurrency at once', async (t) => {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  origin.commit('main', 'base');
  const journal = join(root, 'journal');
  const deploy = JSON.stringify(['sh', '-c', `echo "+ $(date +%s%N)" >> ${journal}; sleep 2; echo "- $(date +%s%N)" >> ${journal}`]);
  const service = await startTestService(t, {
    dataDir: join(root, 'data'),
    yaml: `
engine: { concurrency: 2 }
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: ${deploy}, timeout: 60s }
    environments:
      - name: br-{branch}
        track: { branches: ["feature/*"] }
`,
  });
  const branches = ['feature/a', 'feature/b', 'feature/c', 'feature/d', 'feature/e'];
  for (const branch of branches) {
    origin.git('branch', branch, 'main');
    await deliver(service.url, { event: 'create', payload: { ...fixture('create-branch'), ref: branch } });
  }
  await eventually(async () => {
    const envs = await service.store.listEnvironments();
    return envs.length === branches.length && envs.every((env) => env.state === 'ready') ? true : undefined;
  }, 30_000);
  const events = readFileSync(journal, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ') as ['+' | '-', string])
    .sort((a, b) => (BigInt(a[1]) < BigInt(b[1]) ? -1 : 1));
  let running = 0;
  let peak = 0;
  for (const [sign] of events) {
    running += sign === '+' ? 1 : -1;
    peak = Math.max(peak, running);
  }
  assert.equal(events.length, branches.length * 2);
  assert.equal(peak, 2, 'two at once: parallel, and never more than the limit');
});
