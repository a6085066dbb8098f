#!/usr/bin/env node
// Board benchmark: how long GET / (the dashboard's board) takes with 500 environments and their
// deployments in a real slipway on SQLite, against GET /api/environments (the JSON list of the
// same environments) on the same store, measured side by side in the same run. See bench/README.md.
//
//   node bench/ui/board.mjs [--envs N] [--deployments K] [--runs N] [--browser] [--json]
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const GOAL_MS = 300; // the board's median with 500 environments, from the issue
const WARM_UP = 5; // unmeasured requests of each kind first (JIT, page cache)
const APPS = ['web', 'api']; // the environments are shared out between two apps
const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

const { values: opts } = parseArgs({
  options: {
    envs: { type: 'string', default: '500' },
    deployments: { type: 'string', default: '12' },
    runs: { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
    browser: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node bench/ui/board.mjs [--envs N] [--deployments K] [--runs N] [--browser] [--json]
  --envs N         environments to seed (default 500)
  --deployments K  finished deployments per environment (default 12; staging gets 20 times as many)
  --runs N         measured requests of each kind, alternating (default 30)
  --browser        also load the board in Chromium (/usr/bin/chromium) and time its loads and live updates
  --json           print the result as JSON only`);
  process.exit(0);
}
const count = (name, min) => {
  const value = Number(opts[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be a whole number >= ${min}`);
    process.exit(2);
  }
  return value;
};
const envs = count('envs', 1);
const perEnv = count('deployments', 0);
const runs = count('runs', 1);
if (!existsSync(join(dist, 'service.js'))) {
  console.error('dist/ not found: build slipway first (npm run build)');
  process.exit(1);
}
const say = opts.json ? () => {} : (line = '') => console.log(line);
const load = (path) => import(join(dist, path));
const [{ parseConfig }, { createLogger }, { SqliteStore }, { startService }] = await Promise.all([
  load('config/load.js'), load('logger.js'), load('store/sqlite/sqlite-store.js'), load('service.js'),
]);

const tmp = mkdtempSync(join(tmpdir(), 'slipway-board-'));
let service = null;
let store = null;
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    console.error(`\n${sig}: stopping slipway, removing ${tmp}`);
    await close();
    process.exit(130);
  });
}
async function close() {
  await service?.close().catch(() => undefined);
  await store?.close().catch(() => undefined);
  service = null;
  store = null;
}

try {
  const result = await run();
  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else print(result);
} catch (error) {
  console.error(`FAILED: ${error.stack ?? error.message}`);
  process.exitCode = 1;
} finally {
  await close();
}

