#!/usr/bin/env node
// Promote benchmark: how long the process target takes to deploy a sha it has not built
// (staging: the build runs), the same sha to a second environment (production: the build is
// reused), and the same sha to an environment that builds it again in place, as every
// environment did before builds were shared. Side by side, with ratios. See bench/README.md.
//
//   node bench/promote/run.mjs [--runs N] [--files N] [--mb N] [--compile-ms N] [--json]
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const run = promisify(execFile);

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    files: { type: 'string', default: '4000' },
    mb: { type: 'string', default: '40' },
    'compile-ms': { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node bench/promote/run.mjs [--runs N] [--files N] [--mb N] [--compile-ms N] [--json]
  --runs N        commits measured, one after another (default 5)
  --files N       files the build writes under node_modules/ (default 4000)
  --mb N          megabytes they hold together (default 40)
  --compile-ms N  CPU time the build spends "compiling" after writing them (default 0: a build that only writes its output)
  --json          print the result as JSON only`);
  process.exit(0);
}
const number = (name, min) => {
  const value = Number(opts[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be a whole number >= ${min}`);
    process.exit(2);
  }
  return value;
};
const runs = number('runs', 1);
const files = number('files', 1);
const mb = number('mb', 0);
const compileMs = number('compile-ms', 0);
if (!existsSync(join(dist, 'targets', 'process', 'process-target.js'))) {
  console.error('dist/ not found: build slipway first (npm run build)');
  process.exit(1);
}
const say = opts.json ? () => {} : (line = '') => console.log(line);

// The build stands in for `npm ci && npm run build` (nothing can be downloaded here): it writes
// the dependency files, spends --compile-ms of CPU, and writes a bundle.
const BUILD = `const fs = require('node:fs');
const crypto = require('node:crypto');
const files = ${files}, bytes = Math.floor(${mb * 1024 * 1024} / files);
for (let i = 0; i < files; i++) {
  const dir = 'node_modules/dep-' + (i % 200);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(dir + '/file-' + i + '.js', crypto.randomBytes(bytes));
}
const until = Date.now() + ${compileMs};
let hash = crypto.createHash('sha256');
while (Date.now() < until) hash = crypto.createHash('sha256').update(hash.digest());
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/bundle.js', 'module.exports = ' + JSON.stringify(fs.readFileSync('version.txt', 'utf8')) + ';\\n');
`;
const SERVER = `const version = require('./dist/bundle.js');
require('node:http').createServer((req, res) => res.end(version)).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;
const MANIFEST = 'build: node build.cjs\nstart: node server.cjs\n';

const tmp = mkdtempSync(join(tmpdir(), 'slipway-promote-'));
const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.com' };
const git = async (...args) => (await run('git', args, { cwd: join(tmp, 'repo'), env: gitEnv })).stdout.trim();

let target = null;
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    console.error(`\n${sig}: stopping the releases, removing ${tmp}`);
    await target?.close();
    process.exit(130);
  });
}

const [{ ProcessTarget }, { Workspace }, { createLogger }] = await Promise.all(
  ['targets/process/process-target.js', 'targets/workspace.js', 'logger.js'].map((path) => import(join(dist, path))),
);
// The process target on its own, as slipway makes it for an app; the routes are only noted (no router runs).
const routes = { set() {}, starting() {}, failed() {}, crashed() {}, remove() {}, urlFor: (app, env) => `http://${env}.${app}.localhost`, drained: async () => true };
const workspace = new Workspace({ workDir: join(tmp, 'work'), dataDir: join(tmp, 'data'), runAs: null });
workspace.prepare();
target = new ProcessTarget(
  { type: 'process', manifest: null, stopGraceMs: 2000, logMaxBytes: 10 * 1024 * 1024, logFiles: 1 },
  { app: 'web', stateDir: join(tmp, 'data', 'targets', 'process'), routes, workspace, log: createLogger({ level: 'warn', pretty: false }) },
);

mkdirSync(join(tmp, 'repo'));
await git('init', '-q', '-b', 'main');
for (const [name, text] of Object.entries({ 'slipway.app.yaml': MANIFEST, 'build.cjs': BUILD, 'server.cjs': SERVER })) writeFileSync(join(tmp, 'repo', name), text);

