import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually } from '../../helpers/webhook.js';
import { capture, destroyRequest, getJson } from '../helpers.js';
import { gitApp, request, setup, startDriver, type GitApp } from './helpers.js';

// Build once, promote: environments deploying the same commit of an app share its build.
// Everything is real: a git repository made by the test, real worktrees of its commits (the
// target shares the builds of checkouts only), builds run by /bin/sh, releases started as
// processes on real ports. The build appends a line to a journal each time it runs, which is
// how the tests see whether it ran.

const BUILD = `echo "build $SLIPWAY_SHA env=\${SLIPWAY_ENV:-none}" >> "$JOURNAL"
mkdir -p out
echo "built from $SLIPWAY_SHA" > out/built.txt
echo built > out/log.txt
if [ -e "$FAIL_FLAG" ]; then rm -f "$FAIL_FLAG"; echo "failing on purpose" >&2; exit 1; fi
if [ -e "$SLOW_FLAG" ]; then rm -f "$SLOW_FLAG"; echo $$ > "$SLOW_FLAG.pid"; exec sleep 30; fi
echo "build done"
`;

/** Writes to its copy of the build as it starts, and answers what its copy holds. */
const SERVER = `const fs = require('node:fs');
fs.appendFileSync('out/log.txt', 'started ' + process.env.SLIPWAY_ENV + '\\n');
require('node:http').createServer((req, res) => {
  res.end(JSON.stringify({ built: fs.readFileSync('out/built.txt', 'utf8'), log: fs.readFileSync('out/log.txt', 'utf8') }));
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

const APP = { 'slipway.app.yaml': 'build: sh build.sh\nstart: node server.cjs\nhealth: { timeout: 10s }\n', 'build.sh': BUILD, 'server.cjs': SERVER };

interface Project extends GitApp {
  /** The config variables every environment gets (paths of the test's journal and flags). */
  vars: Record<string, string>;
  journal(): string[];
  /** The shared builds' folders. */
  builds(): string[];
}

function project(root: string, files: Record<string, string> = APP): Project {
  const journal = join(root, 'journal');
  const buildsDir = join(root, 'work', 'builds', 'web');
  return {
    ...gitApp(root, files),
    vars: { JOURNAL: journal, FAIL_FLAG: join(root, 'fail'), SLOW_FLAG: join(root, 'slow') },
    journal: () => (existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n') : []),
    // Without the folders on their way out (`.removed-…`), which are deleted in the background.
    builds: () => (existsSync(buildsDir) ? readdirSync(buildsDir).filter((name) => !name.startsWith('.')).map((name) => join(buildsDir, name)) : []),
  };
}

const short = (sha: string) => sha.slice(0, 12);

test('a second environment on the same sha reuses the build: the build does not run again, and each release changes only its own copy', async (t) => {
  const { root, routes, target } = setup(t);
  const app = project(root);
  const staging = app.checkout('staging');
  const first = capture();
  await target.apply(request(staging, { env: 'staging', sha: app.sha, vars: app.vars, deploymentId: 41, log: first.log }));
  assert.match(first.text(), new RegExp(`slipway: building ${short(app.sha)}: sh build.sh\n(?:.*\n)*build done\n`));

  const production = app.checkout('production');
  const second = capture();
  await target.apply(request(production, { env: 'production', sha: app.sha, vars: app.vars, deploymentId: 42, pr: null, ref: 'refs/tags/v1', branch: null, log: second.log }));
  assert.match(second.text(), new RegExp(`slipway: reusing the build of ${short(app.sha)} that deployment 41 made for staging; not building it again\n`));
  assert.doesNotMatch(second.text(), /slipway: building|build done/);
  assert.deepEqual(app.journal(), [`build ${app.sha} env=none`], 'the build ran once, and was not told which environment it was for');

  const ask = (env: string) => getJson<{ built: string; log: string }>(routes.ports.get(env) ?? 0);
  assert.deepEqual(await ask('production'), { built: `built from ${app.sha}\n`, log: 'built\nstarted production\n' });
  assert.deepEqual(await ask('staging'), { built: `built from ${app.sha}\n`, log: 'built\nstarted staging\n' }, 'each release wrote to its own copy');

  const [tree, ...others] = app.builds();
  assert.equal(others.length, 0);
  assert.equal(readFileSync(join(tree ?? '', 'out', 'log.txt'), 'utf8'), 'built\n', 'the shared build is as the build left it');
  assert.equal(statSync(join(tree ?? '', 'out', 'log.txt')).mode & 0o222, 0, 'and no one may write to it');
  assert.notEqual(statSync(join(production, 'out', 'log.txt')).mode & 0o200, 0, "an environment's copy is its own to change");
  // The worktree is still a clean checkout of its sha with its own .git (the engine reuses it only then).
  assert.equal(app.origin.git('-C', production, 'status', '--porcelain', '--untracked-files=no'), '');
  assert.equal(app.origin.git('-C', production, 'rev-parse', 'HEAD'), app.sha);

  // Destroyed and deployed again: still the same build.
  await target.destroy(destroyRequest(production, { env: 'production' }));
  const again = capture();
  await target.apply(request(production, { env: 'production', sha: app.sha, vars: app.vars, log: again.log }));
  assert.match(again.text(), /reusing the build of .* that deployment 41 made for staging/);
  assert.equal(app.journal().length, 1);
});

test('variables that shape the build make another build; the facts of the environment and the proxies do not', async (t) => {
  const { root, target } = setup(t);
  const app = project(root);
  await target.apply(request(app.checkout('staging'), { env: 'staging', sha: app.sha, vars: app.vars }));
  const other = capture();
  await target.apply(request(app.checkout('preview'), { env: 'preview', sha: app.sha, vars: { ...app.vars, API_URL: 'https://api.preview.test' }, log: other.log }));
  assert.match(other.text(), /slipway: building /, 'another API_URL: built again');
  assert.equal(app.builds().length, 2);

  process.env.HTTPS_PROXY = 'http://proxy.test:3128';
  t.after(() => delete process.env.HTTPS_PROXY);
  const same = capture();
  await target.apply(request(app.checkout('production'), { env: 'production', sha: app.sha, vars: app.vars, pr: null, ref: 'refs/heads/main', log: same.log }));
  assert.match(same.text(), /reusing the build of .* made for staging/);
  assert.equal(app.journal().length, 2);
});

test('a failed build and a killed build are never reused, nor one whose completion was not recorded', async (t) => {
  const { root, stateDir, target } = setup(t);
  const app = project(root);
  writeFileSync(app.vars.FAIL_FLAG ?? '', '');
  await assert.rejects(target.apply(request(app.checkout('a'), { env: 'staging', sha: app.sha, vars: app.vars })), /build command exited with code 1[\s\S]*failing on purpose/);
  assert.deepEqual(app.builds(), [], 'the failed build is gone');

  writeFileSync(app.vars.SLOW_FLAG ?? '', '');
  const killed = target.apply(request(app.checkout('b'), { env: 'preview', sha: app.sha, vars: app.vars }));
  const pid = await eventually(async () => (existsSync(`${app.vars.SLOW_FLAG}.pid`) ? Number(readFileSync(`${app.vars.SLOW_FLAG}.pid`, 'utf8')) : undefined));
  process.kill(pid, 'SIGKILL');
  // The build's shell reports the SIGKILL of its command (128 + 9).
  await assert.rejects(killed, /build command exited with code 137/);
  assert.deepEqual(app.builds(), [], 'the killed build is gone');

  const third = capture();
  await target.apply(request(app.checkout('c'), { env: 'production', sha: app.sha, vars: app.vars, log: third.log }));
  assert.match(third.text(), /slipway: building [\s\S]*build done/);
  assert.doesNotMatch(third.text(), /reusing/);
  assert.equal(app.journal().length, 3, 'each attempt built');

  // A slipway killed after the build but before it recorded it: the folder is there, its record is not.
  const done = join(stateDir, 'shared-builds', 'done', 'web');
  for (const name of readdirSync(done)) rmSync(join(done, name));
  const fourth = capture();
  await target.apply(request(app.checkout('d'), { env: 'qa', sha: app.sha, vars: app.vars, log: fourth.log }));
  assert.match(fourth.text(), /slipway: building /);
  assert.equal(app.journal().length, 4);
  assert.equal(app.builds().length, 1, 'built again in the same folder');
});

test('a shared build a killed slipway left running is waited for by the next deployment of that build, from any environment, not run twice', async (t) => {
  const { root, stateDir, routes, target } = setup(t);
  const go = join(root, 'go');
  const app = project(root, { ...APP, 'build.sh': `echo started >> "$JOURNAL"\nwhile [ ! -f "$GO" ]; do sleep 0.02; done\n${BUILD}` });
  const vars = { ...app.vars, GO: go };
  const child = startDriver(t, root, stateDir, [request(app.checkout('a'), { env: 'staging', sha: app.sha, vars })]);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await eventually(async () => (app.journal().length > 0 ? true : undefined));
  child.kill('SIGKILL');
  await exited;

  const out = capture();
  const deployed = target.apply(request(app.checkout('b'), { env: 'production', sha: app.sha, vars, log: out.log }));
  await eventually(async () => (out.text().includes('waiting for it') ? true : undefined));
  writeFileSync(go, '');
  await deployed;
  assert.deepEqual(app.journal(), ['started', `build ${app.sha} env=none`], 'built once, in the folder it started in');
  assert.match(out.text(), /build done\n/);
  assert.deepEqual(await getJson(routes.ports.get('production') ?? 0), { built: `built from ${app.sha}\n`, log: 'built\nstarted production\n' });
});

test('two environments deploying the same sha at once build it once', async (t) => {
  const { root, target } = setup(t);
  const app = project(root, { ...APP, 'build.sh': `sleep 0.5\n${BUILD}` });
  const outs = [capture(), capture()];
  await Promise.all(
    ['staging', 'production'].map((env, index) => target.apply(request(app.checkout(env), { env, sha: app.sha, vars: app.vars, deploymentId: 50 + index, log: outs[index]?.log ?? (() => {}) }))),
  );
  assert.equal(app.journal().length, 1);
  const [built, waited] = outs[0]?.text().includes('slipway: building ') === true ? [outs[0], outs[1]] : [outs[1], outs[0]];
  assert.match(built?.text() ?? '', /build done/);
  assert.match(waited?.text() ?? '', /slipway: waiting for deployment 5[01] of (staging|production), which makes or copies the build of .*\nslipway: reusing the build of/);
});

test('a shared build is removed once no release has used it for the keep time, and kept while one runs from it or sleeps', async (t) => {
  const { root, stateDir, target, another } = setup(t, { keepUnusedBuildsMs: 0 });
  const app = project(root);
  const next = app.origin.commitFiles('main', { 'notes.txt': 'a second commit' });
  await target.apply(request(app.checkout('one'), { env: 'staging', sha: app.sha, vars: app.vars }));
  const [old] = app.builds();
  await target.apply(request(app.checkout('two', next), { env: 'staging', sha: next, vars: app.vars }));
  assert.equal(app.builds().length, 2);

  // The sweep runs at start (and every 10 minutes): staging's new build stays, the old one goes.
  await another().recover();
  const [kept, ...rest] = app.builds();
  assert.deepEqual(rest, []);
  assert.notEqual(kept, old);
  assert.ok(kept?.includes(short(next)));

  // Asleep, the environment still holds its release (to wake it): its build stays.
  assert.equal(await target.sleep('web', 'staging'), true);
  await another().recover();
  assert.deepEqual(app.builds(), [kept]);

  await target.destroy(destroyRequest(null, { env: 'staging' }));
  await another().recover();
  assert.deepEqual(app.builds(), [], 'destroyed: nothing uses it any more');
  await eventually(async () => (readdirSync(join(root, 'work', 'builds', 'web')).length === 0 ? true : undefined));
  assert.deepEqual(readdirSync(join(stateDir, 'shared-builds', 'done', 'web')), [], 'nor is it recorded');
});

test('a Python app: the virtual environment the shared build made works in a promoted copy after the first environment is gone', async (t) => {
  const probe = spawnSync('python3', ['-m', 'venv', '--without-pip', join(tmpdir(), `slipway-venv-probe-${process.pid}`)], { encoding: 'utf8' });
  rmSync(join(tmpdir(), `slipway-venv-probe-${process.pid}`), { recursive: true, force: true });
  if (probe.status !== 0) {
    t.skip(`python3 -m venv is not available here (${probe.error?.message ?? probe.stderr.trim()}); this test needs it`);
    return;
  }
  const { root, routes, target, another } = setup(t, { keepUnusedBuildsMs: 0 });
  const python = `import http.server, json, os, subprocess
