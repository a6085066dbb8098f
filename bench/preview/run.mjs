#!/usr/bin/env node
// Preview benchmark: from a pull_request webhook's 202 to the preview URL answering 200 with
// that head's page, for `opened` and `synchronize`, against the bare app's cold start. See
// bench/README.md.
//
//   node bench/preview/run.mjs [--runs 20] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostTicks, procTicks } from '../cpu.mjs';
import { killAll } from '../ingest/procs.mjs';
import { git } from '../latency/origin.mjs';
import { checkout, coldStart, removeCheckout } from './baseline.mjs';
import { APP, BUILT, REPO, deliver, histogram, processRecord, startSlipway, waitForVersion } from './slipway.mjs';

const GOAL_MS = 1000;
const TIMEOUT_MS = 30_000; // a preview must answer within this, or the run fails
const POLL_MS = 5; // how often the preview (and the bare app) is asked for its page
const METRIC = 'slipway_webhook_to_deploy_start_seconds';
const NOISY_OTHER_CPU = 40; // % of a core used by other processes on the host during the run: a busy neighbour

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node bench/preview/run.mjs [--runs N] [--json]
  --runs N  pull requests opened, synchronized and closed, one at a time (default 20)
  --json    print the result as JSON only`);
  process.exit(0);
}
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs must be a whole number >= 1');
  process.exit(2);
}
if (!BUILT) {
  console.error('dist/ not found: build slipway first (npm run build)');
  process.exit(1);
}
const say = opts.json ? () => {} : (line = '') => console.log(line);

// Cleanup on every way out: slipway closed (it stops the previews), the bare app killed, the temp folder removed.
const tmp = mkdtempSync(join(tmpdir(), 'slipway-preview-'));
let slipway = null;
let interrupted = false;
process.on('exit', () => {
  killAll('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    interrupted = true;
    console.error(`\n${sig}: stopping slipway, removing ${tmp}`);
    await slipway?.close().catch(() => {});
    process.exit(130);
  });
}

const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, git: (await git(tmp, ['--version'])).replace('git version ', '') };
say(`slipway preview bench: ${runs} pull requests (opened, synchronize, closed), polling every ${POLL_MS} ms; ` +
  `${machine.cores} cores, node ${machine.node}, git ${machine.git}`);
const samples = { opened: [], synchronize: [], baseline: [] };
let metric = null; // slipway's METRIC as last read: each measured deployment adds one observation
const cpuStart = { self: procTicks(process.pid), host: hostTicks(), at: Date.now() };
let cpu = null;
try {
  slipway = await startSlipway(join(tmp, 'slipway'));
  say(`slipway at ${slipway.service.url}, router at ${slipway.service.routerUrl}; previews at http://pr-<n>.${APP}.localhost:${slipway.routerPort}/\n`);
  metric = await histogram(slipway.service.url, METRIC, slipway.apiHeaders);
  for (let i = 1; i <= runs; i++) {
    const pr = pullRequest(i);
    const opened = await pr.commit('open');
    samples.opened.push(await pr.send('opened', opened));
    // The bare app, from a checkout of the same commit, while slipway is idle.
    const bare = join(tmp, `bare-${i}`);
    await checkout(slipway.repo.dir, opened.sha, bare);
    samples.baseline.push(await coldStart(bare, opened.version, POLL_MS));
    await removeCheckout(slipway.repo.dir, bare);
    samples.synchronize.push(await pr.send('synchronize', await pr.commit('sync')));
    await pr.close();
    const last = (key) => samples[key].at(-1).ms.toFixed(0).padStart(5);
    say(`PR #${String(i).padStart(2)}: opened ${last('opened')} ms, synchronize ${last('synchronize')} ms, bare app ${last('baseline')} ms`);
  }
  cpu = cpuSince(cpuStart);
} catch (err) {
  if (interrupted) await new Promise(() => {}); // the signal handler exits
  console.error(`FAILED: ${err.message}`);
  process.exitCode = 1;
} finally {
  await slipway?.close();
}
if (process.exitCode !== 1) report();
process.exit();

// ---------------------------------------------------------------------------------------

