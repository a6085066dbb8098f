import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SlipwayError } from '../../../src/errors.js';
import { TARGET_CANCELLED } from '../../../src/targets/target.js';
import { processesIn } from '../../helpers/processes.js';
import { waitForFile } from '../helpers.js';
import { alive, ask, MANIFEST, request, setup, SHA2, worktree } from './helpers.js';

function rejectsWith(code: string, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SlipwayError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  };
}

const pids = (dir: string) => readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);

test('a start that exits before it is healthy fails with its last output; the old release keeps serving', async (t) => {
  const { root, routes, statuses, target } = setup(t);
  const good = worktree(root, 'a', MANIFEST);
  await target.apply(request(good));
  const port = routes.ports.get('pr-7') ?? 0;
  const calls = routes.calls.length;

  const bad = worktree(root, 'b', `${MANIFEST}env: { EXIT_AT_START: 1 }\n`);
  await assert.rejects(
    target.apply(request(bad, { sha: SHA2 })),
    rejectsWith('target_process_exited', /^start command exited with code 1 before it became healthy; its last output:\n {2}app starting on \d+\n {2}fatal: cannot start$/),
  );
  assert.equal(routes.calls.length, calls, 'the route is untouched');
  assert.equal((await ask(port)).env.SLIPWAY_SHA, request(good).sha);
  assert.deepEqual(await target.list(), [{ app: 'web', env: 'pr-7', sha: request(good).sha }]);
  assert.deepEqual(statuses.map((s) => s.state), ['running'], 'a failed deploy is not a crash of the running release');
});

test('a release healthy after its deployment lost its lease is stopped, not switched to; the old release keeps serving', async (t) => {
  const { root, routes, target } = setup(t);
  await target.apply(request(worktree(root, 'a', MANIFEST)));
  const port = routes.ports.get('pr-7') ?? 0;
  const calls = routes.calls.length;
  await assert.rejects(target.apply(request(worktree(root, 'b', MANIFEST), { sha: SHA2, holdsLease: () => false })), rejectsWith('target_lease_lost', /traffic was not switched to it/));
  assert.equal(routes.calls.length, calls, 'the route is untouched');
  assert.equal((await ask(port)).env.SLIPWAY_SHA, request(worktree(root, 'a', MANIFEST)).sha);
  assert.deepEqual(await target.list(), [{ app: 'web', env: 'pr-7', sha: request(worktree(root, 'a', MANIFEST)).sha }]);
});

test('a start that never gets healthy is stopped after the health timeout; the old release keeps serving', async (t) => {
  const { root, routes, target } = setup(t);
  const good = worktree(root, 'a', MANIFEST);
  await target.apply(request(good));
  const port = routes.ports.get('pr-7') ?? 0;

  const bad = worktree(root, 'b', 'start: [node, server.cjs]\nhealth: { path: /healthz, timeout: 1s }\nenv: { HEALTHY: never }\n');
  await assert.rejects(
    target.apply(request(bad, { sha: SHA2 })),
    rejectsWith('target_process_unhealthy', /^start command did not answer GET \/healthz with 2xx within 1s; GET \/healthz answered 503 \(last of \d+ tries\): "not yet"; its last output:\n {2}app starting on \d+$/),
  );
  assert.equal(alive(pids(bad)[0] ?? 0), false, 'the unhealthy process was stopped');
  assert.equal(routes.ports.get('pr-7'), port);
  assert.equal((await ask(port)).env.SLIPWAY_SHA, request(good).sha);
});

test('without a health path, health is a TCP connect; a first deploy that fails leaves its failure page and nothing listed', async (t) => {
  const { root, routes, target } = setup(t);
  const silent = worktree(root, 'a', 'start: sleep 30\nhealth: { timeout: 1s }\n');
  await assert.rejects(target.apply(request(silent)), rejectsWith('target_process_unhealthy', /did not accept a TCP connection on port (\d+) within 1s; nothing answered on PORT=\1 \(\d+ tries\); it wrote no output$/));
  assert.deepEqual(routes.calls, ['starting web/pr-7', 'failed web/pr-7 deployment 42']);
  assert.deepEqual(await target.list(), []);

  const tcp = worktree(root, 'b', 'start: node server.cjs\n');
  await target.apply(request(tcp));
  assert.ok(routes.ports.has('pr-7'));
});

