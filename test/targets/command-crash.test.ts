import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { eventually } from '../helpers/webhook.js';
import { capture, deployRequest, folders, liveInGroup, script } from './helpers.js';

// A slipway killed (SIGKILL) while a deploy command runs: a separate Node process running the
// built target, killed once the command started. The command counts its runs in a file, so a
// second run shows; `go` lets it finish when the test says.
const DRIVER = `
const [targetUrl, workspaceUrl, stateDir, workDir, dataDir, request] = process.argv.slice(2);
const { CommandTarget } = await import(targetUrl);
const { Workspace } = await import(workspaceUrl);
const target = new CommandTarget(
  { type: 'command', deploy: ['./deploy.sh'], timeoutMs: 60000 },
  { app: 'web', stateDir, workspace: new Workspace({ workDir, dataDir, runAs: null }) },
);
await target.apply({ ...JSON.parse(request), log: () => {}, signal: new AbortController().signal });
`;

const COUNTING = 'echo run >> ../runs\necho started\nwhile [ ! -f ../go ]; do sleep 0.02; done\necho "finished $SLIPWAY_DEPLOYMENT_ID"\nexit "$(cat ../go)"';

const runs = (root: string) => readFileSync(join(root, 'runs'), 'utf8').split('\n').filter(Boolean).length;

async function deployThenDie(t: TestContext, root: string, stateDir: string, workdir: string): Promise<void> {
  const driver = join(root, 'driver.mjs');
  writeFileSync(driver, DRIVER);
  const module = (path: string) => new URL(`../../src/${path}`, import.meta.url).href;
  const request = JSON.stringify(deployRequest(workdir, { deploymentId: 1 }));
  const args = [driver, module('targets/command/command-target.js'), module('targets/workspace.js'), stateDir, join(root, 'work'), join(root, 'data'), request];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // The shell makes the file before it writes the line: wait for the line itself.
  await eventually(async () => (existsSync(join(root, 'runs')) && runs(root) > 0 ? true : undefined), 10_000);
  child.kill('SIGKILL');
  await exited;
}


test('a deploy command a killed slipway left running is waited for, not run again, and its outcome is the deployment\'s', async (t) => {
  const { workdir, stateDir, workspace, root } = folders(t);
  script(workdir, 'deploy.sh', COUNTING);
  await deployThenDie(t, root, stateDir, workdir);
  assert.equal(runs(root), 1, 'the command was running when slipway died');

  const out = capture((text) => {
    if (text.includes('waiting for it')) writeFileSync(join(root, 'go'), '0\n');
  });
  const target = new CommandTarget({ type: 'command', deploy: ['./deploy.sh'], timeoutMs: 20_000 }, { app: 'web', stateDir, workspace });
  await target.apply(deployRequest(workdir, { deploymentId: 2, log: out.log }));
  assert.equal(runs(root), 1, 'not run a second time');
  assert.match(out.text(), /deployment 1 .* still runs; waiting for it/);
  assert.match(out.text(), /finished 1\n/, 'its output is in the new deployment\'s log');
  assert.match(out.text(), /deploy command exited with code 0/);
});

test('a deploy command that ended while slipway was down gives its outcome (a failure too) without running again', async (t) => {
  const { workdir, stateDir, workspace, root } = folders(t);
  script(workdir, 'deploy.sh', COUNTING);
  await deployThenDie(t, root, stateDir, workdir);
  writeFileSync(join(root, 'go'), '4\n');
  const pgid = Number(JSON.parse(readFileSync(join(stateDir, 'web.pr-7.run'), 'utf8')).pgid);
  await eventually(async () => (liveInGroup(pgid).length === 0 ? true : undefined), 10_000);

  const target = new CommandTarget({ type: 'command', deploy: ['./deploy.sh'], timeoutMs: 20_000 }, { app: 'web', stateDir, workspace });
  const out = capture();
  await assert.rejects(target.apply(deployRequest(workdir, { deploymentId: 2, log: out.log })), /deploy command exited with code 4/);
  assert.equal(runs(root), 1, 'the outcome was known: not run again');
  assert.match(out.text(), /finished 1\n/);
  // Once its outcome is told, the next deploy runs the command again.
  writeFileSync(join(root, 'go'), '0\n');
  await target.apply(deployRequest(workdir, { deploymentId: 3 }));
  assert.equal(runs(root), 2);
});

test('a leftover command of another commit is stopped, and the new one runs', async (t) => {
  const { workdir, stateDir, workspace, root } = folders(t);
  script(workdir, 'deploy.sh', COUNTING);
  await deployThenDie(t, root, stateDir, workdir);
  const pgid = Number(JSON.parse(readFileSync(join(stateDir, 'web.pr-7.run'), 'utf8')).pgid);
  const target = new CommandTarget({ type: 'command', deploy: ['./deploy.sh'], timeoutMs: 20_000 }, { app: 'web', stateDir, workspace });
  const out = capture((text) => {
    if (text.includes('started')) writeFileSync(join(root, 'go'), '0\n');
  });
  await target.apply(deployRequest(workdir, { deploymentId: 2, sha: 'f'.repeat(40), log: out.log }));
  assert.deepEqual(liveInGroup(pgid), []);
  assert.match(out.text(), /stopped a command an earlier slipway left running/);
  assert.equal(runs(root), 2);
});

test('a leftover command killed together with its runner (a reboot) left no outcome: it runs again', async (t) => {
  const { workdir, stateDir, workspace, root } = folders(t);
  script(workdir, 'deploy.sh', COUNTING);
  await deployThenDie(t, root, stateDir, workdir);
  const pgid = Number(JSON.parse(readFileSync(join(stateDir, 'web.pr-7.run'), 'utf8')).pgid);
  process.kill(-pgid, 'SIGKILL');
  await eventually(async () => (liveInGroup(pgid).length === 0 ? true : undefined), 10_000);
  writeFileSync(join(root, 'go'), '0\n');
  const out = capture();
  const target = new CommandTarget({ type: 'command', deploy: ['./deploy.sh'], timeoutMs: 20_000 }, { app: 'web', stateDir, workspace });
  await target.apply(deployRequest(workdir, { deploymentId: 2, log: out.log }));
  assert.match(out.text(), /ended without a recorded outcome; running it again/);
  assert.equal(runs(root), 2);
});
