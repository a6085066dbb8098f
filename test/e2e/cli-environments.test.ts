import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { EnvironmentDetail } from '../../src/http/environment-view.js';
import { fails, ok, runCli, startServer } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// The built CLI against a running `slipway serve`, as a user drives it: the server's config
// has an API token, which the commands read from the same slipway.yaml.

const TOKEN = 'cli-token-3b1';

async function setup(t: TestContext) {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `server:
  apiToken: ${TOKEN}
store:
  dataDir: data
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: [sh, -c, 'echo deployed $SLIPWAY_ENV'], destroy: [sh, -c, 'echo gone'], timeout: 30s }
    environments:
      - name: staging
        track: { branch: main }
`,
  );
  const env = { SLIPWAY_WEBHOOK_SECRET: 'cli-secret', SLIPWAY_API_TOKEN: '' };
  const server = await startServer(t, [], { cwd: dir, env });
  const cli = (...args: string[]) => runCli([...args, '--url', server.url], { cwd: dir, env });
  const detail = async (name: string): Promise<EnvironmentDetail> => {
    const result = await cli('env', 'webapp', name, '--json');
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as EnvironmentDetail;
  };
  const settled = (name: string, state: string, sha?: string) =>
    eventually(async () => {
      const current = await detail(name);
      return current.state === state && current.converged && (sha === undefined || current.sha === sha) ? current : undefined;
    }, 20_000);
  return { dir, origin, server, cli, env, settled };
}


