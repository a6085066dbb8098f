import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { signalGroup } from '../../../src/targets/command/process-group.js';
import type { EnvRecord } from '../../../src/targets/process/records.js';
import { eventually } from '../../helpers/webhook.js';
import { destroyRequest, liveInGroup } from '../helpers.js';
import { alive, ask, MANIFEST, request, setup, startDriver, worktree } from './helpers.js';

// A slipway that deploys, then dies without a chance to stop anything: a separate Node
// process running the built target (startDriver), killed with SIGKILL once its deploys are done.
async function deployThenDie(t: TestContext, root: string, stateDir: string, workdirs: Record<string, string>): Promise<void> {
  const child = startDriver(t, root, stateDir, Object.entries(workdirs).map(([env, workdir]) => request(workdir, { env })));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => (chunk.toString().includes('deployed') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`the driver exited with ${code} before deploying`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  // Whatever happens next, the processes it started do not outlive the test.
  const groups = Object.keys(workdirs).map((env) => current(stateDir, env).pgid);
  t.after(() => groups.forEach((group) => signalGroup(group, 'SIGKILL')));
}

const current = (stateDir: string, env: string) => {
  const record = JSON.parse(readFileSync(join(stateDir, `web.${env}.json`), 'utf8')) as EnvRecord;
  assert.ok(record.current !== null);
  return record.current;
};

test('recover adopts what a killed slipway left running, restarts what died, and reports a release whose worktree is gone', async (t) => {
  const { root, stateDir, routes, statuses, target } = setup(t, { backoff: { baseMs: 50, maxMs: 200, stableMs: 60_000 } });
  const workdirs = { keep: worktree(root, 'keep', MANIFEST), dead: worktree(root, 'dead', MANIFEST), gone: worktree(root, 'gone', MANIFEST) };
  await deployThenDie(t, root, stateDir, workdirs);
  const keep = current(stateDir, 'keep');
  const dead = current(stateDir, 'dead');
  const gone = current(stateDir, 'gone');
  // The start command runs with /bin/sh -c: the app is a child of the group's leader.
  const app = (await ask(keep.port)).pid;
  assert.deepEqual(liveInGroup(keep.pgid).sort(), [keep.pid, app].sort(), 'the app outlived the slipway that started it');
  for (const release of [dead, gone]) process.kill(-release.pgid, 'SIGKILL');
  await eventually(async () => (liveInGroup(dead.pgid).length + liveInGroup(gone.pgid).length === 0 ? true : undefined));
  rmSync(workdirs.gone, { recursive: true });

  await target.recover();
  assert.ok(routes.calls.includes(`set web/keep ${keep.port}`), 'adopted and routed');
  assert.ok(routes.calls.includes('starting web/dead'));
  assert.equal((await ask(keep.port)).pid, app, 'adopted, not restarted');
  const deadPort = await eventually(async () => routes.ports.get('dead'));
  assert.equal((await ask(deadPort)).env.SLIPWAY_ENV, 'dead', 'started again from its worktree');
  assert.ok(!liveInGroup(current(stateDir, 'dead').pgid).includes(dead.pid));
  const of = (env: string) => statuses.filter((s) => s.env === env).map((s) => `${s.state} ${s.restarts}`);
  assert.deepEqual(of('keep'), ['running 0']);
  assert.deepEqual(of('dead'), ['running 0']);
  assert.deepEqual(of('gone'), ['crashed 0']);
  assert.equal(routes.ports.has('gone'), false);
  assert.deepEqual((await target.list()).map((env) => env.env), ['dead', 'gone', 'keep']);

  // Not its parent, the target notices the adopted process ending by looking every second.
  process.kill(app, 'SIGKILL');
  await eventually(async () => (of('keep').at(-1) === 'running 1' ? true : undefined), 10_000);
  assert.deepEqual(of('keep'), ['running 0', 'restarting 1', 'running 1']);
  const restarted = await ask(keep.port);
  assert.notEqual(restarted.pid, app);
  assert.equal(restarted.env.PORT, String(keep.port), 'on the same port');

  await target.destroy(destroyRequest(null, { env: 'gone' }));
  await target.close();
  assert.equal(alive(restarted.pid), false);
  assert.deepEqual(liveInGroup(current(stateDir, 'keep').pgid), []);
});

test('a deploy cut short by a crash leaves nothing running after recover', async (t) => {
  const { root, stateDir, statuses, target, another } = setup(t);
  const workdir = worktree(root, 'a', MANIFEST);
  await target.apply(request(workdir));
  const release = current(stateDir, 'pr-7');
  // As if slipway died while a second release was starting: it is recorded as a stray.
  const strayApp = worktree(root, 'b', MANIFEST);
  const child = spawn('sleep', ['300'], { cwd: strayApp, detached: true, stdio: 'ignore' });
  const record = JSON.parse(readFileSync(join(stateDir, 'web.pr-7.json'), 'utf8')) as EnvRecord;
  record.strays.push({ pgid: child.pid ?? 0, started: null });
  writeFileSync(join(stateDir, 'web.pr-7.json'), JSON.stringify(record));
  await target.close();

  const next = another();
  const before = statuses.length;
  await next.recover();
  assert.deepEqual(liveInGroup(child.pid ?? 0), []);
  // Started again after slipway stopped it: running, and not counted as a restart.
  await eventually(async () => (statuses.length > before && statuses.at(-1)?.state === 'running' && statuses.at(-1)?.restarts === 0 ? true : undefined));
  assert.ok(!liveInGroup(current(stateDir, 'pr-7').pgid).includes(release.pid), 'the closed release was started again');
  assert.equal((await ask(release.port)).env.PORT, String(release.port));
  assert.deepEqual((JSON.parse(readFileSync(join(stateDir, 'web.pr-7.json'), 'utf8')) as EnvRecord).strays, []);
});

test('a release an older slipway ran from a worktree in the data folder starts again from a copy in the work folder', async (t) => {
  const { root, stateDir, routes, target, another } = setup(t);
  const legacy = join(root, 'data', 'worktrees', 'web', 'old', 'sha1');
  mkdirSync(join(legacy, '..'), { recursive: true });
  renameSync(worktree(root, 'old', MANIFEST), legacy);
  await target.apply(request(legacy, { env: 'old' }));
  await target.close();

  const next = another();
  const before = routes.calls.length;
  await next.recover();
  const set = await eventually(async () => routes.calls.slice(before).find((call) => call.startsWith('set web/old ')));
  const port = Number(set.split(' ').at(-1));
  const app = await ask(port);
  const moved = join(root, 'work', 'moved', 'web', 'old', 'sha1');
  assert.equal(readlinkSync(`/proc/${app.pid}/cwd`), moved, 'it runs from the copy, outside the data folder');
  assert.equal(app.env.HOME, join(root, 'work', 'homes', 'web', 'old'));
  assert.equal(current(stateDir, 'old').workdir, moved, 'and is recorded there');
  await next.destroy(destroyRequest(null, { env: 'old' }));
  assert.equal(existsSync(join(root, 'work', 'moved', 'web')), false, 'destroy removes the copy');
});

test('a build a killed slipway left running is waited for by the next deploy of that commit, not run twice', async (t) => {
  const { root, stateDir, target } = setup(t);
  const build = 'echo run >> ../runs; while [ ! -f ../go ]; do sleep 0.02; done; echo built';
  const workdir = worktree(root, 'a', `build: ${JSON.stringify(build)}\n${MANIFEST}`);
  const runs = join(root, 'worktrees', 'runs');
  const child = startDriver(t, root, stateDir, [request(workdir)]);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await eventually(async () => (existsSync(runs) ? true : undefined));
  child.kill('SIGKILL');
  await exited;

  const lines: string[] = [];
  const deployed = target.apply(request(workdir, { deploymentId: 43, log: (text) => lines.push(text) }));
  await eventually(async () => (lines.join('').includes('waiting for it') ? true : undefined));
  writeFileSync(join(root, 'worktrees', 'go'), '');
  await deployed;
  assert.equal(readFileSync(runs, 'utf8'), 'run\n', 'built once');
  assert.match(lines.join(''), /built\n/);
});
