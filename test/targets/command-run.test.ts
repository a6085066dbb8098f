import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlipwayError } from '../../src/errors.js';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { TARGET_CANCELLED } from '../../src/targets/target.js';
import { capture, deployRequest, folders, liveInGroup, script, waitForFile } from './helpers.js';

const config = { type: 'command' as const, deploy: ['./deploy.sh'], timeoutMs: 30_000 };

function rejectsWith(code: string, message: string | RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SlipwayError, String(error));
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}

test('output reaches the log as it comes, in order, stdout and stderr alike', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  // The script waits for a file the log sink writes when it sees "ready": this only ends
  // if output is passed on while the command still runs.
  script(
    workdir,
    'deploy.sh',
    'echo ready\nwhile [ ! -f go ]; do sleep 0.02; done\necho "to stderr" >&2\nsleep 0.1\necho done',
  );
  const out = capture((text) => {
    if (text.includes('ready')) writeFileSync(join(workdir, 'go'), '');
  });
  await new CommandTarget({ ...config, timeoutMs: 10_000 }, { app: 'web', stateDir, workspace }).apply(deployRequest(workdir, { log: out.log }));
  const lines = out.text().split('\n');
  assert.match(lines[0] ?? '', /^slipway: running deploy command \.\/deploy\.sh$/);
  assert.deepEqual(lines.slice(1, 4), ['ready', 'to stderr', 'done']);
  assert.match(lines[4] ?? '', /^slipway: deploy command exited with code 0 after /);
  assert.ok(out.chunks.every((chunk) => chunk.endsWith('\n')), 'whole lines');
});

test('a non-zero exit fails the deployment with the code, keeping its output', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  script(workdir, 'deploy.sh', 'echo "helm: release failed" >&2\nexit 3');
  const out = capture();
  await assert.rejects(
    new CommandTarget(config, { app: 'web', stateDir, workspace }).apply(deployRequest(workdir, { log: out.log })),
    rejectsWith('target_command_exit', 'deploy command exited with code 3'),
  );
  assert.match(out.text(), /helm: release failed\n/);
});

test('a command that does not exist, or cannot run, fails with a clear error', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  const apply = (deploy: string[]) => new CommandTarget({ ...config, deploy }, { app: 'web', stateDir, workspace }).apply(deployRequest(workdir));
  await assert.rejects(apply(['./deploy.sh']), rejectsWith('target_command_not_found', 'deploy command not found: ./deploy.sh'));
  await assert.rejects(apply(['scripts/deploy']), rejectsWith('target_command_not_found', 'deploy command not found: scripts/deploy'));
  await assert.rejects(
    apply(['slipway-no-such-command']),
    rejectsWith('target_command_not_found', 'deploy command not found: slipway-no-such-command (not a path, and not on PATH)'),
  );
  writeFileSync(join(workdir, 'plain.sh'), 'echo hi\n');
  await assert.rejects(apply(['./plain.sh']), rejectsWith('target_command_not_executable', /not executable: \.\/plain\.sh; .*chmod \+x/));
  script(workdir, 'bad-interpreter.sh', '');
  writeFileSync(join(workdir, 'bad-interpreter.sh'), '#!/no/such/interpreter\necho hi\n');
  await assert.rejects(apply(['./bad-interpreter.sh']), rejectsWith('target_command_start', /interpreter was not found/));
  // A relative path with a directory is found in the worktree; a bare name on PATH.
  script(workdir, 'scripts/deploy', 'echo from scripts');
  await apply(['scripts/deploy']);
  await apply(['sh', '-c', 'exit 0']);
});

test('a timeout stops the script and every process it started, then fails the deployment', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  script(
    workdir,
    'deploy.sh',
    'echo $$ > pid\ncut -d" " -f5 /proc/self/stat > pgid\nsleep 60 &\necho $! > child\necho started\nwait',
  );
  const out = capture();
  await assert.rejects(
    new CommandTarget({ ...config, timeoutMs: 1000 }, { app: 'web', stateDir, workspace, graceMs: 2000 }).apply(deployRequest(workdir, { log: out.log })),
    rejectsWith('target_command_timeout', 'deploy command timed out after 1s'),
  );
  const pid = Number(await waitForFile(join(workdir, 'pid')));
  const pgid = Number(await waitForFile(join(workdir, 'pgid')));
  // The runner (runner.ts) leads the group; the command is its child, in that group.
  const own = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[2]);
  assert.ok(pgid !== own && pgid !== pid, 'a group of its own, led by the runner');
  assert.deepEqual(liveInGroup(pgid), []);
  assert.match(out.text(), /slipway: deploy command stopped after .*: timed out\n/);
});