test('a bad manifest fails the deployment naming the file and the key', async (t) => {
  const { root, target } = setup(t);
  const cases: [string, RegExp][] = [
    ['health: { path: /healthz }\n', /^slipway\.app\.yaml start: is required$/],
    ['start: node server.cjs\nhealth:\n  timeout: soon\n', /^slipway\.app\.yaml:3 health\.timeout: expected a duration such as 30s/],
    ['start: node server.cjs\nhealth: { path: healthz }\n', /^slipway\.app\.yaml:2 health\.path: expected a path such as \/healthz/],
    ['start: node server.cjs\nstop: now\n', /^slipway\.app\.yaml:2 stop: unknown key; expected one of: build, start, health, env$/],
    ['start: [node, 3]\n', /^slipway\.app\.yaml:1 start: expected a command/],
    ['start: node server.cjs\nenv: { PORT: 80 }\n', /^slipway\.app\.yaml:2 env\.PORT: .*is set by slipway/],
    ['start: [node\n', /^slipway\.app\.yaml:\d+ YAML syntax error: /],
    ['', /^slipway\.app\.yaml is empty/],
  ];
  for (const [index, [manifest, message]] of cases.entries()) {
    const workdir = worktree(root, `case-${index}`, manifest);
    await assert.rejects(target.apply(request(workdir)), rejectsWith('target_process_manifest', message), manifest);
  }
  const workdir = worktree(root, 'paths', MANIFEST);
  const other = (manifest: string) => setup(t, { manifest }).target;
  await assert.rejects(other('/etc/passwd').apply(request(workdir)), rejectsWith('target_process_manifest', /must be relative to the repository root/));
  await assert.rejects(other('../slipway.app.yaml').apply(request(workdir)), rejectsWith('target_process_manifest', /must be relative to the repository root/));
  await assert.rejects(other('deploy/app.yaml').apply(request(workdir)), rejectsWith('target_process_manifest', /^deploy\/app\.yaml not found in the worktree/));
});

test('a cancelled deployment stops the process it started and rejects as cancelled', async (t) => {
  const { root, routes, target } = setup(t);
  const workdir = worktree(root, 'a', `${MANIFEST}env: { HEALTHY: never }\n`);
  const controller = new AbortController();
  const applying = target.apply(request(workdir, { signal: controller.signal }));
  const pid = Number(await waitForFile(join(workdir, 'pids')));
  assert.equal(alive(pid), true);
  controller.abort();
  await assert.rejects(applying, rejectsWith(TARGET_CANCELLED, /cancelled/));
  assert.equal(alive(pid), false);
  assert.deepEqual(routes.calls, ['starting web/pr-7', 'remove web/pr-7']);
  assert.deepEqual(await target.list(), []);
});

test('a release never goes live on a port another process took: its answers do not count as the release being healthy', async (t) => {
  const { root, routes, target } = setup(t);
  // The start command gets PORT, but another process (its own group, as anything else on the
  // host) takes that port first and answers 200; the release itself never listens.
  const squat = `
const { spawn } = require('node:child_process');
const serve = "require('node:http').createServer((q, s) => s.end('not the app')).listen(" + process.env.PORT + ", '127.0.0.1', () => require('node:fs').writeFileSync('squatter.pid', process.pid + '\\\\n'))";
spawn(process.execPath, ['-e', serve], { detached: true, stdio: 'ignore' }).unref();
setInterval(() => {}, 1000);
`;
  const workdir = worktree(root, 'a', 'start: node squat.cjs\nhealth: { path: /healthz, timeout: 10s }\n');
  writeFileSync(join(workdir, 'squat.cjs'), squat);
  // Its own group outlives the release: it is killed here, found by its working folder (its
  // pid file may be gone with the test's folder by the time an after hook runs).
  t.after(() => {
    for (const found of processesIn(workdir)) process.kill(found.pid, 'SIGKILL');
  });
  await assert.rejects(
    target.apply(request(workdir)),
    rejectsWith('target_process_unhealthy', /did not answer GET \/healthz with 2xx within 10s; port \d+ answered, but from another process, which holds it/),
  );
  assert.equal(routes.ports.has('pr-7'), false, 'never routed');
});

// A start command that, on its first `squats` runs, has another process (its own group, as
// anything else on the host) take PORT first, so that its own listen fails with EADDRINUSE.
const SQUAT_THEN_SERVE = `
const { spawn } = require('node:child_process');
const { existsSync, readdirSync, writeFileSync } = require('node:fs');
const runs = readdirSync('.').filter((name) => name.startsWith('run-')).length;
writeFileSync('run-' + runs, '');
const port = Number(process.env.PORT);
const serve = () => require('node:http').createServer((q, s) => s.end(JSON.stringify({ pid: process.pid, env: process.env }))).listen(port, '127.0.0.1');
if (runs >= Number(process.env.SQUATS)) serve();
else {
  const squat = "require('node:http').createServer((q, s) => s.end('not the app')).listen(" + port + ", '127.0.0.1', () => require('node:fs').writeFileSync('squatted-" + runs + "', ''))";
  spawn(process.execPath, ['-e', squat], { detached: true, stdio: 'ignore' }).unref();
  const wait = setInterval(() => { if (existsSync('squatted-' + runs)) { clearInterval(wait); serve(); } }, 10);
}
`;

