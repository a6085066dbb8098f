import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { EnvironmentDetail } from '../../src/http/environment-view.js';
import { runCli } from '../helpers/cli.js';
import { appFiles, finishedDeployment, serving, startAppService, viaRouter } from '../helpers/process-app.js';
import type { TestService } from '../helpers/service.js';
import { eventually } from '../helpers/webhook.js';

// Repositories with no slipway.app.yaml, deployed as pull request previews through the real
// webhook endpoint, git repository and router: slipway detects how to build and start them.

/** The deployment log of the environment's finished deployment of `sha`. */
async function deploymentLog(service: TestService, env: string, sha: string): Promise<string> {
  const deployment = await finishedDeployment(service, env, sha);
  return (await service.store.getDeployment(deployment.id))?.log ?? '';
}

test('a package.json app with a build script: PR opened, the preview answers through the router', { timeout: 90_000 }, async (t) => {
  const { origin, service, routerPort, hooks } = await startAppService(t);
  // The test app's server, copied by the build into dist/, started with npm start.
  const { 'server.js': server = '', 'version.txt': version = '' } = appFiles('package.json app');
  const files = {
    'src/server.js': server,
    'src/version.txt': version,
    'package.json': JSON.stringify({
      name: 'web',
      version: '1.0.0',
      scripts: { build: 'node build.js', start: 'node dist/server.js' },
      engines: { node: '>=18' },
    }),
    'build.js': "const fs = require('node:fs');\nfs.mkdirSync('dist', { recursive: true });\nfor (const file of ['server.js', 'version.txt']) fs.copyFileSync('src/' + file, 'dist/' + file);\n",
  };
  origin.commitFiles('main', { 'README.md': '# web\n' });
  const head = origin.commitFiles('feature/zero', files);
  await hooks.pullRequest('opened', 7, 'feature/zero', head);
  const answer = await serving(routerPort, 'pr-7', 'package.json app', 60_000);
  assert.deepEqual({ env: answer.env, sha: answer.sha }, { env: 'pr-7', sha: head });
  const log = await deploymentLog(service, 'pr-7', head);
  assert.match(log, /slipway: no slipway\.app\.yaml; detected a Node\.js app \(package\.json\): build "npm install && npm run build", start "npm start"\n/);
  // The rule comes back from the target, is stored, and slipway env shows it.
  const shown = await runCli(['env', 'web', 'pr-7', '--url', service.url], { env: { SLIPWAY_API_TOKEN: service.apiToken } });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`\n {2}sha {8}${head}\n {2}built by {3}package\\.json \\(npm install, npm run build\\)\n`));
  const json = JSON.parse((await service.api('GET', '/api/environments/web/pr-7')).body) as EnvironmentDetail;
  assert.equal(json.builtBy, 'package.json (npm install, npm run build)');
  assert.equal(json.deployments[0]?.builtBy, 'package.json (npm install, npm run build)');
});

test('an Express-like app with a Procfile and package-lock.json: PR opened, the preview answers through the router', { timeout: 90_000 }, async (t) => {
  const { origin, service, routerPort, hooks } = await startAppService(t);
  const { 'server.js': server = '', 'version.txt': version = '' } = appFiles('procfile app');
  const files = {
    'server.js': server,
    'version.txt': version,
    Procfile: 'web: node server.js\nworker: node worker.js\n',
    'package.json': JSON.stringify({ name: 'web', version: '1.0.0', scripts: { start: 'node server.js' } }),
    'package-lock.json': JSON.stringify({ name: 'web', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'web', version: '1.0.0' } } }),
  };
  origin.commitFiles('main', { 'README.md': '# web\n' });
  const head = origin.commitFiles('feature/procfile', files);
  await hooks.pullRequest('opened', 9, 'feature/procfile', head);
  const answer = await serving(routerPort, 'pr-9', 'procfile app', 60_000);
  assert.deepEqual({ env: answer.env, sha: answer.sha }, { env: 'pr-9', sha: head });
  const log = await deploymentLog(service, 'pr-9', head);
  assert.match(log, /npm ci/);
  assert.match(log, /worker/, 'the other process type is named as ignored');
});

test('a Flask-like Python app with requirements.txt and a Procfile: PR opened, the preview answers through the router', { timeout: 90_000 }, async (t) => {
  const probe = spawnSync('python3', ['-m', 'venv', '--help'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip(`python3 -m venv is not available here (${probe.error?.message ?? probe.stderr.trim()}); the Python app test needs it`);
    return;
  }
  const { origin, routerPort, hooks } = await startAppService(t);
  const app = `import http.server, json, os
class App(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"version": "flask app", "env": os.environ["SLIPWAY_ENV"], "sha": os.environ["SLIPWAY_SHA"]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), App).serve_forever()
`;
  origin.commitFiles('main', { 'README.md': '# py\n' });
  // No packages: PyPI is out of reach in tests.
  const head = origin.commitFiles('feature/py', { 'requirements.txt': '# none\n', Procfile: 'web: python3 app.py\n', 'app.py': app });
  await hooks.pullRequest('opened', 10, 'feature/py', head);
  const answer = await serving(routerPort, 'pr-10', 'flask app', 60_000);
  assert.deepEqual({ env: answer.env, sha: answer.sha }, { env: 'pr-10', sha: head });
});

test('a static index.html site: PR opened, the preview serves its files through the router', { timeout: 90_000 }, async (t) => {
  const { origin, service, routerPort, hooks } = await startAppService(t);
  origin.commitFiles('main', { 'README.md': '# site\n' });
  const head = origin.commitFiles('feature/site', { 'index.html': '<!doctype html><h1>static preview</h1>', 'css/site.css': 'h1 { color: teal }' });
  await hooks.pullRequest('opened', 8, 'feature/site', head);
  const home = await eventually(async () => {
    const reply = await viaRouter(routerPort, 'pr-8').catch(() => null);
    return reply?.status === 200 ? reply : undefined;
  }, 60_000);
  assert.equal(home.body, '<!doctype html><h1>static preview</h1>');
  const css = await viaRouter(routerPort, 'pr-8', '/css/site.css');
  assert.deepEqual([css.status, css.body], [200, 'h1 { color: teal }']);
  for (const path of ['/%2e%2e/%2e%2e/etc/hostname', '/.git', '/missing.html']) assert.equal((await viaRouter(routerPort, 'pr-8', path)).status, 404, path);
  assert.equal((await finishedDeployment(service, 'pr-8', head)).state, 'success');
  assert.match(await deploymentLog(service, 'pr-8', head), /detected a static site \(index\.html\): build none, start the static files of \.\/, served by slipway\n/);
});

test('a repository with nothing to detect fails its deployment with the smallest slipway.app.yaml in the error', { timeout: 60_000 }, async (t) => {
  const { origin, service, hooks } = await startAppService(t);
  origin.commitFiles('main', { 'README.md': '# nothing\n' });
  const head = origin.commitFiles('feature/none', { 'main.go': 'package main\n' });
  await hooks.pullRequest('opened', 9, 'feature/none', head);
  const failed = await finishedDeployment(service, 'pr-9', head);
  assert.equal(failed.state, 'failure');
  assert.match(failed.error ?? '', /nothing slipway knows how to run: it looked for Procfile, package\.json, requirements\.txt, pyproject\.toml, index\.html/);
  assert.match(failed.error ?? '', /start: node server\.js/);
});
