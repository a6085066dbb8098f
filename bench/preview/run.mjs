#!/usr/bin/env node
// Preview benchmark: from a pull_request webhook's 202 to the preview URL answering 200 with
// that head's page, for `opened` and `synchronize`, with the process target and the docker
// target side by side, each against its bare app started by hand. See bench/README.md.
//
//   node bench/preview/run.mjs [--target process|docker|both] [--runs N] [--json]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killAll } from '../ingest/procs.mjs';
import { git } from '../latency/origin.mjs';
import { checkout, coldStart, dockerColdStart, removeCheckout } from './baseline.mjs';
import { PORT, TARGET, baseHelperMissing, baseImage, dependencyCached, dockerApp, dockerSplit, findEngine, instanceOf, removeMade } from './docker.mjs';
import { pullRequest } from './pull-request.mjs';
import { cpuSince, cpuStart, print, summarize } from './report.mjs';
import { APP, BUILT, histogram, processRecord, startSlipway } from './slipway.mjs';

const TIMEOUT_MS = 30_000; // a preview must answer within this, or the run fails
const WARM_UP_TIMEOUT_MS = 300_000; // the docker warm-up builds the dependency layer
const POLL_MS = 5; // how often the preview (and the bare app) is asked for its page
const DEFAULT_RUNS = { process: 20, docker: 10 };
const WARM_UP_PR = 1000; // the docker warm-up's pull request, apart from the measured 1..N
const TARGETS = ['process', 'docker', 'both'];