test('cancelling through the AbortSignal stops the group, with SIGKILL for what ignores SIGTERM', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  // `trap '' TERM` is inherited: neither the script nor its sleep stops on SIGTERM.
  script(workdir, 'deploy.sh', "trap '' TERM\necho $$ > pid\nsleep 60 &\nsleep 60 &\necho started\nwait");
  const controller = new AbortController();
  const out = capture((text) => {
    if (text.includes('started')) controller.abort();
  });
  await assert.rejects(
    new CommandTarget(config, { app: 'web', stateDir, workspace, graceMs: 300 }).apply(
      deployRequest(workdir, { log: out.log, signal: controller.signal }),
    ),
    rejectsWith(TARGET_CANCELLED, 'deploy command was cancelled'),
  );
  const pgid = Number(await waitForFile(join(workdir, 'pid')));
  assert.deepEqual(liveInGroup(pgid), []);
});

test('an already cancelled request runs nothing', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  script(workdir, 'deploy.sh', 'touch ran');
  await assert.rejects(
    new CommandTarget(config, { app: 'web', stateDir, workspace }).apply(deployRequest(workdir, { signal: AbortSignal.abort() })),
    rejectsWith(TARGET_CANCELLED, 'deploy command was cancelled'),
  );
  assert.equal(existsSync(join(workdir, 'ran')), false);
});

test('output past the bound is cut with a note, and the command still runs to the end', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  // 500 lines of 10 bytes to stdout, then a marker to stderr and a file.
  script(workdir, 'deploy.sh', 'yes abcdefghi | head -n 500\necho "late line" >&2\ntouch finished');
  const out = capture();
  await new CommandTarget(config, { app: 'web', stateDir, workspace, maxOutputBytes: 1000 }).apply(deployRequest(workdir, { log: out.log }));
  const kept = out.text().split('\n').filter((line) => line === 'abcdefghi');
  assert.equal(kept.length, 100);
  assert.match(out.text(), /slipway: output cut at 1000 B; the rest is not kept\n/);
  assert.match(out.text(), /slipway: 3.9 KiB of output not kept\n/);
  assert.doesNotMatch(out.text(), /late line/);
  assert.ok(existsSync(join(workdir, 'finished')));
});

test('the default bound keeps about 1 MiB of a large output', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  script(workdir, 'deploy.sh', 'yes 0123456789abcdef | head -c 3145728');
  let logged = 0;
  const out = capture((text) => {
    logged += Buffer.byteLength(text);
  });
  await new CommandTarget(config, { app: 'web', stateDir, workspace }).apply(deployRequest(workdir, { log: out.log }));
  assert.ok(logged > 1024 * 1024 && logged < 1024 * 1024 + 1024, `${logged} bytes logged`);
  assert.match(out.text(), /output cut at 1 MiB.*\n[^]*2 MiB of output not kept/);
});

test('a process left running with the output open does not hold the deployment forever', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  script(workdir, 'deploy.sh', 'sleep 30 &\necho $! > child\necho deployed');
  const out = capture();
  await new CommandTarget(config, { app: 'web', stateDir, workspace, graceMs: 200 }).apply(deployRequest(workdir, { log: out.log }));
  const child = Number(await waitForFile(join(workdir, 'child')));
  t.after(() => {
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  assert.match(out.text(), /deployed\n/);
  assert.match(out.text(), /a process it started still runs \(process group \d+\); its further output is not kept/);
});

test('a worktree that does not exist fails clearly', async (t) => {
  const { workdir, stateDir, workspace } = folders(t);
  await assert.rejects(
    new CommandTarget({ ...config, deploy: ['true'] }, { app: 'web', stateDir, workspace }).apply(deployRequest(join(workdir, 'gone'))),
    rejectsWith('target_command_no_worktree', /deploy command cannot run: its working folder .*gone does not exist/),
  );
});