async function run() {
  // Nothing here fetches or deploys: the environments are seeded converged, and the sweeps that
  // would look again (resync, orphans) wait an hour; previews expire in a week.
  const yaml = `store: { dataDir: data }
log: { level: warn }
engine: { resyncInterval: 1h, sweepInterval: 1h }
apps:
${APPS.map((app) => `  - name: ${app}
    repo: bench/${app}
    url: file://${join(tmp, 'nowhere')}
    target: { type: command, deploy: ['true'] }
    environments:
      - { name: production, track: { release: {} } }
      - { name: staging, track: { branch: main } }
      - { name: 'br-{branch}', track: { branches: ['feature/**'] }, ttl: 7d }
      - { name: 'pr-{number}', track: { pullRequests: {} }, ttl: 7d }`).join('\n')}
`;
  const config = parseConfig(yaml, join(tmp, 'slipway.yaml'), {}, tmp);
  store = await SqliteStore.open(config.store.dataDir);
  const seedStarted = performance.now();
  const seeded = await seed(store, envs, perEnv);
  const seedMs = performance.now() - seedStarted;
  say(`seeded ${seeded.environments} environments with ${seeded.deployments} deployments in ${(seedMs / 1000).toFixed(1)} s`);

  // Every store call slipway makes is counted and timed, so that what one board request costs the store is known.
  const calls = new Map();
  let storeMs = 0;
  const counted = new Proxy(store, {
    get(target, name) {
      const value = target[name];
      if (typeof value !== 'function') return value;
      return (...args) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        const started = performance.now();
        const answer = value.apply(target, args);
        return answer instanceof Promise ? answer.finally(() => { storeMs += performance.now() - started; }) : answer;
      };
    },
  });
  const apiToken = randomBytes(32).toString('hex');
  const log = createLogger({ level: 'warn', pretty: false, destination: process.stderr });
  service = await startService({ config, store: counted, log, secrets: [randomBytes(16).toString('hex')], apiToken, port: 0, host: '127.0.0.1', routerPort: 0 });
  const headers = { authorization: `Bearer ${apiToken}` };
  const port = Number(new URL(service.url).port);

  const board = await get(port, '/', headers);
  const api = await get(port, '/api/environments', headers);
  if (board.status !== 200 || api.status !== 200) throw new Error(`GET / answered ${board.status}, GET /api/environments ${api.status}`);
  const cards = (board.body.match(/<li class="card /g) ?? []).length;
  const listed = JSON.parse(api.body).environments.length;
  if (cards !== seeded.environments || listed !== seeded.environments) throw new Error(`the board shows ${cards} cards and the API lists ${listed}, of ${seeded.environments}`);

  for (let i = 0; i < WARM_UP; i++) {
    await get(port, '/', headers);
    await get(port, '/api/environments', headers);
  }
  calls.clear();
  storeMs = 0;
  const counting = await get(port, '/', headers);
  const reads = { calls: Object.fromEntries(calls), ms: storeMs, requestMs: counting.ms };
  const samples = { board: [], api: [] };
  for (let i = 0; i < runs; i++) {
    // Alternating, so that both share whatever else the machine does meanwhile.
    samples.board.push((await get(port, '/', headers)).ms);
    samples.api.push((await get(port, '/api/environments', headers)).ms);
  }
  const figures = { board: summarize(samples.board), api: summarize(samples.api) };
  const browser = opts.browser ? await inBrowser(service.url, apiToken, Math.min(runs, 10)) : null;
  return {
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version },
    seeded: { ...seeded, seconds: seedMs / 1000 },
    runs,
    bytes: { board: Buffer.byteLength(board.body), api: Buffer.byteLength(api.body) },
    /** One GET / after the warm-up: the store calls it made, the time they took, and the whole request's. */
    storeInBoardRequest: reads,
    board: figures.board,
    api: figures.api,
    ratio: figures.board.median / figures.api.median,
    goal: { medianUnderMs: GOAL_MS, met: figures.board.median < GOAL_MS },
    browser,
    samples,
  };
}

/**
 * The board's loads in Chromium against the board filtered to one environment, and live updates:
 * each one an extension of web/pr-2's TTL through the JSON API, as a person would make it.
 */
async function inBrowser(url, token, runs) {
  const { measureInBrowser } = await import('./browser-figures.mjs');
  const change = async () => {
    const answer = await fetch(`${url}/api/environments/web/pr-2/extend`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ by: '1h' }),
    });
    if (answer.status !== 200) throw new Error(`extending web/pr-2 answered ${answer.status}: ${await answer.text()}`);
  };
  const raw = await measureInBrowser({ url, token, runs, filteredPath: '/?app=web&q=production', change });
  const pick = (loads, key) => summarize(loads.map((load) => load[key]));
  return {
    runs,
    board: { load: pick(raw.loads.board, 'total'), afterResponse: pick(raw.loads.board, 'afterResponse') },
    filtered: { load: pick(raw.loads.filtered, 'total'), afterResponse: pick(raw.loads.filtered, 'afterResponse') },
    update: summarize(raw.updates),
    longestTask: summarize(raw.longestTask),
    raw,
  };
}

/**
 * `count` environments shared out between the apps (per app: production, staging, a third of the
 * rest branch environments, the others previews), each with `perEnv` finished deployments (mostly
 * successes; staging 20 times as many, a long history), written as the reconciler writes them:
 * holding the environment's lease. Environments are seeded concurrently: the store commits
 * together what arrives together.
 */