function squattedApp(t: TestContext, root: string, squats: number): string {
  const workdir = worktree(root, 'a', `start: node squat.cjs\nhealth: { path: /, timeout: 10s }\nenv: { SQUATS: '${squats}' }\n`);
  writeFileSync(join(workdir, 'squat.cjs'), SQUAT_THEN_SERVE);
  t.after(() => {
    for (const found of processesIn(workdir)) process.kill(found.pid, 'SIGKILL');
  });
  return workdir;
}

test('a release whose port another process took before it listened is started again on another port', async (t) => {
  const { root, routes, target } = setup(t);
  const workdir = squattedApp(t, root, 1);
  const lines: string[] = [];
  await target.apply(request(workdir, { log: (line) => lines.push(line) }));
  const started = lines.filter((line) => line.startsWith('slipway: starting '));
  const moved = lines.filter((line) => line.startsWith('slipway: another process took port '));
  assert.equal(started.length, 1);
  assert.equal(moved.length, 1, lines.join(''));
  const [, taken, again] = /port (\d+) before the release listened on it; starting it again on port (\d+)/.exec(moved[0] ?? '') ?? [];
  assert.match(started[0] ?? '', new RegExp(`on port ${taken}:`));
  assert.notEqual(again, taken);
  assert.equal(routes.ports.get('pr-7'), Number(again), 'routed to the port the release holds');
  assert.equal((await ask(Number(again))).env.PORT, again);
});

test('a release whose ports keep being taken fails after three, saying so', async (t) => {
  const { root, routes, target } = setup(t);
  const workdir = squattedApp(t, root, 3);
  const lines: string[] = [];
  await assert.rejects(
    target.apply(request(workdir, { log: (line) => lines.push(line) })),
    rejectsWith('target_process_exited', /^start command exited with code 1 before it became healthy; port \d+ answered, but from another process, which holds it; its last output:\n.*EADDRINUSE/s),
  );
  assert.equal(lines.filter((line) => line.startsWith('slipway: another process took port ')).length, 2);
  assert.equal(routes.ports.has('pr-7'), false, 'never routed');
});

test('a first deploy answers "building" from the start of its build; a failed build says its last lines and leaves the failure page', async (t) => {
  const { root, routes, target } = setup(t);
  const build = 'echo compiling; echo "src/app.js:3: missing semicolon" >&2; echo started > building; while [ ! -f go ]; do sleep 0.02; done; exit 2';
  const workdir = worktree(root, 'a', `build: ${JSON.stringify(build)}\n${MANIFEST}`);
  const applying = target.apply(request(workdir));
  const failed = assert.rejects(applying, rejectsWith('target_command_exit', /^build command exited with code 2; its last output:\n {2}compiling\n {2}src\/app\.js:3: missing semicolon$/));
  await waitForFile(join(workdir, 'building'));
  assert.deepEqual(routes.calls, ['starting web/pr-7'], 'building: its URL answers 503 while the build runs');
  writeFileSync(join(workdir, 'go'), '');
  await failed;
  assert.deepEqual(routes.calls, ['starting web/pr-7', 'failed web/pr-7 deployment 42']);
  assert.deepEqual(await target.list(), []);
});

test('a build that runs past target.buildTimeout is stopped with every process it started, and fails its deployment', async (t) => {
  const { root, routes, target } = setup(t, { buildTimeoutMs: 1000 });
  // The shell leaves a child that would outlive it: the whole process group must go.
  const build = `sleep 1000 & echo $! > ${join(root, 'child.pid')}; echo $$ > ${join(root, 'shell.pid')}; sleep 1000`;
  const dir = worktree(root, 'a', `build: ${JSON.stringify(build)}\n${MANIFEST}`);
  const output: string[] = [];
  await assert.rejects(
    target.apply(request(dir, { log: (text) => output.push(text) })),
    rejectsWith('target_command_timeout', /^build command timed out after 1s; it and every process it started were stopped \(raise target\.buildTimeout if it needs longer\)/),
  );
  const pid = (name: string) => Number(readFileSync(join(root, name), 'utf8').trim());
  assert.equal(alive(pid('shell.pid')), false, 'the build shell is gone');
  assert.equal(alive(pid('child.pid')), false, 'the child it left running is gone too');
  assert.match(output.join(''), /build command stopped after [\d.]+s: timed out/);
  assert.deepEqual(await target.list(), [], 'nothing runs for the environment');
  assert.equal(routes.ports.get('pr-7'), undefined);
});
