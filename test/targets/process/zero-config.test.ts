import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { capture, destroyRequest, getJson } from '../helpers.js';
import { alive, MANIFEST, request, setup, SHA2, worktree } from './helpers.js';

// Real small apps with no slipway.app.yaml, each written by the test into a worktree, built
// with the real npm (offline: no dependencies) or python3, and started as real processes.

/** A worktree holding `files` (folders made as needed) and no manifest. */
function repo(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, 'worktrees', name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

/** An Express-like app with node:http only: `GET /` answers what it knows as JSON. */
const SERVER = `const http = require('node:http');
const fs = require('node:fs');
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({
    app: 'express-like', pid: process.pid, greeting: process.env.GREETING, token: process.env.API_TOKEN,
    released: fs.existsSync('released') ? fs.readFileSync('released', 'utf8').trim().split('\\n').length : 0,
    seeded: fs.existsSync('seeded') ? fs.readFileSync('seeded', 'utf8').trim() : null,
  }));
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

const PACKAGE_LOCK = '{"name":"x","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"x","version":"1.0.0"}}}';

const EXPRESS_LIKE = {
  'server.js': SERVER,
  'package.json': '{"name":"x","version":"1.0.0","engines":{"node":">=18"}}',
  'package-lock.json': PACKAGE_LOCK,
  Procfile: '# processes\nweb: node server.js\nrelease: echo "migrating $SLIPWAY_SHA" && echo x >> released\nworker: node worker.js\n',
  'app.json': JSON.stringify({
    env: { GREETING: { value: 'hello from app.json' }, API_TOKEN: { description: 'given by slipway' } },
    scripts: { postdeploy: 'echo "seeding on port $PORT" && echo "$SLIPWAY_SHA" >> seeded' },
  }),
};

interface Answer {
  app: string;
  pid: number;
  greeting?: string;
  token?: string;
  released: number;
  seeded: string | null;
}

test('an Express-like app with a Procfile and package-lock.json: npm ci, release: at each deploy, web: started, app.json env and postdeploy once', async (t) => {
  const { root, routes, stateDir, target } = setup(t);
  const vars = { API_TOKEN: 'from-config' };
  const first = repo(root, 'a', EXPRESS_LIKE);
  const out = capture();
  const result = await target.apply(request(first, { vars, log: out.log }));
  assert.equal(result.builtBy, 'Procfile web, release + package.json (npm ci) + app.json', 'the rule used comes back for slipway env');
  const log = out.text();
  assert.match(
    log,
    /^slipway: no slipway\.app\.yaml; detected a Node\.js app \(package\.json, package-lock\.json, Procfile, app\.json\): build "npm ci", release "echo \\"migrating \$SLIPWAY_SHA\\" && echo x >> released", start "node server\.js", postdeploy "echo \\"seeding on port \$PORT\\" && echo \\"\$SLIPWAY_SHA\\" >> seeded" \(once per environment\)\n/,
  );
  assert.match(log, /slipway: Procfile worker: not run: slipway runs web: \(and release: at each deployment\) only\n/);
  assert.match(log, /slipway: building 111111111111: npm ci\n(?:.*\n)*?up to date, audited 1 package/, 'the real npm ci ran, offline');
  assert.match(log, /slipway: release step: echo .*\n(?:slipway: .*\n)*migrating 1111111111111111111111111111111111111111\n/);
  const port = routes.ports.get('pr-7') ?? 0;
  assert.match(log, new RegExp(`seeding on port ${port}\n`), 'postdeploy ran against the new release, with its environment');
  assert.ok(log.indexOf(`seeding on port ${port}\n`) < log.indexOf(`now goes to port ${port}`), 'before it took traffic');
  assert.doesNotMatch(log, /from-config/, 'values from the config are never logged');
  const answer = await getJson<Answer>(port);
  assert.deepEqual(
    { app: answer.app, greeting: answer.greeting, token: answer.token, released: answer.released, seeded: answer.seeded },
    { app: 'express-like', greeting: 'hello from app.json', token: 'from-config', released: 1, seeded: '1111111111111111111111111111111111111111' },
  );

  // The next commit: the release step runs again, postdeploy does not.
  const second = repo(root, 'b', EXPRESS_LIKE);
  const next = capture();
  await target.apply(request(second, { sha: SHA2, vars, log: next.log }));
  assert.match(next.text(), /migrating 2222/);
  assert.doesNotMatch(next.text(), /running postdeploy command|seeding on port \d/);
  const moved = await getJson<Answer>(routes.ports.get('pr-7') ?? 0);
  assert.deepEqual([moved.released, moved.seeded], [1, null], 'the new worktree was released once and never seeded');

  // A new preview of the same name, after a destroy, runs postdeploy again.
  await target.destroy(destroyRequest(second, { app: 'web', env: 'pr-7' }));
  assert.deepEqual(existsSync(join(stateDir, 'postdeploy')) ? readdirSync(join(stateDir, 'postdeploy')) : [], [], 'its marker went with it');
  const again = capture();
  await target.apply(request(repo(root, 'c', EXPRESS_LIKE), { vars, log: again.log }));
  assert.match(again.text(), /seeding on port \d+\n/);
});

test('a package.json-only app: npm install, then its build script, then npm start', async (t) => {
  const { root, routes, target } = setup(t);
  const workdir = repo(root, 'a', {
    'package.json': JSON.stringify({ name: 'built', version: '1.0.0', scripts: { build: 'node build.js', start: 'node dist/server.js' } }),
    'build.js': `require('node:fs').mkdirSync('dist', { recursive: true });\nrequire('node:fs').writeFileSync('dist/server.js', ${JSON.stringify(SERVER.replace("'express-like'", "'built'"))});\nconsole.log('built dist/server.js');\n`,
  });
  const out = capture();
  await target.apply(request(workdir, { log: out.log }));
  assert.match(out.text(), /detected a Node\.js app \(package\.json\): build "npm install && npm run build", start "npm start"\n/);
  assert.match(out.text(), /built dist\/server\.js\n/);
  assert.match(out.text(), /starting 111111111111 on port \d+: npm start\n/);
  assert.equal((await getJson<Answer>(routes.ports.get('pr-7') ?? 0)).app, 'built');
});

test('a Flask-like Python app: a virtual environment per sha made by the build, first on PATH when web: runs', async (t) => {
  const probe = mkdtempSync(join(tmpdir(), 'slipway-venv-probe-'));
  const venv = spawnSync('python3', ['-m', 'venv', join(probe, 'venv')], { encoding: 'utf8' });
  rmSync(probe, { recursive: true, force: true });
  if (venv.status !== 0) {
    t.skip(`python3 -m venv is not available here (${venv.error?.message ?? venv.stderr.trim()}); the Python app test needs it`);
    return;
  }
  const { root, routes, target } = setup(t);
  const app = `import http.server, json, os, shutil, sys
class App(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"app": "flask-like", "python": sys.executable, "pip": shutil.which("pip"), "path": os.environ["PATH"]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), App).serve_forever()
`;
  const workdir = repo(root, 'a', { 'requirements.txt': '# no packages: PyPI is out of reach in tests\n', Procfile: 'web: python3 app.py\n', 'app.py': app });
  const out = capture();
  await target.apply(request(workdir, { log: out.log }));
  assert.match(out.text(), /detected a Python app \(requirements\.txt, Procfile\): build "python3 -m venv \.venv && \.venv\/bin\/pip install -r requirements\.txt", start "python3 app\.py"\n/);
  const answer = await getJson<{ app: string; python: string; pip: string; path: string }>(routes.ports.get('pr-7') ?? 0);
  const bin = join(workdir, '.venv', 'bin');
  assert.equal(answer.app, 'flask-like');
  assert.equal(dirname(answer.python), bin, 'python3 is the virtual environment\'s');
  assert.equal(answer.pip, join(bin, 'pip'));
  assert.equal(answer.path.split(':')[0], bin);
});

test('a static index.html site is served by slipway with content types; a build output folder too', async (t) => {
  const { root, routes, target } = setup(t);
  const site = repo(root, 'a', { 'index.html': '<h1>static home</h1>', 'style.css': 'h1 { color: red }', 'app.mjs': 'export {}', 'logo.svg': '<svg/>' });
  const out = capture();
  await target.apply(request(site, { log: out.log }));
  assert.match(out.text(), /detected a static site \(index\.html\): build none, start the static files of \.\/, served by slipway\n/);
  assert.match(out.text(), /starting 111111111111 on port \d+: slipway's static file server for \.\/\n/);
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${routes.ports.get('pr-7') ?? 0}${path}`);
    return [res.status, res.headers.get('content-type'), await res.text()];
  };
  assert.deepEqual(await get('/'), [200, 'text/html; charset=utf-8', '<h1>static home</h1>']);
  assert.deepEqual(await get('/style.css'), [200, 'text/css; charset=utf-8', 'h1 { color: red }']);
  assert.deepEqual(await get('/app.mjs'), [200, 'text/javascript; charset=utf-8', 'export {}']);
  assert.deepEqual(await get('/logo.svg'), [200, 'image/svg+xml', '<svg/>']);
  assert.equal((await get('/nope.html'))[0], 404);

  // A package.json without a start script whose build writes dist/: its output is the site.
  const built = repo(root, 'b', {
    'package.json': JSON.stringify({ name: 'spa', version: '1.0.0', scripts: { build: "node -e \"require('fs').mkdirSync('dist');require('fs').writeFileSync('dist/index.html','<h1>built site</h1>')\"" } }),
    'index.html': '<h1>the source template, not the site</h1>',
  });
  const next = capture();
  await target.apply(request(built, { sha: SHA2, log: next.log }));
  assert.match(next.text(), /starting 222222222222 on port \d+: slipway's static file server for dist\/\n/);
  assert.deepEqual(await get('/'), [200, 'text/html; charset=utf-8', '<h1>built site</h1>']);
});