const { values: opts } = parseArgs({
  options: {
    target: { type: 'string', default: 'both' },
    runs: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node bench/preview/run.mjs [--target process|docker|both] [--runs N] [--json]
  --target T  which target's previews to measure (default both, one after the other in this run)
  --runs N    pull requests per target, one at a time (default 20 for process, 10 for docker)
  --json      print the result as JSON only`);
  process.exit(0);
}
if (!TARGETS.includes(opts.target)) {
  console.error(`--target must be one of: ${TARGETS.join(', ')}`);
  process.exit(2);
}
const runsOf = (target) => (opts.runs === undefined ? DEFAULT_RUNS[target] : Number(opts.runs));
if (opts.runs !== undefined && (!Number.isInteger(Number(opts.runs)) || Number(opts.runs) < 1)) {
  console.error('--runs must be a whole number >= 1');
  process.exit(2);
}
if (!BUILT) {
  console.error('dist/ not found: build slipway first (npm run build)');
  process.exit(1);
}
const say = opts.json ? () => {} : (line = '') => console.log(line);

let targets = opts.target === 'both' ? ['process', 'docker'] : [opts.target];
const skipped = {};
let engine = null;
if (targets.includes('docker')) {
  engine = await findEngine();
  if (engine.docker === null) {
    if (opts.target === 'docker') {
      console.error(`cannot measure the docker target: ${engine.reason}`);
      process.exit(1);
    }
    skipped.docker = engine.reason;
    targets = ['process'];
  } else if (baseHelperMissing() !== null) {
    console.error(`cannot measure the docker target: ${baseHelperMissing()}`);
    process.exit(1);
  }
}

// Cleanup on every way out: slipway closed (the process target stops its previews; containers
// outlive it), what the run made on the Docker Engine removed, the bare app killed, the temp folder removed.
const run = randomBytes(4).toString('hex'); // in the docker commits' messages and the bare images' names
const made = { instance: null, shas: new Set(), bareLabel: `dev.slipway-bench.run=${run}`, bareRepo: `slipway-bench/preview-${run}` };
const tmp = mkdtempSync(join(tmpdir(), 'slipway-preview-'));
let slipway = null;
let interrupted = false;
const stopping = new AbortController(); // stops a bare docker build under way
process.on('exit', () => {
  killAll('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    interrupted = true;
    stopping.abort();
    console.error(`\n${sig}: stopping slipway, removing what it made and ${tmp}`);
    await cleanUp();
    process.exit(130);
  });
}

async function cleanUp() {
  await slipway?.close().catch((error) => console.error(`closing slipway: ${error.message}`));
  slipway = null;
  if (engine?.docker && (made.instance !== null || made.shas.size > 0)) {
    const done = await removeMade(engine.docker, made).catch((error) => ({ containers: 0, images: 0, failed: [error.message] }));
    const line = `removed from the Docker Engine: ${done.containers} containers, ${done.images} images`;
    if (opts.json) console.error(line);
    else say(`\n${line}`);
    for (const failure of done.failed) console.error(`  could not remove ${failure}`);
  }
}

const machine = {
  cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version,
  git: (await git(tmp, ['--version'])).replace('git version ', ''), docker: engine?.version ?? null,
};
say(`slipway preview bench: ${targets.map((t) => `${t} ${runsOf(t)} pull requests`).join(', ')} (opened, synchronize, closed), polling every ${POLL_MS} ms; ` +
  `${machine.cores} cores, node ${machine.node}, git ${machine.git}${machine.docker ? `, Docker Engine ${machine.docker} at ${engine.where}` : ''}`);
if (skipped.docker) say(`docker target skipped: ${skipped.docker}`);

const results = {};
try {
  for (const target of targets) results[target] = target === 'process' ? await measureProcess(runsOf(target)) : await measureDocker(runsOf(target));
} catch (err) {
  if (interrupted) await new Promise(() => {}); // the signal handler exits
  console.error(`FAILED: ${err.message}`);
  process.exitCode = 1;
} finally {
  if (!interrupted) await cleanUp();
}
if (process.exitCode !== 1) {
  const result = { pollMs: POLL_MS, machine, targets: Object.fromEntries(Object.entries(results).map(([t, m]) => [t, summarize(t, m)])), skipped };
  if (results.process && results.docker) {
    const { process: p, docker: d } = result.targets;
    result.dockerToProcess = { opened: d.opened.median / p.opened.median, synchronize: d.synchronize.median / p.synchronize.median };
  }
  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else print(result, say, POLL_MS);
}
process.exit();

// ---------------------------------------------------------------------------------------

/**
 * Per pull request i: opened (timed), the bare app from a checkout of that commit while
 * slipway is idle, synchronize (timed), closed (waited for).
 */
async function measure(target, runs, { bare, split, onCommit }) {
  const samples = { opened: [], synchronize: [], baseline: [] };
  const metric = await histogram(slipway.service.url, 'slipway_webhook_to_deploy_start_seconds', slipway.apiHeaders);
  const cpu = cpuStart(target === 'docker');
  for (let i = 1; i <= runs; i++) {
    const pr = pullRequest(slipway, i, { pollMs: POLL_MS, timeoutMs: TIMEOUT_MS, split, metric, onCommit });
    const opened = await pr.commit('open');
    samples.opened.push(await pr.send('opened', opened));
    const dir = join(tmp, `bare-${target}-${i}`);
    await checkout(slipway.repo.dir, opened.sha, dir);
    samples.baseline.push(await bare(dir, opened.version, i));
    await removeCheckout(slipway.repo.dir, dir);
    samples.synchronize.push(await pr.send('synchronize', await pr.commit('sync')));
    await pr.close();
    const last = (key) => samples[key].at(-1).ms.toFixed(0).padStart(5);
    say(`${target} PR #${String(i).padStart(2)}: opened ${last('opened')} ms, synchronize ${last('synchronize')} ms, bare app ${last('baseline')} ms`);
  }
  return { runs, samples, cpu: cpuSince(cpu) };
}

async function measureProcess(runs) {
  slipway = await startSlipway(join(tmp, 'process'));
  say(`\nprocess target: slipway at ${slipway.service.url}, previews at http://pr-<n>.${APP}.localhost:${slipway.routerPort}/`);
  const { dataDir } = slipway;
  const measured = await measure('process', runs, {
    bare: (dir, version) => coldStart(dir, version, POLL_MS),
    split: (env, sha, ackAt, t1) => {
      const spawnAt = processRecord(dataDir, env)?.current?.startedAt ?? null;
      return { toSpawn: spawnAt === null ? null : spawnAt - ackAt, spawnToPage: spawnAt === null ? null : t1 - spawnAt };
    },
  });
  await slipway.close();
  slipway = null;
  return { ...measured, firstOpenedMs: measured.samples.opened[0].ms };
}

async function measureDocker(runs) {
  const { docker } = engine;
  const base = await baseImage(docker);
  const { appFiles, extraFiles } = await dockerApp(base);
  const onCommit = (sha) => made.shas.add(sha);
  slipway = await startSlipway(join(tmp, 'docker'), { target: TARGET, appFiles, extraFiles, message: (text) => `${text} (bench run ${run})` });
  onCommit(slipway.main);
  made.instance = instanceOf(slipway.dataDir);
  say(`\ndocker target: slipway at ${slipway.service.url}, previews at http://pr-<n>.${APP}.localhost:${slipway.routerPort}/, ` +
    `images FROM ${base}, containers labelled dev.slipway.instance=${made.instance}`);
  const { store } = slipway;
  const split = async (env, sha, ackAt, t1) => ({ ...(await dockerSplit(docker, made.instance, env, sha, ackAt, t1)), depsCached: await dependencyCached(store, env) });
  // Untimed for the figures: a cold build of the dependency layer, and slipway's git mirror.
  const metric = await histogram(slipway.service.url, 'slipway_webhook_to_deploy_start_seconds', slipway.apiHeaders);
  const warm = pullRequest(slipway, WARM_UP_PR, { pollMs: POLL_MS, timeoutMs: WARM_UP_TIMEOUT_MS, split, metric, onCommit });
  const warmUp = { number: WARM_UP_PR, ...(await warm.send('opened', await warm.commit('warm-up'))) };
  say(`docker warm-up: PR #${WARM_UP_PR} opened in ${warmUp.ms.toFixed(0)} ms (dependency layer built); it stays open, not measured`);
  // The bare app gets a version of its own, so that its `COPY . .` is not the layer slipway just built for the same commit.
  const bare = (dir, version, i) => {
    const own = `${version}-bare`;
    writeFileSync(join(dir, 'version.json'), `${JSON.stringify({ version: own, message: 'bare' })}\n`);
    return dockerColdStart(docker, dir, own, { everyMs: POLL_MS, port: PORT, tag: `${made.bareRepo}:${i}`, labels: { 'dev.slipway-bench.run': run }, signal: stopping.signal });
  };
  const measured = await measure('docker', runs, { bare, split, onCommit });
  return { ...measured, warmUp };
}
