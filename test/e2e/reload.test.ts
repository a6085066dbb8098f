import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Deployment } from '../../src/domain/environments.js';
import { fails, ok, processFolder, runCli, startServer, type RunningServer } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { freePort, Hooks, REPO, viaRouter } from '../helpers/process-app.js';
import { eventually } from '../helpers/webhook.js';

// Config changes without downtime: the built CLI runs `slipway serve`; SIGHUP and
// `slipway reload` make it read its config file again. The app is a real Node process per
// environment behind slipway's router, answering with the variables it was started with.

const SECRET = 'reload-secret';

const SERVER_JS = `'use strict';
const http = require('node:http');
const { readFileSync } = require('node:fs');
const version = readFileSync(require('node:path').join(__dirname, 'version.txt'), 'utf8').trim();
http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ version, greeting: process.env.GREETING, who: process.env.WHO ?? null, pid: process.pid }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const files = (version: string) => ({ 'server.js': SERVER_JS, 'slipway.app.yaml': 'start: node server.js\nhealth: { path: /healthz, timeout: 10s }\n', 'version.txt': version });

interface Answer {
  version: string;
  greeting: string;
  who: string | null;
  pid: number;
}

/** `environments`: the YAML list items under the app's `environments:`. */
function config(ports: { api: number; router: number }, origin: Origin, options: { greeting: string; environments: string; top?: string; repo?: string }): string {
  return `github: { webhookSecret: ${SECRET} }
server: { host: 127.0.0.1, port: ${ports.api} }
store: { dataDir: data }
router: { host: 127.0.0.1, port: ${ports.router}, domain: localhost }
${options.top ?? ''}
apps:
  - name: web
    repo: ${options.repo ?? REPO}
    url: ${origin.url}
    target: { type: process, stopGrace: 2s }
    env: { GREETING: ${options.greeting} }
    environments:
${options.environments}`;
}

const STAGING = (who: string) => `      - name: staging
        track: { branch: main }
        env: { WHO: ${who} }
`;
const QA = `      - name: qa
        track: { branch: main }
