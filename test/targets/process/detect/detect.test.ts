import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { describePlan, startCommand, STATIC_SERVER } from '../../../../src/targets/process/app-plan.js';
import { detectApp, type DetectOptions } from '../../../../src/targets/process/detect/index.js';

const detectError = (pattern: RegExp) => (error: Error & { code?: string }) => error.code === 'target_process_detect' && pattern.test(error.message);

/** A repository folder with `files`; a PATH with fake pnpm, yarn and python3 programs when `tools`. */
function repo(t: TestContext, files: Record<string, string>, tools: string[] = []): { dir: string; options: DetectOptions } {
  const root = mkdtempSync(join(tmpdir(), 'slipway-detect-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'repo');
  for (const [name, content] of Object.entries({ ...files, '.keep': '' })) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const bin = join(root, 'bin');
  mkdirSync(bin);
  for (const tool of tools) {
    writeFileSync(join(bin, tool), '#!/bin/sh\n');
    chmodSync(join(bin, tool), 0o755);
  }
  return { dir, options: { path: `${bin}:/nonexistent`, nodeVersion: 'v20.19.2', vars: {}, review: true } };
}

const LOCK = '{"name":"x","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"x","version":"1.0.0"}}}';

test('a Node.js app with a Procfile: installed with npm ci, started by web:, the other process types noted', async (t) => {
  const { dir, options } = repo(t, {
    'package.json': '{"name":"x","scripts":{"start":"node index.js"},"engines":{"node":">=18"}}',
    'package-lock.json': LOCK,
    Procfile: 'web: node server.js\nworker: node worker.js\nrelease: node migrate.js\n',
  }, ['npm']);
  const plan = await detectApp(dir, options);
  assert.equal(
    describePlan(plan),
    'slipway: no slipway.app.yaml; detected a Node.js app (package.json, package-lock.json, Procfile): build "npm ci", release "node migrate.js", start "node server.js"\n' +
      'slipway: Procfile worker: not run: slipway runs web: (and release: at each deployment) only\n',
  );
  assert.deepEqual(plan.start, { argv: ['/bin/sh', '-c', 'node server.js'], text: 'node server.js' });
  assert.deepEqual(plan.health, { path: null, timeoutMs: 60_000 });
  assert.equal(plan.builtBy, 'Procfile web, release + package.json (npm ci)');
});

test('package.json alone: the build script after the install, npm start (or the package manager\'s own)', async (t) => {
  const pkg = '{"scripts":{"build":"tsc","start":"node dist/main.js"}}';
  const npm = repo(t, { 'package.json': pkg }, ['npm']);
  const npmPlan = await detectApp(npm.dir, npm.options);
  assert.match(describePlan(npmPlan), /^slipway: no slipway\.app\.yaml; detected a Node\.js app \(package\.json\): build "npm install && npm run build", start "npm start"\n$/);
  assert.equal(npmPlan.builtBy, 'package.json (npm install, npm run build)');
  const pnpm = repo(t, { 'package.json': pkg, 'pnpm-lock.yaml': 'lockfileVersion: 9\n' }, ['pnpm']);
  const planned = await detectApp(pnpm.dir, pnpm.options);
  assert.deepEqual([planned.build?.text, 'text' in planned.start ? planned.start.text : null], ['pnpm install --frozen-lockfile && pnpm run build', 'pnpm start']);
  const yarn = repo(t, { 'package.json': '{}', 'yarn.lock': '# yarn lockfile v1\n', 'server.js': '' }, ['yarn']);
  const yarnPlan = await detectApp(yarn.dir, yarn.options);
  assert.deepEqual([yarnPlan.build?.text, 'text' in yarnPlan.start ? yarnPlan.start.text : null], ['yarn install --frozen-lockfile', 'node server.js'], "npm's default start is node server.js");
  const npmServer = repo(t, { 'package.json': '{}', 'server.js': '' }, ['npm']);
  assert.match(describePlan(await detectApp(npmServer.dir, npmServer.options)), /build "npm install", start "npm start"\n$/);
});

test('package.json without a start script is a static site from its build output', async (t) => {
  const { dir, options } = repo(t, { 'package.json': '{"scripts":{"build":"vite build"}}' }, ['npm']);
  const plan = await detectApp(dir, options);
  assert.deepEqual(plan.start, { folders: ['dist', 'build', 'public', '.'] });
  assert.deepEqual(plan.health, { path: '/', timeoutMs: 60_000 });
  assert.equal(plan.builtBy, 'package.json (npm install, npm run build; static site)');
  assert.match(describePlan(plan), /start the static files of the first of dist\/, build\/, public\/, \.\/ holding an index\.html, served by slipway\n$/);
});

test('a missing package manager and an engines.node this Node.js does not satisfy are errors naming them', async (t) => {
  const pnpm = repo(t, { 'package.json': '{}', 'pnpm-lock.yaml': '' }, ['npm']);
  await assert.rejects(detectApp(pnpm.dir, pnpm.options), detectError(/^the app installs with pnpm, but pnpm is not on slipway's PATH; install it \(corepack enable pnpm, or npm install -g pnpm\)/));
  const npm = repo(t, { 'package.json': '{}' });
  await assert.rejects(detectApp(npm.dir, npm.options), detectError(/installs with npm, but npm is not on slipway's PATH; it comes with Node\.js/));
  const engines = repo(t, { 'package.json': '{"engines":{"node":"^22"}}' }, ['npm']);
  await assert.rejects(detectApp(engines.dir, engines.options), detectError(/engines\.node asks for "\^22", but this machine runs Node\.js v20\.19\.2/));
});

test('a Python app: a virtual environment in the worktree, first on PATH; it needs a Procfile web: line and python3', async (t) => {
  const { dir, options } = repo(t, { 'requirements.txt': '# none\n', Procfile: 'web: python3 -m http.server $PORT\n' }, ['python3']);
  const plan = await detectApp(dir, options);
  assert.equal(plan.rule, 'a Python app (requirements.txt, Procfile)');
  assert.equal(plan.builtBy, 'Procfile web + requirements.txt (virtualenv)');
  assert.equal(plan.build?.text, 'python3 -m venv .venv && .venv/bin/pip install -r requirements.txt');
  assert.equal(plan.env.PATH, `${join(dir, '.venv', 'bin')}:${options.path ?? ''}`);
  assert.equal(plan.env.VIRTUAL_ENV, join(dir, '.venv'));
  const project = repo(t, { 'pyproject.toml': '[project]\nname = "x"\n', Procfile: 'web: x\n' }, ['python3']);
  assert.equal((await detectApp(project.dir, project.options)).build?.text, 'python3 -m venv .venv && .venv/bin/pip install .');
  const noWeb = repo(t, { 'requirements.txt': '', Procfile: 'worker: celery\n' }, ['python3']);
  await assert.rejects(detectApp(noWeb.dir, noWeb.options), detectError(/^a Python app \(requirements\.txt\) needs a Procfile whose web: line starts it listening on \$PORT/));
  const noPython = repo(t, { 'requirements.txt': '', Procfile: 'web: x\n' });
  await assert.rejects(detectApp(noPython.dir, noPython.options), detectError(/python3 is not on slipway's PATH/));
  const both = repo(t, { 'requirements.txt': '', 'package.json': '{}' }, ['npm', 'python3']);
  await assert.rejects(detectApp(both.dir, both.options), detectError(/both package\.json and requirements\.txt/));
});

test('a Procfile alone, a static index.html, and app.json with it', async (t) => {
  const procfile = repo(t, { Procfile: 'web: ./run.sh\n', 'app.json': '{"env":{"MODE":"demo"},"scripts":{"postdeploy":"./seed.sh"}}' });
  const plan = await detectApp(procfile.dir, procfile.options);
  assert.equal(
    describePlan(plan),
    'slipway: no slipway.app.yaml; detected a Procfile app (Procfile, app.json): build none, start "./run.sh", postdeploy "./seed.sh" (once per environment)\n',
  );
  assert.deepEqual(plan.env, { MODE: 'demo' });
  assert.equal(plan.builtBy, 'Procfile web + app.json');
  const site = repo(t, { 'index.html': '<h1>hi</h1>' });
  const sitePlan = await detectApp(site.dir, site.options);
  assert.equal(sitePlan.builtBy, 'index.html (static site)');
  assert.equal(describePlan(sitePlan), 'slipway: no slipway.app.yaml; detected a static site (index.html): build none, start the static files of ./, served by slipway\n');
  const required = repo(t, { 'index.html': '', 'app.json': '{"env":{"TOKEN":{"required":true}}}' });
  await assert.rejects(detectApp(required.dir, required.options), detectError(/app\.json requires TOKEN/));
  await detectApp(required.dir, { ...required.options, vars: { TOKEN: 'from slipway' } });
});

test('nothing detectable names what was looked for and the smallest slipway.app.yaml', async (t) => {
  const { dir, options } = repo(t, { 'README.md': '# hi\n', 'main.go': 'package main\n' });
  await assert.rejects(detectApp(dir, options), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'target_process_detect');
    assert.equal(
      error.message,
      'no slipway.app.yaml, and nothing slipway knows how to run: it looked for Procfile, package.json, requirements.txt, pyproject.toml, index.html at the repository root and found none. ' +
        'Add a slipway.app.yaml to the repository; the smallest is one line:\n  start: node server.js   # any command that serves HTTP on $PORT',
    );
    return true;
  });
  const worker = repo(t, { Procfile: 'worker: node w.js\n' });
  await assert.rejects(detectApp(worker.dir, worker.options), detectError(/^the Procfile has no web: line \(it has worker:\)/));
});

test('files and build output folders that are links leading out of the repository are not used', async (t) => {
  const { dir, options } = repo(t, {}, ['npm']);
  const outside = join(dirname(dir), 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'package.json'), '{"not json');
  writeFileSync(join(outside, 'index.html'), '<h1>not the repository</h1>');
  symlinkSync(join(outside, 'package.json'), join(dir, 'package.json'));
  await assert.rejects(detectApp(dir, options), detectError(/looked for Procfile, package\.json/), 'a package.json that leads out counts as absent');

  symlinkSync(outside, join(dir, 'dist'));
  const plan = { rule: 'x', builtBy: 'x', build: null, release: null, start: { folders: ['dist'] }, health: { path: '/', timeoutMs: 1000 }, env: {}, postdeploy: null, notes: [] };
  await assert.rejects(startCommand(dir, plan), detectError(/^no static site to serve: none of dist\/ holds an index\.html/));
  mkdirSync(join(dir, 'build'));
  writeFileSync(join(dir, 'build', 'index.html'), '');
  assert.deepEqual((await startCommand(dir, { ...plan, start: { folders: ['dist', 'build'] } })).argv, [process.execPath, STATIC_SERVER, join(dir, 'build')]);
});