class App(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        pip = subprocess.run(["pip", "--version"], capture_output=True, text=True)
        body = json.dumps({"pip": pip.stdout.strip() + pip.stderr.strip(), "code": pip.returncode}).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), App).serve_forever()
`;
  const app = project(root, { 'requirements.txt': '# nothing: PyPI is out of reach in tests\n', Procfile: 'web: python3 app.py\n', 'app.py': python });
  const first = app.checkout('a');
  await target.apply(request(first, { env: 'staging', sha: app.sha }));
  const second = capture();
  await target.apply(request(app.checkout('b'), { env: 'production', sha: app.sha, log: second.log }));
  assert.match(second.text(), /reusing the build of/);
  // The builder's environment and worktree go, and the sweep runs: the promoted copy's scripts
  // (pip's #! line) name the shared build, which is kept while a release runs from it.
  await target.destroy(destroyRequest(first, { env: 'staging' }));
  rmSync(first, { recursive: true, force: true });
  await another().recover();
  assert.equal(app.builds().length, 1);
  const answer = await getJson<{ pip: string; code: number }>(routes.ports.get('production') ?? 0);
  assert.equal(answer.code, 0, answer.pip);
  assert.match(answer.pip, new RegExp(`^pip .* from ${join(root, 'work', 'builds', 'web')}/`));
});