/** Pull request #i from branch feature/i: commits on it, and the webhooks GitHub would send. */
function pullRequest(i) {
  const { repo, main, store, service, secret, routerPort, dataDir, sampleAppFiles, pullRequestWebhook } = slipway;
  const env = `pr-${i}`;
  const branch = `feature/${i}`;
  const host = `${env}.${APP}.localhost:${routerPort}`;
  let head = null;
  let updatedAt = 0;
  const webhook = (action) => {
    updatedAt = Math.max(Date.now(), updatedAt + 1); // slipway drops an event older than the last one
    return pullRequestWebhook({ fullName: REPO, cloneUrl: repo.url }, {
      action, number: i, title: `bench #${i}`, head: { branch, sha: head.sha }, base: { branch: 'main', sha: main }, updatedAt: new Date(updatedAt),
    });
  };
  const envState = async () => {
    const e = await store.getEnvironment(APP, env);
    if (e === null) return 'does not exist';
    const [last] = await store.listDeployments(e.id, 1);
    const deployment = last ? `; last deployment #${last.id} ${last.state}${last.error ? `: ${last.error}` : ''}` : '';
    return `is ${e.state} at ${e.observedSha?.slice(0, 12) ?? '-'} (generation ${e.observedGeneration}/${e.generation})${deployment}`;
  };
  const until = async (check, what) => {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const e = await store.getEnvironment(APP, env);
      if (e !== null && e.generation === e.observedGeneration && check(e)) return;
      if (Date.now() > deadline) throw new Error(`${APP}/${env} was not ${what} within ${TIMEOUT_MS / 1000} s: it ${await envState()}`);
      await sleep(POLL_MS);
    }
  };
  return {
    /** A new head for the pull request, with a version of its own; refs/pull/i/head follows it. */
    async commit(tag) {
      const version = `${i}.0.0-${tag}`;
      const sha = await repo.commit(branch, sampleAppFiles({ version, message: `PR #${i} ${tag}` }), `PR #${i}: ${tag}`);
      await repo.setRef(`refs/pull/${i}/head`, sha);
      head = { sha, version };
      return head;
    },
    /** Sends `action`, times 202 -> page of `version` at the router, then waits until slipway is done with it. */
    async send(action, { sha, version }) {
      const ack = await deliver(service.url, secret, webhook(action));
      if (ack.status !== 202) throw new Error(`PR #${i} ${action}: slipway answered HTTP ${ack.status}, expected 202: ${ack.text.slice(0, 300)}`);
      const t1 = await waitForVersion(routerPort, host, version, { everyMs: POLL_MS, timeoutMs: TIMEOUT_MS, what: `the preview of PR #${i} (${action}) at http://${host}/` })
        .catch(async (err) => {
          throw new Error(`${err.message}; ${APP}/${env} ${await envState()}`);
        });
      // Not timed: the deployment finishes (the replaced release is stopped) before the next step.
      await until((e) => e.state === 'ready' && e.observedSha === sha, `ready at ${sha.slice(0, 12)}`);
      // Where the time went: slipway's metric (delivery received -> target starts), and when the
      // process target spawned the app (its record, epoch ms). Read after the clock stopped.
      const now = await histogram(service.url, METRIC, slipway.apiHeaders);
      const toApply = now.count === metric.count + 1 ? (now.sum - metric.sum) * 1000 : null;
      metric = now;
      const spawnAt = processRecord(dataDir, env)?.current?.startedAt ?? null;
      return { ms: t1 - ack.ackAt, toApply, toSpawn: spawnAt === null ? null : spawnAt - ack.ackAt, spawnToPage: spawnAt === null ? null : t1 - spawnAt };
    },
    /** Closes the pull request and waits until its preview is destroyed (not timed). */
    async close() {
      const ack = await deliver(service.url, secret, webhook('closed'));
      if (ack.status !== 202) throw new Error(`PR #${i} closed: slipway answered HTTP ${ack.status}, expected 202`);
      await until((e) => e.state === 'destroyed', 'destroyed');
    },
  };
}

/**
 * CPU since `start` in % of one core: this process with its reaped children (slipway runs in
 * it; git, the previews and the bare app are its children) and `other`, the rest of the host.
 */
