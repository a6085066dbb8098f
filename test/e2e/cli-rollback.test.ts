import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { EnvironmentDetail } from '../../src/http/environment-view.js';
import { fails, ok, runCli, startServer } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// The built CLI against a running `slipway serve`: rollback, history, deploy --follow and the
// gate view of explain, as a user types them.

async function setup(t: TestContext) {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `store:
  dataDir: data
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: [sh, -c, 'echo deployed $SLIPWAY_ENV'], timeout: 30s }
    environments:
      - name: staging
        track: { branch: main }
      - name: dev
        track: { branch: develop }
        gate: { checks: [build, test], statuses: [ci/jenkins], timeout: 1h }
`,
  );
  const env = { SLIPWAY_WEBHOOK_SECRET: 'cli-secret' };
  const server = await startServer(t, [], { cwd: dir, env });
  const cli = (...args: string[]) => runCli([...args, '--url', server.url], { cwd: dir, env });
  const settled = (name: string, sha: string) =>
    eventually(async () => {
      const result = await cli('env', 'webapp', name, '--json');
      const detail = JSON.parse(result.stdout) as EnvironmentDetail & { quarantinedSha?: string };
      return detail.state === 'ready' && detail.converged && detail.sha === sha ? detail : undefined;
    }, 20_000);
  return { origin, cli, settled };
}


test('rollback goes back to the last good sha and holds there until deploy --follow; history lists it all', async (t) => {
  const { origin, cli, settled } = await setup(t);
  const first = origin.commit('main', 'v1');
  ok(await cli('deploy', 'webapp', 'staging', '--ref', 'main'));
  await settled('staging', first);
  fails(await cli('rollback', 'webapp', 'staging'), 1, /no earlier successful deployment to go back to; give a sha \(--to\)/);
  const second = origin.commit('main', 'v2');
  ok(await cli('deploy', 'webapp', 'staging'));
  await settled('staging', second);

  assert.match(ok(await cli('rollback', 'webapp', 'staging')), new RegExp(`goes back from ${second} to ${first}`));
  await settled('staging', first);
  // Converging again keeps the rollback: the pin holds until --follow or a new commit.
  ok(await cli('deploy', 'webapp', 'staging'));
  await settled('staging', first);
  fails(await cli('rollback', 'webapp', 'staging', '--to', first), 1, /already runs/);

  ok(await cli('deploy', 'webapp', 'staging', '--follow'));
  await settled('staging', second);

  const history = ok(await cli('history', 'webapp', 'staging'));
  const rows = history.trim().split('\n');
  assert.match(rows[0] ?? '', /^ID\s+SHA\s+TRIGGER\s+STATE\s+STARTED\s+TOOK/);
  assert.deepEqual(rows.slice(1).map((row) => row.split(/\s+/).slice(1, 4).join(' ')), [
    `${second.slice(0, 12)} api.deploy success`,
    `${first.slice(0, 12)} api.rollback success`,
    `${second.slice(0, 12)} api.deploy success`,
    `${first.slice(0, 12)} api.deploy success`,
  ]);
  const json = JSON.parse(ok(await cli('history', 'webapp', 'staging', '--limit', '1', '--json'))) as { deployments: unknown[] };
  assert.equal(json.deployments.length, 1);
});

test('rollback, history and explain refuse bad arguments (exit 2) and say what the server refused (exit 1)', async (t) => {
  const { cli } = await setup(t);
  fails(await cli('rollback', 'webapp'), 2, /expected APP and ENV/);
  fails(await cli('rollback', 'webapp', 'staging', '--to', 'HEAD~1'), 2, /--to must be a full commit sha/);
  fails(await cli('rollback', 'webapp', 'nowhere'), 1, /no environment webapp\/nowhere/);
  fails(await cli('rollback', 'nope', 'staging'), 1, /unknown app "nope"; expected one of: webapp/);
  fails(await cli('history', 'webapp', 'staging', '--limit', '0'), 2, /--limit must be a whole number from 1 to 1000/);
  fails(await cli('history', 'webapp', 'nowhere'), 1, /no environment webapp\/nowhere/);
  fails(await cli('deploy', 'webapp', 'staging', '--follow', '--sha', 'a'.repeat(40)), 2, /give one of --ref, --sha or --follow/);
  fails(await cli('explain', 'webapp', 'dev', '--event', 'push'), 2, /not both/);
  fails(await cli('explain', 'webapp', 'dev', '--sha', 'xyz'), 2, /--sha must be a full commit sha/);
  fails(await cli('explain', '--event', 'push', '--payload', '-', '--sha', 'a'.repeat(40)), 2, /--sha goes with APP ENV/);
});

test('explain APP ENV shows which required signals a commit has', async (t) => {
  const { origin, cli } = await setup(t);
  origin.commit('main', 'base');
  const sha = origin.commit('develop', 'v1');
  ok(await cli('deploy', 'webapp', 'dev', '--ref', 'develop'));
  const waiting = await eventually(async () => {
    const out = (await cli('explain', 'webapp', 'dev')).stdout;
    return out.includes(sha) ? out : undefined;
  });
  assert.match(waiting, new RegExp(`^webapp/dev at ${sha}: gate waiting \\(timeout 1h\\)`));
  assert.match(waiting, /check run\s+build\s+missing/);
  assert.match(waiting, /status\s+ci\/jenkins\s+missing/);
  assert.match(waiting, /waiting for check build \(missing\), check test \(missing\), status ci\/jenkins \(missing\)\./);
  const json = JSON.parse(ok(await cli('explain', 'webapp', 'dev', '--sha', sha, '--json'))) as { verdict: { state: string; requirements: unknown[] } };
  assert.equal(json.verdict.state, 'waiting');
  assert.equal(json.verdict.requirements.length, 3);
  fails(await cli('explain', 'webapp', 'staging'), 1, /webapp\/staging has no gate/);
});