async function seed(store, count, perEnv) {
  const specs = [];
  for (let i = 0; specs.length < count; i++) {
    const app = APPS[i % APPS.length];
    const n = Math.floor(i / APPS.length);
    if (n === 0) specs.push({ app, name: 'production', ref: 'refs/tags/v1.0.0', rule: 'production', pr: null, branch: null, ttlMs: null, history: perEnv });
    else if (n === 1) specs.push({ app, name: 'staging', ref: 'refs/heads/main', rule: 'staging', pr: null, branch: 'main', ttlMs: null, history: perEnv * 20 });
    else if (n % 3 === 0) specs.push({ app, name: `br-feature-${n}`, ref: `refs/heads/feature/${n}`, rule: 'br-{branch}', pr: null, branch: `feature/${n}`, ttlMs: 7 * 86_400_000, history: perEnv });
    else specs.push({ app, name: `pr-${n}`, ref: `refs/pull/${n}/head`, rule: 'pr-{number}', pr: n, branch: `topic-${n}`, ttlMs: 7 * 86_400_000, history: perEnv });
  }
  await store.changeEnvironments(specs.map((s) => ({
    kind: 'follow', app: s.app, env: s.name, ref: s.ref, shaHint: null, pr: s.pr, branch: s.branch, ttlMs: s.ttlMs, trigger: 'bench', rule: s.rule,
  })), 'bench');
  let deployments = 0;
  await Promise.all(specs.map(async (spec, index) => {
    const env = await store.getEnvironment(spec.app, spec.name);
    const lease = `env:${env.id}`;
    const fence = { lease, token: await store.acquireLease(lease, 'bench', 600_000) };
    for (let k = 0; k < spec.history; k++) {
      const sha = randomBytes(20).toString('hex');
      const state = (k + index) % 7 === 3 ? 'failure' : 'success';
      const begun = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha, ref: spec.ref, trigger: 'bench', deliveryId: null, fence });
      const url = `http://${spec.name}.${spec.app}.localhost:8080/`;
      await store.completeDeployment({ id: begun.id, state, error: state === 'success' ? null : 'deploy command exited with code 1', log: '', url, fence });
      deployments++;
    }
    await store.releaseLease(lease, 'bench');
  }));
  return { environments: specs.length, deployments };
}

/** One GET over a fresh connection; { status, body, ms } (ms: request sent to the whole answer read). */
function get(port, path, headers) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to GET ${path} within 30 s`)));
    req.on('error', reject);
    req.end();
  });
}

function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { n: sorted.length, median: at(50), p95: at(95), min: sorted[0], max: sorted.at(-1) };
}

function print(result) {
  const ms = (value) => value.toFixed(1).padStart(7);
  const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  say(`${result.machine.cores} cores (${result.machine.cpu}), node ${result.machine.node}; ${result.runs} requests of each kind after ${WARM_UP} to warm up`);
  const reads = result.storeInBoardRequest;
  // Background work (the dispatcher, sweeps) calls the store too; it would show here by name.
  say(`store calls during one GET /: ${Object.entries(reads.calls).map(([name, n]) => `${name} ${n}`).join(', ')}; ` +
    `${reads.ms.toFixed(1)} ms in the store of the request's ${reads.requestMs.toFixed(1)} ms`);
  say();
  say('request                  median ms   p95 ms   min ms   max ms   size');
  say(`GET /  (board)           ${ms(result.board.median)}  ${ms(result.board.p95)}  ${ms(result.board.min)}  ${ms(result.board.max)}   ${kb(result.bytes.board)}`);
  say(`GET /api/environments    ${ms(result.api.median)}  ${ms(result.api.p95)}  ${ms(result.api.min)}  ${ms(result.api.max)}   ${kb(result.bytes.api)}`);
  say();
  say(`board / api (medians): ${result.ratio.toFixed(2)}x`);
  say(`goal: the board's median under ${GOAL_MS} ms with ${result.seeded.environments} environments: ${result.goal.met ? 'MET' : 'NOT MET'}`);
  const seen = result.browser;
  if (seen === null) return;
  say();
  say(`In Chromium, ${seen.runs} of each (median / p95 ms):`);
  say(`load of the board                ${ms(seen.board.load.median)} / ${ms(seen.board.load.p95)}   after its last byte: ${ms(seen.board.afterResponse.median)} / ${ms(seen.board.afterResponse.p95)}`);
  say(`load filtered to 1 environment   ${ms(seen.filtered.load.median)} / ${ms(seen.filtered.load.p95)}   after its last byte: ${ms(seen.filtered.afterResponse.median)} / ${ms(seen.filtered.afterResponse.p95)}`);
  say(`board / filtered (load medians): ${(seen.board.load.median / seen.filtered.load.median).toFixed(2)}x`);
  say(`live update, change to new board on screen ${ms(seen.update.median)} / ${ms(seen.update.p95)}; longest main-thread task meanwhile ${ms(seen.longestTask.median)} / ${ms(seen.longestTask.p95)}`);
}
