import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { EnvironmentDetail } from '../../src/http/environment-view.js';
import { CLI, fails, ok, processFolder, runCli, startServer } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { viaRouter } from '../helpers/process-app.js';
import { eventually } from '../helpers/webhook.js';

// `slipway logs` through the built CLI against a running `slipway serve`, as a user drives
// it: the app is a real Node process on the process target, behind slipway's router, and its
// output reaches the terminal with control characters escaped.

const TOKEN = 'logs-token-5d2';

/** Says when it listens, writes a colour escape and a tab, and logs `/say?text=…` as it comes. */
const SERVER_JS = `'use strict';
const http = require('node:http');
const port = Number(process.env.PORT);
console.log('web ' + require('node:fs').readFileSync('version.txt', 'utf8').trim() + ' listening on ' + port);
console.log('colour: \\x1b[31mred\\x1b[0m and a tab\\there');
http.createServer((req, res) => {
  const url = new URL(req.url || '/', 'http://localhost');
  if (url.pathname === '/say') console.log('said: ' + url.searchParams.get('text'));
  res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\\n');
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

const MANIFEST = 'build: echo "building the web app"\nstart: node server.js\nhealth: { path: /, timeout: 10s }\n';

const files = (version: string, manifest = MANIFEST) => ({ 'server.js': SERVER_JS, 'slipway.app.yaml': manifest, 'version.txt': `${version}\n` });

/**
 * A folder with an origin repository and slipway serving it (process target, router on a free
 * port). After the test slipway is stopped with SIGTERM (it stops the apps' processes), what
 * is left in the folder is killed, and the folder removed.
 */
async function setup(t: TestContext) {
  const { root, track } = processFolder(t, 'slipway-cli-logs-', 'SIGTERM');
  const origin = new Origin(join(root, 'origin'));
  // The work folder may not overlap the config's folder: slipway's files live one level down.
  const home = join(root, 'slipway');
  mkdirSync(home);
  writeFileSync(
    join(home, 'slipway.yaml'),
    `server:
  apiToken: ${TOKEN}
store: { dataDir: data, workDir: ../work }
router: { host: 127.0.0.1, port: 0, domain: localhost }
apps:
  - name: web
    repo: acme/web
    url: ${origin.url}
    target: { type: process, stopGrace: 2s }
    environments:
      - name: staging
        track: { branch: main }
      - name: broken
        track: { branch: broken }
  - name: jobs
    repo: acme/jobs
    url: ${origin.url}
    target: { type: command, deploy: [sh, -c, 'echo deployed $SLIPWAY_ENV'] }
    environments:
      - name: main
        track: { branch: main }
