import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startFakeGitHub } from '../helpers/fake-github.js';
import { startTestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// GitHub failing (the fake, a real local HTTP server standing in for the REST API, answers
// 500 to everything) while 200 previews have reports and comments pending: stopping slipway
// must not wait on GitHub, and no report goes out once the stop began.

const PREVIEWS = 200;

test('with GitHub answering 500 and 200 reports pending, slipway stops promptly and sends nothing after', { timeout: 120_000 }, async (t) => {
  const fake = await startFakeGitHub(t);
  fake.on('GET', /.*/, () => ({ status: 500, body: { message: 'Server Error' } }));
  for (const method of ['POST', 'PATCH']) fake.on(method, /.*/, () => ({ status: 500, body: { message: 'Server Error' } }));
  const dataDir = join(tempDir(t), 'data');
  // 200 previews exist already; their remote is unreachable, so each attempt fails (a report each).
  const seed = await SqliteStore.open(dataDir);
  await seed.changeEnvironments(
    Array.from({ length: PREVIEWS }, (_, i) => ({
      kind: 'follow' as const, app: 'webapp', env: `pr-${i + 1}`, ref: `refs/pull/${i + 1}/head`, shaHint: null, pr: i + 1, branch: `f${i}`, ttlMs: null, trigger: 'pull_request.opened', rule: 'pr-{number}',
    })),
    'seed',
  );
  await seed.close();
  const yaml = `
github:
  token: ghp_shutdownTestToken0123
  apiUrl: ${fake.url}
apps:
  - name: webapp
    repo: acme/webapp
    url: file:///nonexistent/slipway-remote.git
    target: { type: command, deploy: ["true"], destroy: ["true"] }
    environments:
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
`;
  const service = await startTestService(t, { yaml, dataDir });
  // The reporter is at work: the previews' comments being looked for (and failing) on GitHub.
  await eventually(async () => (fake.calls(/^GET \/repos\/acme\/webapp\/issues\/\d+\/comments$/).length >= 3 ? true : undefined), 30_000);

  const before = fake.requests.length;
  const started = Date.now();
  await service.close();
  const stopMs = Date.now() - started;
  t.diagnostic(`stopped in ${stopMs} ms`);
  const atClose = fake.requests.length;
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(fake.requests.length, atClose, `no request after the stop ended: ${fake.calls().slice(atClose).join(', ')}`);
  // At most the one request already on its way when the stop began.
  assert.ok(atClose - before <= 1, `requests sent while stopping: ${fake.calls().slice(before).join(', ')}`);
  assert.ok(stopMs < 10_000, `stopped in ${stopMs} ms`);
});
