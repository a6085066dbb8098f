import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startServer, type RunningServer } from '../helpers/cli.js';
import { DOCKER_TARGET, dockerAppFiles, dockerForTest, type DockerForTest } from '../helpers/docker-app.js';
import { Origin } from '../helpers/git.js';
import { testDatabase } from '../helpers/postgres.js';
import { appAnswer, appConfig, freePort, Hooks, serving, viaRouter, type PreviewOptions } from '../helpers/process-app.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// Two `slipway serve` replicas on one PostgreSQL database and the machine's Docker Engine,
// each with its own data folder and router: the routes live in the store, so each router
// serves every environment, whichever replica deployed it; a replica that finds its
// environment taken over by the other removes the container it ran for it.

const SECRET = 'replica-routes-secret';
const TOKEN = 'replica-routes-token-5d1e';

type Name = 'r1' | 'r2';

/** Two replicas on a fresh database, each with its own data folder and router, started. */
async function pair(t: TestContext, preview: PreviewOptions = {}) {
  const db = await testDatabase(t);
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  const shas: string[] = [];
  const names = ['r1', 'r2'] as const;
  const routerPorts = { r1: await freePort(), r2: await freePort() };
  const running: Partial<Record<Name, RunningServer>> = {};
  const start = async (name: Name) => {
    const home = join(dir, name);
    mkdirSync(home, { recursive: true });
    const top = `server: { apiToken: ${TOKEN} }
store: { dataDir: ${join(home, 'data')}, url: "${db.url}" }
engine: { lease: 5s }
router: { host: 127.0.0.1, port: ${routerPorts[name]}, domain: localhost }`;
    writeFileSync(join(home, 'slipway.yaml'), appConfig(origin, { top, target: DOCKER_TARGET, preview }));
    running[name] = await startServer(t, ['--config', join(home, 'slipway.yaml')], { env: { SLIPWAY_WEBHOOK_SECRET: SECRET, SLIPWAY_API_TOKEN: TOKEN } });
    return running[name];
  };
  await start('r1');
  await start('r2');
  const engines: Record<string, DockerForTest> = {};
  for (const name of names) engines[name] = await dockerForTest(t, join(dir, name, 'data'), () => shas);
  const { base } = engines.r1 as DockerForTest;
  const instanceOf = (name: string) => readFileSync(join(dir, name, 'data', 'targets', 'docker', 'instance-id'), 'utf8').trim();
  /** The containers of an environment, across both replicas, with the replica that made each. */
  const containers = async (env: string) => {
    const found: { replica: string; id: string; state: string }[] = [];
    for (const name of names) for (const container of await (engines[name] as DockerForTest).containers(env)) found.push({ replica: name, id: container.Id, state: container.State });
    return found;
  };
  let next = 0;
  const hooks = new Hooks(origin, () => {
    const live = names.flatMap((name) => (running[name]?.child.exitCode === null && running[name]?.child.signalCode === null ? [running[name]] : []));
    next += 1;
    return live[next % live.length]?.url ?? '';
  }, SECRET);
  const bothServe = async (env: string, version: string) => {
    const answers = await Promise.all(names.map((name) => serving(routerPorts[name], env, version, 90_000)));
    assert.equal(answers[0]?.host, answers[1]?.host, `${env}: both routers reach the same container`);
  };
  return { origin, shas, names, routerPorts, running, start, containers, hooks, bothServe, base, instanceOf };
}

test('two replicas on one PostgreSQL and one engine: either router serves every environment; a take-over and a destroy leave one container or none', { timeout: 240_000 }, async (t) => {
  const { origin, shas, names, routerPorts, running, start, containers, hooks, bothServe, base, instanceOf } = await pair(t);
  const v1 = origin.commitFiles('main', dockerAppFiles('main v1', base));
  shas.push(v1);
  await hooks.push('main', v1);
  await bothServe('staging', 'main v1');
  const [first] = await containers('staging');
  assert.ok(first !== undefined);
  assert.notEqual(instanceOf('r1'), instanceOf('r2'), 'each replica labels what it makes as its own');

  // The replica that runs staging stops (its container runs on); the other deploys v2 alone.
  const owner = first.replica as Name;
  const other = owner === 'r1' ? 'r2' : 'r1';
  running[owner]?.child.kill('SIGTERM');
  assert.equal(await running[owner]?.exited, 0);
  const v2 = origin.commitFiles('main', dockerAppFiles('main v2', base));
  shas.push(v2);
  await hooks.push('main', v2);
  await serving(routerPorts[other], 'staging', 'main v2', 90_000);
  assert.equal((await containers('staging')).length, 2, "the stopped replica's container still runs");

  // Back, it finds staging routed to the other's container: it removes its own, and serves v2.
  await start(owner);
  await bothServe('staging', 'main v2');
  await eventually(async () => ((await containers('staging')).length === 1 ? true : undefined), 30_000);
  assert.equal((await containers('staging'))[0]?.replica, other);

  // A preview opened and closed through both: gone from both routers, no container left.
  const head = origin.commitFiles('feature/login', dockerAppFiles('pr v1', base));
  shas.push(head);
  await hooks.pullRequest('opened', 7, 'feature/login', head);
  await bothServe('pr-7', 'pr v1');
  await hooks.pullRequest('closed', 7, 'feature/login', head);
  for (const name of names) {
    await eventually(async () => ((await viaRouter(routerPorts[name], 'pr-7')).status === 404 ? true : undefined), 60_000);
  }
  await eventually(async () => ((await containers('pr-7')).length === 0 ? true : undefined), 30_000);
});

test('a preview another replica put to sleep is woken through this one: deployed again, the sleeping container removed', { timeout: 240_000 }, async (t) => {
  const { origin, shas, routerPorts, containers, hooks, bothServe, base } = await pair(t, { keys: 'sleepAfter: 3s' });
  const head = origin.commitFiles('feature/login', dockerAppFiles('pr v1', base));
  shas.push(head);
  await hooks.pullRequest('opened', 7, 'feature/login', head);
  await bothServe('pr-7', 'pr v1');
  const [asleep] = await eventually(async () => {
    const found = await containers('pr-7');
    return found.length === 1 && found[0]?.state === 'exited' ? found : undefined;
  }, 60_000);
  assert.ok(asleep !== undefined);
  const other = asleep.replica === 'r1' ? 'r2' : 'r1';
  const woken = appAnswer(await viaRouter(routerPorts[other], 'pr-7', '/', 60_000));
  assert.equal(woken?.version, 'pr v1', 'the request that woke it got the app');
  // Deployed again by whichever replica's reconciler took it: one container is left, a new one.
  await eventually(async () => {
    const found = await containers('pr-7');
    return found.length === 1 && found[0]?.id !== asleep.id ? true : undefined;
  }, 30_000).catch(async (error: Error) => assert.fail(`${error.message}: ${JSON.stringify(await containers('pr-7'))}`));
});
