import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import { startEngine } from '../src/engine/engine.js';
import { engineParts } from '../src/service.js';
import { createMetrics } from '../src/metrics.js';
import { createLogger } from '../src/logger.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './helpers/temp.js';

const TOKEN = 'ghp_engineWiringT0ken0123456789';

/** Starts and stops the engine on `yaml`; returns the log lines of that start. */
async function startLines(t: TestContext, yaml: string): Promise<string[]> {
  const dir = tempDir(t);
  const config = parseConfig(yaml, 'test.yaml', {}, dir);
  const store = await SqliteStore.open(dir);
  t.after(() => store.close());
  const lines: string[] = [];
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => lines.push(line) } });
  const engine = await startEngine(engineParts(config, store, log, createMetrics(store), null));
  await engine.stop();
  return lines;
}

const APPS = `
apps:
  - name: web
    repo: acme/web
    target: { type: command, deploy: [echo, deploy], destroy: [echo, destroy] }
    environments:
      - name: nightly
        track: { workflowRun: { workflow: build, branch: main } }
        artifact: site
`;

test('without GitHub credentials slipway says once at start what it cannot report or fetch', async (t) => {
  const warnings = (await startLines(t, APPS)).filter((line) => line.includes('no github.token or github.app'));
  assert.equal(warnings.length, 1);
  const warning = JSON.parse(warnings[0] ?? '{}') as { msg: string; failingEnvironments?: string[] };
  for (const part of ['deployments, statuses or pull request comments', 'gates rely on webhooks alone', 'missed webhooks are not recovered', 'workflow artifacts cannot be downloaded']) {
    assert.ok(warning.msg.includes(part), part);
  }
  assert.deepEqual(warning.failingEnvironments, ['web/nightly']);
});

test('with a token there is no such warning, and the token is never logged', async (t) => {
  const lines = await startLines(t, `github:\n  token: ${TOKEN}\n${APPS}`);
  assert.equal(lines.some((line) => line.includes('no github.token')), false);
  assert.equal(lines.join('\n').includes(TOKEN), false);
});