test('envs, env, deploy and destroy drive environments on a running server', async (t) => {
  const { origin, cli, settled } = await setup(t);
  assert.match(ok(await cli('envs')), /no environments yet/);

  const v1 = origin.commit('main', 'v1');
  assert.match(ok(await cli('deploy', 'webapp', 'staging', '--ref', 'main')), /webapp\/staging: accepted, it will follow refs\/heads\/main/);
  await settled('staging', 'ready', v1);

  const table = ok(await cli('envs')).split('\n');
  assert.match(table[0] ?? '', /^APP\s+ENV\s+STATE\s+SHA\s+URL\s+PR\s+BRANCH\s+UPDATED$/);
  assert.match(table[1] ?? '', new RegExp(`^webapp\\s+staging\\s+ready\\s+${v1.slice(0, 12)}\\s+-\\s+-\\s+main\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
  const listed = JSON.parse(ok(await cli('envs', '--json'))) as { environments: { name: string; sha: string }[] };
  assert.deepEqual(listed.environments.map((e) => [e.name, e.sha]), [['staging', v1]]);

  const shown = ok(await cli('env', 'webapp', 'staging'));
  assert.match(shown, /^webapp\/staging\n {2}state {6}ready\n {2}follows {4}refs\/heads\/main\n/);
  assert.match(shown, new RegExp(`sha {8}${v1}`));
  assert.doesNotMatch(shown, /built by/, 'a command target does not say what built the release');
  assert.match(shown, /generation {1}\d+ \(observed \d+, converged\)/);
  assert.match(shown, /\n {2}keep {7}no\n/);
  assert.match(shown, new RegExp(`ID\\s+STATE\\s+SHA\\s+REF\\s+TRIGGER\\s+STARTED\\s+TOOK\\s+ERROR\\n\\d+\\s+success\\s+${v1.slice(0, 12)}\\s+refs/heads/main\\s+api\\.deploy`));

  // Pin the first commit after main moved on, then redeploy what is followed (still the pin).
  const v2 = origin.commit('main', 'v2');
  assert.match(ok(await cli('deploy', 'webapp', 'staging')), /it will converge again/);
  await settled('staging', 'ready', v2);
  assert.match(ok(await cli('deploy', 'webapp', 'staging', '--sha', v1)), new RegExp(`it will pin ${v1}`));
  const pinned = await settled('staging', 'ready', v1);
  assert.equal(pinned.pinnedSha, v1);
  assert.match(ok(await cli('env', 'webapp', 'staging')), new RegExp(`follows {4}${v1} \\(pinned\\)`));

  assert.match(ok(await cli('destroy', 'webapp', 'staging')), /webapp\/staging: accepted, it will be destroyed/);
  await settled('staging', 'destroyed');
  fails(await cli('destroy', 'webapp', 'staging'), 1, /webapp\/staging is already destroyed \(404 from POST /);
  assert.match(ok(await cli('envs')), /no environments yet/);
  assert.match(ok(await cli('envs', '--all')), /webapp\s+staging\s+destroyed/);
});

test('API commands refuse bad arguments (exit 2) and report what the server refused (exit 1)', async (t) => {
  const { cli, dir, env, server } = await setup(t);
  fails(await cli('env', 'webapp'), 2, /expected APP and ENV, e.g. slipway env webapp staging/);
  fails(await cli('env', 'webapp', 'staging', 'extra'), 2, /expected APP and ENV/);
  fails(await cli('env', 'webapp', '..'), 2, /"\.\." is not a name slipway uses/);
  fails(await cli('deploy', 'webapp', 'staging', '--ref', 'main', '--sha', 'a'.repeat(40)), 2, /give one of --ref, --sha or --follow/);
  fails(await cli('deploy', 'webapp', 'staging', '--sha', 'abc123'), 2, /--sha must be a full commit sha/);
  fails(await cli('deploy', 'webapp', 'staging', '--ref', 'a..b'), 2, /--ref must be a full ref such as refs\/heads\/main/);
  fails(await cli('deploy', 'webapp', 'staging', '--branch', 'main'), 2, /Unknown option '--branch'.*slipway deploy --help/s);
  fails(await cli('replay'), 2, /expected one DELIVERY_ID/);
  fails(await runCli(['envs', '--url', 'not a url'], { cwd: dir, env }), 2, /--url must be an http\(s\) URL/);

  fails(await cli('env', 'webapp', 'nope'), 1, /no environment webapp\/nope; "slipway envs" lists them \(404 from GET \/api\/environments\/webapp\/nope\)/);
  fails(await cli('deploy', 'nope', 'staging', '--ref', 'main'), 1, /unknown app "nope"; expected one of: webapp/);
  fails(await cli('deploy', 'webapp', 'staging'), 1, /no environment webapp\/staging; give a ref or a sha/);
  fails(await cli('destroy', 'webapp', 'staging'), 1, /no environment webapp\/staging/);
  fails(await cli('replay', 'no-such-delivery'), 1, /no delivery with id "no-such-delivery"/);
  fails(await runCli(['envs', '--url', 'http://127.0.0.1:1'], { cwd: dir, env }), 1, /cannot reach slipway at http:\/\/127\.0\.0\.1:1/);

  // The token comes from the config unless SLIPWAY_API_TOKEN overrides it.
  const url = server.url;
  fails(await runCli(['envs', '--url', url], { cwd: dir, env: { ...env, SLIPWAY_API_TOKEN: 'wrong' } }), 1, /send the API token as "Authorization: Bearer <token>".* \(401/);
  ok(await runCli(['envs', '--url', url], { cwd: tempDir(t), env: { ...env, SLIPWAY_API_TOKEN: TOKEN } }));

  for (const command of ['envs', 'env', 'deploy', 'destroy', 'replay', 'explain']) {
    const help = await runCli([command, '--help']);
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, new RegExp(`^usage: slipway ${command}`), command);
  }
  assert.match(ok(await runCli(['--help'])), /envs .*env .*deploy .*destroy .*replay .*explain/s);
});

test('replay dispatches a delivery again', async (t) => {
  const { cli, dir, env, origin, settled, server } = await setup(t);
  const v1 = origin.commit('main', 'v1');
  const payload = resolve('test/fixtures/payloads/push-main.json');
  const sent = await runCli(['send', '--event', 'push', '--payload', payload, '--delivery', 'push-1', '--url', `${server.url}/webhooks/github`], { cwd: dir, env });
  assert.equal(sent.code, 0, sent.stderr + sent.stdout);
  await settled('staging', 'ready', v1);
  ok(await cli('destroy', 'webapp', 'staging'));
  await settled('staging', 'destroyed');

  assert.match(ok(await cli('replay', 'push-1')), /delivery push-1: queued to be dispatched again/);
  const back = await settled('staging', 'ready', v1);
  assert.equal(back.lastTrigger, 'push');
});