`,
  );
  const env = { SLIPWAY_WEBHOOK_SECRET: 'logs-secret', SLIPWAY_API_TOKEN: '' };
  const running = await startServer(t, [], { cwd: home, env });
  track(running);
  const routerLine = running.output().split('\n').find((line) => line.includes('"router listening'));
  const routerPort = Number(new URL((JSON.parse(routerLine ?? '{}') as { url: string }).url).port);
  const cli = (...args: string[]) => runCli([...args, '--url', running.url], { cwd: home, env });
  /** `slipway logs …` left running: its output so far, and its end. */
  const follow = (...args: string[]) => {
    const child = spawn(process.execPath, [CLI, 'logs', ...args, '--url', running.url], { cwd: home, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    t.after(() => child.kill('SIGKILL'));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    return { child, exited, stdout: () => stdout, stderr: () => stderr, printed: (pattern: RegExp) =>
        eventually(async () => (pattern.test(stdout) ? true : undefined), 20_000).catch((error: Error) => {
          throw new Error(`${error.message}: ${pattern} not printed; stdout: ${JSON.stringify(stdout)}, stderr: ${JSON.stringify(stderr)}`);
        }),
    };
  };
  const detail = async (name: string): Promise<EnvironmentDetail> => JSON.parse(ok(await cli('env', 'web', name, '--json'))) as EnvironmentDetail;
  const settled = (name: string, state: string, sha?: string) =>
    eventually(async () => {
      const current = await detail(name);
      return current.state === state && current.converged && (sha === undefined || current.sha === sha) ? current : undefined;
    }, 30_000);
  return { root, home, origin, server: running, routerPort, cli, follow, detail, settled };
}

/** The files in slipway's process held open whose path is in `dir`. */
function openIn(pid: number, dir: string): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      const path = readlinkSync(`/proc/${pid}/fd/${fd}`);
      return path.startsWith(dir) ? [path] : [];
    } catch {
      return [];
    }
  });
}

test('slipway logs prints a release\'s output escaped, a deployment\'s log, follows until Ctrl-C or the release ends, and reads a destroyed environment\'s', { timeout: 120_000 }, async (t) => {
  const { home, origin, server, routerPort, cli, follow, settled } = await setup(t);
  const v1 = origin.commitFiles('main', files('v1'));
  ok(await cli('deploy', 'web', 'staging', '--ref', 'main'));
  await settled('staging', 'ready', v1);

  const runtime = ok(await cli('logs', 'web', 'staging'));
  assert.match(runtime, /^web v1 listening on \d+\n/);
  assert.ok(runtime.includes('colour: \\x1b[31mred\\x1b[0m and a tab\\x09here\n'), runtime);
  assert.ok(!runtime.includes('\x1b'), 'no escape character reaches the terminal');
  assert.equal(ok(await cli('logs', 'web', 'staging', '--lines', '1')), 'colour: \\x1b[31mred\\x1b[0m and a tab\\x09here\n');

  const build = ok(await cli('logs', 'web', 'staging', '--build'));
  assert.match(build, new RegExp(`slipway: building ${v1.slice(0, 12)}: echo "building the web app"\\n`));
  assert.match(build, /^building the web app$/m);
  assert.match(build, /slipway: \w+ is healthy; http:\/\/staging\.web\.localhost:\d+\/ now goes to port \d+/);
  const history = JSON.parse(ok(await cli('history', 'web', 'staging', '--json'))) as { deployments: { id: number }[] };
  const id = history.deployments[0]?.id ?? 0;
  assert.equal(ok(await cli('logs', 'web', 'staging', '--deployment', String(id))), build);

  // Followed: what the app writes while it runs comes through, until Ctrl-C ends the command, and the server stops following.
  const logDir = join(home, 'data', 'targets', 'process', 'logs');
  const following = follow('web', 'staging', '--follow', '--lines', '0');
  const pid = server.child.pid ?? 0;
  // slipway reads the release log while it is followed; from then on, what the app writes comes through.
  await eventually(async () => (openIn(pid, logDir).length === 1 ? true : undefined), 10_000);
  assert.equal((await viaRouter(routerPort, 'staging', '/say?text=hello%1B%5D0%3Btitle%07')).status, 200);
  await following.printed(/said: hello/);
  assert.equal(following.stdout(), 'said: hello\\x1b]0;title\\x07\n', 'only what came after, escaped');
  following.child.kill('SIGINT');
  assert.equal((await following.exited).signal, 'SIGINT');
  await eventually(async () => (openIn(pid, logDir).length === 0 ? true : undefined), 5000);

  // The release followed is replaced: following ends by itself, after its last lines.
  const replaced = follow('web', 'staging', '-f', '-n', '1');
  await replaced.printed(/said: hello/);
  const v2 = origin.commitFiles('main', files('v2'));
  ok(await cli('deploy', 'web', 'staging'));
  assert.equal((await replaced.exited).code, 0, replaced.stderr());
  await settled('staging', 'ready', v2);
  assert.match(ok(await cli('logs', 'web', 'staging')), /^web v2 listening/);

  // Destroyed: the last release's output stays readable (for a day).
  ok(await cli('destroy', 'web', 'staging'));
  await settled('staging', 'destroyed');
  const kept = ok(await cli('logs', 'web', 'staging'));
  assert.match(kept, /^web v2 listening on \d+\n/);
  assert.equal(ok(await cli('logs', 'web', 'staging', '--follow')), kept, 'nothing more comes: following ends at once');
});

test('a failed build: logs --build --follow shows it as it runs, history and env show its last lines, the router says where its log is', { timeout: 120_000 }, async (t) => {
  const { root, origin, routerPort, cli, follow, detail } = await setup(t);
  const go = join(root, 'go');
  const build = `echo compiling; while [ ! -f ${go} ]; do sleep 0.05; done; echo "src/app.js:3: missing semicolon" >&2; printf 'bad\\033[2Jbyte\\n' >&2; exit 1`;
  origin.commitFiles('main', files('v1'));
  origin.commitFiles('broken', files('v1', `build: ${JSON.stringify(build)}\nstart: node server.js\n`));
  ok(await cli('deploy', 'web', 'broken', '--ref', 'broken'));
  await eventually(async () => {
    const history = JSON.parse(ok(await cli('history', 'web', 'broken', '--json'))) as { deployments: unknown[] };
    return history.deployments.length > 0 ? true : undefined;
  }, 20_000);

  const building = follow('web', 'broken', '--build', '--follow');
  await building.printed(/^compiling$/m);
  const page = await viaRouter(routerPort, 'broken');
  assert.equal(page.status, 503, 'its URL answers "building" while it builds');
  assert.match(page.body, /This environment is building/);
  writeFileSync(go, '');
  assert.equal((await building.exited).code, 0, building.stderr());
  const id = Number(/slipway: deployment (\d+) ended failure/.exec(building.stdout())?.[1]);
  assert.ok(id > 0, building.stdout());
  assert.ok(
    building.stdout().includes(`slipway: deployment ${id} ended failure: build command exited with code 1; its last output:\n  compiling\n  src/app.js:3: missing semicolon\n  bad\\x1b[2Jbyte\n`),
    building.stdout(),
  );
  await eventually(async () => ((await detail('broken')).state === 'failed' ? true : undefined), 10_000);

  const failed = await viaRouter(routerPort, 'broken');
  assert.equal(failed.status, 502);
  assert.match(failed.body, new RegExp(`deployment ${id}\\) failed`));
  assert.match(failed.body, /<code>slipway logs web broken --build<\/code>/);

  const lastLines = `\ndeployment ${id} ended failure: build command exited with code 1; its last output:\n    compiling\n    src/app.js:3: missing semicolon\n    bad\\x1b[2Jbyte\nits log: slipway logs web broken --deployment ${id}\n`;
  const history = ok(await cli('history', 'web', 'broken'));
  assert.ok(history.endsWith(lastLines), history);
  assert.match(history, /\sfailure\s.*\sbuild command exited with code 1; its last/);
  const shown = ok(await cli('env', 'web', 'broken'));
  assert.ok(shown.endsWith(lastLines), shown);
  assert.ok(!`${history}${shown}`.includes('\x1b'), 'no escape character reaches the terminal');
});

test('slipway logs refuses an unknown environment or deployment (exit 1) and bad arguments (exit 2)', { timeout: 120_000 }, async (t) => {
  const { cli, origin, server } = await setup(t);
  fails(await cli('logs', 'web', 'nope'), 1, /no environment web\/nope; "slipway envs" lists them \(404 from GET/);
  origin.commitFiles('main', files('v1'));
  ok(await cli('deploy', 'web', 'staging', '--ref', 'main'));
  // The API's access rule: the token, and no browser of another site.
  const path = `${server.url}/api/environments/web/staging/logs`;
  assert.equal((await fetch(path)).status, 401);
  assert.equal((await fetch(path, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await fetch(path, { headers: { authorization: `Bearer ${TOKEN}`, 'sec-fetch-site': 'cross-site' } })).status, 403);
  // A target that runs no release of its own: its output is the deployment's.
  ok(await cli('deploy', 'jobs', 'main', '--ref', 'main'));
  await eventually(async () => ((await cli('env', 'jobs', 'main')).stdout.includes('ready') ? true : undefined), 20_000);
  fails(await cli('logs', 'jobs', 'main'), 1, /the command target of jobs keeps no output of a running release; its deployments' output: slipway logs jobs main --build/);
  assert.match(ok(await cli('logs', 'jobs', 'main', '--build')), /^deployed main$/m);
  fails(await cli('logs', 'web', 'staging', '--deployment', '99999'), 1, /no deployment with id 99999/);
  fails(await cli('logs', 'web'), 2, /expected APP and ENV/);
  fails(await cli('logs', 'web', 'staging', '--deployment', 'latest'), 2, /--deployment must be a deployment id/);
  fails(await cli('logs', 'web', 'staging', '--lines', '-3'), 2, /--lines|argument/);
  fails(await cli('logs', 'web', 'staging', '--lines', '20000'), 2, /--lines must be a whole number from 0 to 10000/);
  fails(await cli('logs', 'web', 'staging', '--build', '--lines', '5'), 2, /--lines applies to a release's output/);
  fails(await cli('logs', 'web', 'staging', '--tail'), 2, /Unknown option '--tail'/);
});
