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

test('SIGKILL during a deployment, then restart: the interrupted one ends error and a new one completes', async (t) => {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  const sha = origin.commit('main', 'v1');
  // The first deploy hangs (until slipway is killed); the next one completes.
  const script = `if [ ! -e ${root}/first ]; then echo $$ > ${root}/first; sleep 15; fi; echo "deploy $SLIPWAY_SHA" >> ${root}/journal`;
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
  await eventually(async () => (existsSync(join(root, 'first')) && readFileSync(join(root, 'first'), 'utf8').length > 0 ? true : undefined), 20_000);
  const leftover = Number(readFileSync(join(root, 'first'), 'utf8'));
  assert.equal(groupAlive(leftover), true, 'the first deploy command runs in its own process group');
  first.child.kill('SIGKILL');
  await first.exited;
  assert.deepEqual(deployments(join(root, 'data')).map((d) => d.state), ['in_progress']);

  const second = await startServer(t, [], { cwd: root, env });
  await eventually(async () => (existsSync(join(root, 'journal')) ? true : undefined), 20_000);
  await eventually(async () => (deployments(join(root, 'data')).at(-1)?.state === 'success' ? true : undefined));
  const [interrupted, completed] = deployments(join(root, 'data'));
  assert.equal(interrupted?.state, 'error');
  assert.match(interrupted?.error ?? '', /interrupted/);
  assert.equal(completed?.sha, sha);
  assert.equal(readFileSync(join(root, 'journal'), 'utf8'), `deploy ${sha}\n`);
  assert.equal(groupAlive(leftover), false, 'the command the killed slipway left running was stopped first');
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});