const detectFailure = (pattern: RegExp) => (error: Error & { code?: string }) => error.code === 'target_process_detect' && pattern.test(error.message);

test('nothing detectable fails naming what was looked for and the smallest slipway.app.yaml; its URL says the deployment failed', async (t) => {
  const { root, routes, target } = setup(t);
  const workdir = repo(root, 'a', { 'main.go': 'package main\n' });
  await assert.rejects(
    target.apply(request(workdir)),
    detectFailure(/^no slipway\.app\.yaml, and nothing slipway knows how to run: it looked for Procfile, package\.json, requirements\.txt, pyproject\.toml, index\.html at the repository root and found none\. Add a slipway\.app\.yaml to the repository; the smallest is one line:\n {2}start: node server\.js/),
  );
  assert.deepEqual(routes.calls, ['starting web/pr-7', 'failed web/pr-7 deployment 42']);
  assert.deepEqual(await target.list(), []);
});

test('an engines.node this Node.js does not satisfy, and a required app.json variable slipway does not set, fail before anything runs', async (t) => {
  const { root, target } = setup(t);
  const engines = repo(root, 'a', { ...EXPRESS_LIKE, 'package.json': '{"name":"x","version":"1.0.0","engines":{"node":">=999"}}' });
  await assert.rejects(target.apply(request(engines, { vars: { API_TOKEN: 'x' } })), detectFailure(new RegExp(`engines\\.node asks for ">=999", but this machine runs Node\\.js ${process.version}`)));
  assert.equal(existsSync(join(engines, 'node_modules')), false, 'nothing was installed');
  await assert.rejects(target.apply(request(repo(root, 'b', EXPRESS_LIKE))), detectFailure(/^app\.json requires API_TOKEN, which slipway's config does not set/));
});

test('a failing postdeploy fails the first deployment and stops its release; the next deployment runs it again', async (t) => {
  const { root, routes, target } = setup(t);
  const files = { 'server.js': SERVER, Procfile: 'web: node server.js\n', 'app.json': '{"scripts":{"postdeploy":"echo seeding; test -f ok || exit 3"}}' };
  const workdir = repo(root, 'a', files);
  await assert.rejects(target.apply(request(workdir)), (error: Error & { code?: string }) => /postdeploy command exited with code 3/.test(error.message));
  assert.equal(routes.ports.has('pr-7'), false, 'never routed');
  assert.deepEqual(await target.list(), []);
  writeFileSync(join(workdir, 'ok'), '');
  const out = capture();
  await target.apply(request(workdir, { log: out.log }));
  assert.match(out.text(), /seeding\n/);
  const answer = await getJson<Answer>(routes.ports.get('pr-7') ?? 0);
  assert.ok(alive(answer.pid));
});

test('slipway.app.yaml wins over detection', async (t) => {
  const { root, target } = setup(t);
  const workdir = worktree(root, 'a', MANIFEST);
  writeFileSync(join(workdir, 'Procfile'), 'web: exit 1\n');
  writeFileSync(join(workdir, 'package.json'), '{"engines":{"node":">=999"}}');
  const out = capture();
  await target.apply(request(workdir, { log: out.log }));
  assert.doesNotMatch(out.text(), /detected/);
  assert.match(out.text(), /: node server\.cjs\n/);
});
