import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { groupAlive } from '../../src/targets/command/process-group.js';
import { startServer } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { SECRET } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { fixture } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

function deployments(dataDir: string): { state: string; error: string | null; sha: string | null }[] {
  const db = new Database(join(dataDir, 'slipway.db'), { readonly: true });
  try {
    return db.prepare('SELECT state, error, sha FROM deployments ORDER BY id').all() as { state: string; error: string | null; sha: string | null }[];
  } finally {
    db.close();
  }
}

test('SIGKILL during a deployment, then restart: the command still running is waited for, runs once, and its outcome is recorded', async (t) => {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  const sha = origin.commit('main', 'v1');
  // The deploy counts its runs, then waits for \`go\` (written once the second slipway runs).
  const script = `echo $$ >> ${root}/runs; while [ ! -e ${root}/go ]; do sleep 0.05; done; echo "deploy $SLIPWAY_SHA" >> ${root}/journal`;
  writeFileSync(
    join(root, 'slipway.yaml'),
    `store: { dataDir: data }
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: ${JSON.stringify(['sh', '-c', script])}, timeout: 60s }
    environments:
      - name: staging
        track: { branch: main }
`,
  );
  const env = { SLIPWAY_WEBHOOK_SECRET: SECRET };
  const first = await startServer(t, [], { cwd: root, env });
  assert.equal((await deliver(first.url, { event: 'push', payload: fixture('push-main') })).status, 202);
  const runs = () => (existsSync(join(root, 'runs')) ? readFileSync(join(root, 'runs'), 'utf8').split('\n').filter(Boolean) : []);
  await eventually(async () => (runs().length > 0 ? true : undefined), 20_000);
  const leftover = Number(runs()[0]);
  first.child.kill('SIGKILL');
  await first.exited;
  assert.deepEqual(deployments(join(root, 'data')).map((d) => d.state), ['in_progress']);
  assert.equal(groupAlive(Number(readFileSync(`/proc/${leftover}/stat`, 'utf8').split(') ')[1]?.split(' ')[2])), true, 'the command outlived slipway');

  const second = await startServer(t, [], { cwd: root, env });
  await eventually(async () => (deployments(join(root, 'data')).length === 2 ? true : undefined), 20_000);
  writeFileSync(join(root, 'go'), '');
  await eventually(async () => (deployments(join(root, 'data')).at(-1)?.state === 'success' ? true : undefined), 20_000);
  const [interrupted, completed] = deployments(join(root, 'data'));
  assert.equal(interrupted?.state, 'error');
  assert.match(interrupted?.error ?? '', /interrupted/);
  assert.equal(completed?.sha, sha);
  assert.deepEqual(runs(), [String(leftover)], 'the command ran once');
  assert.equal(readFileSync(join(root, 'journal'), 'utf8'), `deploy ${sha}\n`);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});