function cpuSince(start) {
  const host = hostTicks();
  const seconds = (Date.now() - start.at) / 1000;
  const ours = ((procTicks(process.pid) - start.self) / 100 / seconds) * 100;
  const busy = ((host.busy - start.host.busy) / (host.total - start.host.total || 1)) * host.cores * 100;
  return { seconds, ours, other: Math.max(0, busy - ours), noisy: busy - ours > NOISY_OTHER_CPU };
}

function pct(values, p) {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function report() {
  const stats = (list, key = 'ms') => {
    const values = list.map((s) => s[key]);
    return { n: values.filter((v) => v !== null).length, median: pct(values, 50), p90: pct(values, 90), max: pct(values, 100) };
  };
  const opened = stats(samples.opened);
  const synchronize = stats(samples.synchronize);
  const baseline = stats(samples.baseline);
  const split = (list) => Object.fromEntries(['toSpawn', 'toApply', 'spawnToPage'].map((key) => [key, stats(list, key).median]));
  const result = {
    runs, pollMs: POLL_MS, machine, cpu, opened, synchronize, baseline,
    firstOpenedMs: samples.opened[0].ms,
    ratio: { opened: opened.median / baseline.median, synchronize: synchronize.median / baseline.median },
    overheadMs: { opened: opened.median - baseline.median, synchronize: synchronize.median - baseline.median },
    split: { opened: split(samples.opened), synchronize: split(samples.synchronize), baseline: { spawnToPage: stats(samples.baseline, 'spawnToPage').median } },
    goal: { ms: GOAL_MS, met: opened.median < GOAL_MS && synchronize.median < GOAL_MS },
    samples,
  };
  if (opts.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const f = (v) => (v === null ? '-' : v.toFixed(1));
  const rows = [
    ['measure (ms)', 'n', 'median', 'p90', 'max'],
    ...[['opened: 202 -> preview 200', opened], ['synchronize: 202 -> new page 200', synchronize], ['baseline: spawn bare app -> 200', baseline]]
      .map(([name, s]) => [name, s.n, f(s.median), f(s.p90), f(s.max)]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  say();
  for (const [n, r] of rows.entries()) {
    say(r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  '));
    if (n === 0) say(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  say(`\nfirst opened (slipway's git mirror created): ${f(result.firstOpenedMs)} ms`);
  for (const key of ['opened', 'synchronize']) {
    say(`${key}: ${result.ratio[key].toFixed(2)}x the bare app's cold start, overhead ${f(result.overheadMs[key])} ms (median - median)`);
  }
  say('\nwhere the time goes (medians, ms):');
  for (const key of ['opened', 'synchronize']) {
    const s = result.split[key];
    say(`  ${key.padEnd(11)}  202 -> app spawned ${f(s.toSpawn)} (slipway's own ${METRIC}: ${f(s.toApply)}),` +
      ` app spawned -> page 200 ${f(s.spawnToPage)}`);
  }
  say(`  baseline     spawn() -> 'spawn' event ${f(baseline.median - result.split.baseline.spawnToPage)}, app spawned -> page 200 ${f(result.split.baseline.spawnToPage)}`);
  say(`  "app spawned" is the process target's record of the release (startedAt, integer ms). Before it: dispatch, reconciler,`);
  say('  git ls-remote, fetch and worktree add, manifest, free port. After it: the app starting, the health checks, the route');
  say(`  switch and this script's ${POLL_MS} ms poll. The metric runs from the delivery's receipt (before its 202) to the target's start.`);
  say(`\nCPU over ${cpu.seconds.toFixed(1)} s, % of one core: this script with slipway, git and the apps ${cpu.ours.toFixed(0)}, ` +
    `other processes ${cpu.other.toFixed(0)}${cpu.noisy ? '  !!! NOISY: something else was running; rerun' : ''}`);
  say(`\n${result.goal.met ? 'MET    ' : 'NOT MET'}  preview answers in < ${GOAL_MS} ms (median): opened ${f(opened.median)} ms, synchronize ${f(synchronize.median)} ms`);
}
