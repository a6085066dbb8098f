import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ok, runCli } from '../helpers/cli.js';
import { startDemo } from '../helpers/demo.js';
import { processesIn } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const expect = (env: string, version: string) => new RegExp(`^the page says: web · ${env} · ${version.replace(/\./g, '\\.')} · [0-9a-f]{7}$`);

test('slipway demo plays the story, prints every step ok, keeps running, and stops cleanly on Ctrl-C', { skip: !existsSync('/proc/self/cwd') && 'needs /proc' }, async (t) => {
  const dir = join(tempDir(t), 'demo');
  const demo = await startDemo(t, ['--port', '0', '--router-port', '0', '--dir', dir], 'Ctrl-C stops slipway.', 60_000);
  const stdout = demo.stdout();
  const stderr = demo.stderr();

  const lines = stdout.split('\n');
  const last = lines.findIndex((line) => line.startsWith('[5/5] '));
  const steps = lines.slice(0, last + 1).filter((line) => /^\[\d\/5\] /.test(line));
  assert.deepEqual(steps.map((line) => /^\[(\d)\/5\] .+ \.\.\. (ok): /.exec(line)?.slice(1)), [1, 2, 3, 4, 5].map((n) => [String(n), 'ok']), stdout);
  assert.match(steps[4] ?? '', /release v1\.0\.0 → production up \.\.\. ok: web\/production is ready at [0-9a-f]{7}/);
  // Each environment's page, read through the router, names the environment and version it serves.
  const said = stdout.match(/the page says: .*/g) ?? [];
  const wanted = [expect('staging', 'v1.0.0'), expect('pr-1', 'v1.1.0-pr.1'), expect('pr-1', 'v1.1.0-pr.2'), expect('production', 'v1.0.0')];
  assert.equal(said.length, wanted.length, stdout);
  wanted.forEach((pattern, i) => assert.match(said[i] ?? '', pattern));
  assert.equal(stderr, '', 'nothing went wrong, nothing was logged at warn or above');

  const api = /^slipway runs at (http:\/\/127\.0\.0\.1:\d+),/m.exec(stdout)?.[1];
  assert.ok(api !== undefined, stdout);
  // The command it prints works from anywhere: the demo's config leads the CLI to its API token.
  const printed = new RegExp(`^ +slipway (envs --url ${api.replace(/\./g, '\\.')} --config \\S+) `, 'm').exec(stdout)?.[1];
  assert.ok(printed !== undefined, `it says how to look:\n${stdout}`);
  const envs = ok(await runCli(printed.split(' '), { cwd: tempDir(t) }));
  assert.match(envs, /^web +production +ready /m);
  assert.match(envs, /^web +staging +ready /m);
  assert.doesNotMatch(envs, /pr-1/, 'the preview is gone');
  // The dashboard it points to takes the token from the file it names.
  const tokenFile = /^Watch it on the dashboard at http:\/\/127\.0\.0\.1:\d+\/ \(sign in with the API token in (\S+)\)\.$/m.exec(stdout)?.[1];
  assert.ok(tokenFile !== undefined, stdout);
  const session = await fetch(`${api}/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token: readFileSync(tokenFile, 'utf8').trim() }) });
  assert.equal(session.status, 303);
  const board = await fetch(`${api}/`, { headers: { cookie: (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '' } });
  assert.match(await board.text(), /production/);
  assert.ok(existsSync(join(dir, '.slipway-demo')));
  assert.ok(existsSync(join(dir, 'repo', '.git')));

  assert.equal(await demo.interrupt(), 0, demo.stderr());
  assert.match(demo.stdout(), /stopping slipway\n$/);
  assert.deepEqual(processesIn(dir).map((found) => found.description), [], 'no process is left behind');
});

test('slipway demo refuses a folder it did not make, and bad ports', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  const refused = await runCli(['demo', '--port', '0', '--dir', dir]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /is not empty and was not made by "slipway demo" \(it has no \.slipway-demo file\); pass --dir with a new or empty folder/);
  assert.deepEqual(readdirSync(dir), ['notes.txt']);
  const port = await runCli(['demo', '--router-port', '70000', '--dir', join(dir, 'demo')]);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /--router-port must be a port number from 0 to 65535/);
  assert.equal(existsSync(join(dir, 'demo')), false, 'nothing is made before the arguments are checked');
});