const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version };
say(`slipway promote bench: ${runs} commits; the build writes ${files} files (${mb} MB) under node_modules/${compileMs > 0 ? ` and computes for ${compileMs} ms` : ''}; ` +
  `${machine.cores} cores, node ${machine.node}, work folder on ${(await run('df', ['--output=fstype', tmp])).stdout.split('\n')[1]?.trim() ?? '?'}`);

/** Deploys `sha` from `workdir` to `env`; the time until it is healthy, and what its log says it did. */
async function deploy(env, sha, workdir, deploymentId) {
  let log = '';
  const started = performance.now();
  await target.apply({ app: 'web', env, sha, ref: 'refs/heads/main', pr: null, branch: 'main', event: 'bench', deploymentId, workdir, vars: {}, log: (text) => (log += text), signal: new AbortController().signal });
  const ms = performance.now() - started;
  const how = /reusing the build/.test(log) ? 'reused' : /slipway: building /.test(log) ? 'built' : 'neither';
  return { ms, how };
}

const samples = { first: [], promoted: [], rebuilt: [] };
try {
  for (let i = 1; i <= runs; i++) {
    writeFileSync(join(tmp, 'repo', 'version.txt'), `v${i}\n`);
    await git('add', '.');
    await git('commit', '-q', '-m', `v${i}`);
    const sha = await git('rev-parse', 'HEAD');
    const checkout = async (name) => {
      const dir = join(tmp, 'worktrees', `${name}-${i}`);
      await git('worktree', 'add', '-q', '--detach', dir, sha);
      return dir;
    };
    const [staging, production] = [await checkout('staging'), await checkout('production')];
    // Before shared builds, every environment built in its own worktree: the same files, with no .git (an artifact), are built in place.
    const inPlace = join(tmp, 'worktrees', `rebuilt-${i}`);
    cpSync(staging, inPlace, { recursive: true, filter: (path) => !path.endsWith('/.git') });
    const first = await deploy('staging', sha, staging, i * 10 + 1);
    const promoted = await deploy('production', sha, production, i * 10 + 2);
    const rebuilt = await deploy('rebuilt', sha, inPlace, i * 10 + 3);
    for (const [sample, how] of [[first, 'built'], [promoted, 'reused'], [rebuilt, 'built']]) {
      if (sample.how !== how) throw new Error(`commit ${i}: a deploy ${sample.how} where it should have ${how}`);
    }
    samples.first.push(first.ms);
    samples.promoted.push(promoted.ms);
    samples.rebuilt.push(rebuilt.ms);
    say(`commit ${String(i).padStart(2)}: first build ${first.ms.toFixed(0).padStart(6)} ms, promoted ${promoted.ms.toFixed(0).padStart(6)} ms, rebuilt in place ${rebuilt.ms.toFixed(0).padStart(6)} ms`);
  }
} catch (error) {
  console.error(`FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  await target.close();
  target = null;
}
if (process.exitCode === 1) process.exit();

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const p90 = (values) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(0.9 * values.length) - 1)];
const summary = Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, { n: values.length, median: median(values), p90: p90(values), samples: values }]));
const result = {
  machine, build: { files, mb, compileMs }, ...summary,
  ratio: { promotedToFirst: summary.promoted.median / summary.first.median, promotedToRebuilt: summary.promoted.median / summary.rebuilt.median },
};
if (opts.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const rows = [
    ['deploy until healthy (ms)', 'n', 'median', 'p90'],
    ...[['first build of the sha (staging)', 'first'], ['promoted: same sha, build reused (production)', 'promoted'], ['rebuilt in place (each environment, before)', 'rebuilt']].map(([label, key]) => [label, String(summary[key].n), summary[key].median.toFixed(0), summary[key].p90.toFixed(0)]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  say();
  for (const [index, row] of rows.entries()) {
    say(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '));
    if (index === 0) say(widths.map((width) => '-'.repeat(width)).join('  '));
  }
  say(`\npromoted / first build: ${result.ratio.promotedToFirst.toFixed(2)}x; promoted / rebuilt in place: ${result.ratio.promotedToRebuilt.toFixed(2)}x (medians)`);
  say('the first build also copies the build into its folder, seals it and copies it back into the worktree; a promoted deploy only copies it (reflinks where the file system has them)');
}
process.exit();