`;

test('SIGHUP and slipway reload: changed variables redeploy only the environments they reach, one at a time; a bad config changes nothing', { timeout: 240_000 }, async (t) => {
  const { root, track } = processFolder(t, 'slipway-reload-', 'SIGTERM');
  const origin = new Origin(join(root, 'origin'));
  const ports = { api: await freePort(), router: await freePort() };
  const file = join(root, 'slipway.yaml');
  const write = (options: Parameters<typeof config>[2]) => writeFileSync(file, config(ports, origin, options));
  write({ greeting: 'hello', environments: STAGING('staging') + QA });
  const server: RunningServer = await startServer(t, ['--config', file], { cwd: root, fromConfig: true });
  track(server);
  const hooks = new Hooks(origin, () => server.url, SECRET);
  const answer = (env: string) => viaRouter(ports.router, env).then((reply) => (reply.status === 200 ? (JSON.parse(reply.body) as Answer) : undefined), () => undefined);
  const answering = (env: string, check: (seen: Answer) => boolean) =>
    eventually(async () => {
      const seen = await answer(env);
      return seen !== undefined && check(seen) ? seen : undefined;
    }, 60_000);
  const deployments = async (env: string) => ((await server.api('GET', `/api/environments/web/${env}/deployments`)).json() as { deployments: Deployment[] }).deployments;
  const settled = (env: string, count: number) =>
    eventually(async () => {
      const list = await deployments(env);
      return list.length === count && list.every((deployment) => deployment.finishedAt !== null) ? list : undefined;
    }, 60_000);
  /** The `config reloaded` lines the server logged so far. */
  const reloads = () => server.output().split('\n').filter((line) => line.includes('"config reloaded"')).map((line) => JSON.parse(line) as { redeploying: string[]; applied: string[]; needsRestart: string[]; unfollowed: string[] });

  const v1 = origin.commitFiles('main', files('v1'));
  await hooks.push('main', v1);
  const staging = await answering('staging', (seen) => seen.version === 'v1');
  const qa = await answering('qa', (seen) => seen.version === 'v1');
  assert.deepEqual([staging.greeting, staging.who, qa.greeting, qa.who], ['hello', 'staging', 'hello', null]);
  await Promise.all([settled('staging', 1), settled('qa', 1)]);

  // A variable of staging alone: staging is redeployed with it, qa keeps its process.
  write({ greeting: 'hello', environments: STAGING('staging-2') + QA });
  server.child.kill('SIGHUP');
  const restarted = await answering('staging', (seen) => seen.who === 'staging-2');
  assert.notEqual(restarted.pid, staging.pid);
  assert.deepEqual(reloads()[0]?.redeploying, ['web/staging']);
  assert.deepEqual(reloads()[0]?.applied, ['apps.web.environments.staging.env.WHO']);
  await settled('staging', 2);
  assert.equal((await answer('qa'))?.pid, qa.pid, 'qa kept its process');
  assert.equal((await deployments('qa')).length, 1, 'qa was not deployed again');

  // A variable of the app: both are redeployed, one after the other.
  write({ greeting: 'hi', environments: STAGING('staging-2') + QA });
  server.child.kill('SIGHUP');
  const [stagingHi, qaHi] = await Promise.all([answering('staging', (seen) => seen.greeting === 'hi'), answering('qa', (seen) => seen.greeting === 'hi')]);
  assert.deepEqual(reloads()[1]?.redeploying, ['web/qa', 'web/staging']);
  const [redeployedStaging] = await settled('staging', 3);
  const [redeployedQa] = await settled('qa', 2);
  assert.ok(redeployedStaging !== undefined && redeployedQa !== undefined);
  const [earlier, later] = [redeployedQa, redeployedStaging].sort((a, b) => a.id - b.id) as [Deployment, Deployment];
  assert.ok(earlier.finishedAt !== null && later.startedAt !== null && earlier.finishedAt <= later.startedAt, 'the second started once the first was done');
  assert.deepEqual([redeployedStaging.state, redeployedQa.state], ['success', 'success']);

  // A bad config: slipway reload shows every problem and exits 1; the server logs it; nothing changes.
  write({ greeting: 'changed', environments: STAGING('staging-2') + QA, repo: 'not a repo', top: 'engine: { concurrency: 0 }' });
  const refused = await runCli(['reload', '--config', file], { cwd: root });
  fails(refused, 1, /the server refused the config and keeps running with the one it has:/);
  assert.match(refused.stderr, /slipway\.yaml:5 engine\.concurrency: expected a whole number from 1 to 1000/);
  assert.match(refused.stderr, /slipway\.yaml:8 apps\.web\.repo: expected "owner\/name"/);
  await eventually(async () => (server.output().includes('"the new config is refused; slipway keeps running with the one it has"') ? true : undefined));
  assert.equal(reloads().length, 2, 'nothing was reloaded');
  assert.deepEqual(await answer('staging'), stagingHi);
  assert.deepEqual(await answer('qa'), qaHi);

  // A good one again: a restart-only change is reported and left; a removed environment keeps
  // running at its commit but follows main no more; a new one appears with the next push.
  write({ greeting: 'hi', environments: STAGING('staging-2') + '      - name: demo\n        track: { branch: main }\n', top: 'engine: { concurrency: 2 }' });
  const output = ok(await runCli(['reload', '--config', file], { cwd: root }));
  assert.match(output, /needs a restart \(left as it is until then\):\n {2}engine\.concurrency/);
  assert.match(output, /no longer followed \(kept running as they are\):\n {2}web\/qa/);
  assert.doesNotMatch(output, /redeploying/);
  const v2 = origin.commitFiles('main', files('v2'));
  await hooks.push('main', v2);
  await answering('staging', (seen) => seen.version === 'v2');
  const demo = await answering('demo', (seen) => seen.version === 'v2');
  assert.deepEqual([demo.greeting, demo.who], ['hi', null]);
  assert.deepEqual(await answer('qa'), qaHi, 'qa still runs v1 in the same process');
});
