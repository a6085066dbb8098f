import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Environment } from '../../src/domain/environments.js';
import { ok, runCli } from '../helpers/cli.js';
import { FILE_SERVICE_TOKEN, startFileService } from '../helpers/file-service.js';
import { Origin } from '../helpers/git.js';
import { Hooks } from '../helpers/process-app.js';
import { SECRET } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// No endless retries: a commit whose deployment failed is not deployed again by the periodic
// resync (here every second) until a new commit, a config change or a command. slipway runs
// in-process on a real store with its config in a file (so it can be reloaded); the app's
// command target deploys with a real command that fails unless MODE is "good".

/** The app: its command target deploys with a real command that fails unless MODE is "good", and writes each run to `journal`. */
function apps(origin: Origin, journal: string, mode: string): string {
  return `apps:
  - name: web
    repo: acme/web
    url: ${origin.url}
    target:
      type: command
      deploy: [sh, -c, 'echo "$SLIPWAY_SHA $MODE" >> ${journal}; test "$MODE" = good']
    env: { MODE: ${mode} }
    environments:
      - name: staging
        track: { branch: main }
`;
}

async function setup(t: TestContext) {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  const journal = join(dir, 'journal');
  // The deploy command may run as nobody (slipway as root): anyone may write the journal.
  writeFileSync(journal, '', { mode: 0o666 });
  chmodSync(journal, 0o666);
  const service = await startFileService(t, apps(origin, journal, 'bad'));
  const { store, api } = service;
  const write = (mode: string) => service.write(apps(origin, journal, mode));
  const staging = async (): Promise<Environment> => {
    const env = await store.getEnvironment('web', 'staging');
    assert.ok(env !== null, 'staging exists');
    return env;
  };
  const deployments = async () => {
    const env = await store.getEnvironment('web', 'staging');
    return env === null ? [] : store.listDeployments(env.id, 50);
  };
  /** The journal's lines: one per run of the deploy command, "<sha> <MODE>". */
  const runs = () => readFileSync(journal, 'utf8').split('\n').filter((line) => line !== '');
  /** Waits for the deployment number `count` to finish; its state. */
  const finished = (count: number) =>
    eventually(async () => {
      const list = await deployments();
      return list.length === count && list[0]?.finishedAt !== null ? list[0]?.state : undefined;
    }, 20_000);
  /** Waits until a resync that came after now was converged: anything it would deploy has begun. */
  const resynced = async () => {
    const before = (await staging()).generation;
    await eventually(async () => {
      const env = await staging();
      return env.lastTrigger === 'resync' && env.generation > before && env.observedGeneration >= env.generation ? true : undefined;
    }, 20_000);
  };
  return { origin, service, store, write, staging, deployments, runs, finished, resynced, api, hooks: new Hooks(origin, () => service.url, SECRET) };
}

test('a failed commit is not deployed again by the resync, but is after a config change, a new commit or slipway deploy', { timeout: 120_000 }, async (t) => {
  const { origin, write, staging, deployments, runs, finished, resynced, api, service, hooks } = await setup(t);
  const first = origin.commit('main', 'v1');
  await hooks.push('main', first);
  assert.equal(await finished(1), 'failure');
  assert.deepEqual(runs(), [`${first} bad`]);

  await resynced();
  await resynced();
  assert.equal((await deployments()).length, 1, 'the resync did not deploy the failed commit again');
  assert.deepEqual(runs(), [`${first} bad`]);
  const env = await staging();
  assert.equal(env.failedSha, first);
  assert.equal(env.state, 'failed');
  const detail = (await api('GET', '/api/environments/web/staging')).json() as { failedSha: string | null };
  assert.equal(detail.failedSha, first);
  const shown = ok(await runCli(['env', 'web', 'staging', '--url', service.url], { env: { SLIPWAY_API_TOKEN: FILE_SERVICE_TOKEN } }));
  assert.match(shown, new RegExp(`retries +sha ${first.slice(0, 12)} failed; waiting for a new commit, a config change or \`slipway deploy\``));

  // A config change that affects the environment: the same commit is tried again, with it.
  write('worse');
  const reloaded = await api('POST', '/api/reload');
  assert.equal(reloaded.status, 200, reloaded.body);
  assert.deepEqual((reloaded.json() as { redeploying: string[] }).redeploying, ['web/staging']);
  assert.equal(await finished(2), 'failure');
  assert.deepEqual(runs(), [`${first} bad`, `${first} worse`]);
  await resynced();
  assert.equal((await deployments()).length, 2, 'failed again with the new config: not retried by the resync either');

  // A new commit deploys.
  const second = origin.commit('main', 'v2');
  await hooks.push('main', second);
  assert.equal(await finished(3), 'failure');
  await resynced();
  assert.equal((await deployments()).length, 3);
  assert.equal((await staging()).failedSha, second);

  // So does a command: slipway deploy with neither --ref nor --sha.
  const asked = await api('POST', '/api/environments/web/staging/deploy');
  assert.equal(asked.status, 202, asked.body);
  assert.equal(await finished(4), 'failure');
  assert.deepEqual(runs().slice(2), [`${second} worse`, `${second} worse`]);

  // Once it succeeds, nothing failed is remembered.
  write('good');
  assert.equal((await api('POST', '/api/reload')).status, 200);
  assert.equal(await finished(5), 'success');
  const done = await staging();
  assert.deepEqual({ state: done.state, failedSha: done.failedSha, sha: done.observedSha }, { state: 'ready', failedSha: null, sha: second });
});

test('a bad config through the API is refused with every problem, and the running config stays', { timeout: 60_000 }, async (t) => {
  const { origin, write, runs, finished, api, hooks, service } = await setup(t);
  write('good');
  assert.equal((await api('POST', '/api/reload')).status, 200);
  const sha = origin.commit('main', 'v1');
  await hooks.push('main', sha);
  assert.equal(await finished(1), 'success');

  const file = join(service.dir, 'slipway.yaml');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace('repo: acme/web', 'repo: not a repo').replace('MODE: good', 'MODE: changed').replace('environments:', 'environmnets:'));
  const refused = await api('POST', '/api/reload');
  assert.equal(refused.status, 422);
  const { error } = refused.json() as { error: { code: string; problems: { file: string; line: number; path: string; message: string }[] } };
  assert.equal(error.code, 'config_invalid');
  assert.deepEqual(
    error.problems.map(({ line, path, message }) => ({ line, path, message })),
    [
      { line: 6, path: 'apps.web.repo', message: 'expected "owner/name"' },
      { line: 12, path: 'apps.web.environmnets', message: 'unknown key "environmnets"; expected one of: name, repo, url, target, env, environments' },
    ],
  );

  // The app still runs with MODE good: the next commit deploys with it.
  const next = origin.commit('main', 'v2');
  await hooks.push('main', next);
  assert.equal(await finished(2), 'success');
  assert.deepEqual(runs(), [`${sha} good`, `${next} good`]);
});
