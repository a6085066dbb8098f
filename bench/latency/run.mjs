#!/usr/bin/env node
// Latency benchmark: webhook 202 -> deploy command start over sequential pushes to main,
// and the time to bring N branch environments from nothing to ready. See bench/README.md.
//
//   node bench/latency/run.mjs [--pushes 200] [--environments 500] [--warmup 3]
//                              [--senders 4] [--concurrency 16] [--limit 300] [--gap 100] [--distinct]
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hostTicks, procTicks } from '../cpu.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { killAll, stopServer } from '../ingest/procs.mjs';
import { commitToMain, createBranches, createDistinctBranches, createOrigin, git } from './origin.mjs';
import {
  MAIN_JS, closeConnections, createPayload, environmentReader, nowMs, pushPayload, sendWebhook,
  startSlipway, storeTimes,
} from './slipway.mjs';

const GOAL_P50_MS = 50;
const GOAL_ENVS_S = 60;
const STEP_TIMEOUT_MS = 30_000; // one push: its deploy must start, and finish, within this
const NOISY_OTHER_CPU = 40; // % of a core used outside slipway and this script: a busy neighbour
const POLL_MS = 1; // how often the deploy record file is read while waiting (the time is the command's own)

const { values: opts } = parseArgs({
  options: {
    pushes: { type: 'string', default: '200' },
    environments: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '3' },
    senders: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '16' },
    gap: { type: 'string', default: '100' },
    distinct: { type: 'boolean', default: false },
    limit: { type: 'string', default: '300' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node bench/latency/run.mjs [--pushes N] [--environments N] [--warmup N]
                                   [--senders N] [--concurrency N] [--limit S] [--gap MS] [--distinct]
  --pushes N        measured pushes to main, one at a time (default 200; 0 skips)
  --environments N  branch environments created at once (default 500; 0 skips)
  --warmup N        unmeasured pushes before the measured ones (default 3; the first is cold)
  --senders N       create webhooks in flight at once (default 4)
  --concurrency N   slipway's engine.concurrency (default 16)
  --limit S         give up on the environments after S seconds (default 300)
  --gap MS          pause between a push's environment being ready and the next push (default 100)
  --distinct        each branch gets a commit of its own (slipway fetches per environment)`);
  process.exit(0);
}
const pushes = Number(opts.pushes);
const envCount = Number(opts.environments);
const warmup = Number(opts.warmup);
const senders = Number(opts.senders);
const concurrency = Number(opts.concurrency);
const limitS = Number(opts.limit);
const gapMs = Number(opts.gap);
if (![pushes, envCount, warmup].every((n) => Number.isInteger(n) && n >= 0)
  || !(Number.isInteger(senders) && senders > 0) || !(Number.isInteger(concurrency) && concurrency > 0) || !(limitS > 0) || !(gapMs >= 0)) {
  console.error('bad flags: counts are whole numbers (pushes, environments, warmup >= 0; senders, concurrency > 0), --limit > 0, --gap >= 0');
  process.exit(2);
}
if (!existsSync(MAIN_JS)) {
  console.error(`${MAIN_JS} not found: build slipway first (npm run build)`);
  process.exit(1);
}

// Cleanup on every way out: slipway and git stopped, the temp folder removed.
const tmp = mkdtempSync(join(tmpdir(), 'slipway-latency-'));
// mkdtemp makes it 0700; run as root, slipway runs the deploy command as nobody, which must
// reach the starts file (and its worktree, in the work folder below) through it.
chmodSync(tmp, 0o755);
let current = null; // the running slipway
let interrupted = false;
process.on('exit', () => {
  killAll('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping slipway, removing ${tmp}`);
    // SIGTERM lets slipway cancel its deploy commands; the exit handler kills what is left.
    if (current) await stopServer(current.child, 3000).catch(() => {});
    process.exit(130);
  });
}

const secret = randomBytes(20).toString('hex');
console.log(`slipway latency bench: ${pushes} pushes (+${warmup} warm-up), ${envCount} environments; ` +
  `engine.concurrency ${concurrency}; ${cpus().length} cores, node ${process.version}, git ${(await git(tmp, ['--version'])).replace('git version ', '')}`);
const origin = await createOrigin(join(tmp, 'origin'));
// How fast this machine runs git right now: slipway's path is a chain of git processes,
// some of them writing files, so these explain much of the difference between two runs.
const spawnMs = [];
const worktreeMs = [];
for (let i = 0; i < 30; i++) {
  let t = nowMs();
  await git(origin.dir, ['cat-file', '-e', `${origin.sha}^{commit}`]);
  spawnMs.push(nowMs() - t);
  if (i % 3 !== 0) continue;
  t = nowMs();
  await git(origin.dir, ['worktree', 'add', '--detach', '--quiet', join(tmp, 'probe'), origin.sha]);
  worktreeMs.push(nowMs() - t);
  await git(origin.dir, ['worktree', 'remove', '--force', join(tmp, 'probe')]);
}
console.log(`baseline: \`git cat-file -e\` ${pct(spawnMs, 50).toFixed(1)} ms, ` +
  `\`git worktree add\` of the app ${pct(worktreeMs, 50).toFixed(1)} ms (p50, run from node)`);

const results = {};
try {
  if (pushes > 0) results.pushes = await measurePushes();
  if (envCount > 0) results.envs = await measureEnvironments();
} catch (err) {
  if (interrupted) await new Promise(() => {}); // the signal handler exits
  console.error(`FAILED: ${err.stack ?? err.message}`);
  if (current) console.error(`slipway output (last 8 KB):\n${current.child.output}`);
  process.exitCode = 1;
} finally {
  if (current) await stopServer(current.child);
  closeConnections();
}
report(results);

// ---------------------------------------------------------------------------------------

/** Pushes to main one at a time; each waits for its deploy to start and staging to be ready at it. */
async function measurePushes() {
  console.log(`\n== 1. webhook 202 -> deploy command start, ${pushes} pushes to main, one at a time`);
  const dir = join(tmp, 'pushes');
  mkdirSync(dir);
  const starts = startsLog(join(dir, 'starts.log'));
  current = await startSlipway({ dir, secret, originUrl: origin.url, startsFile: starts.file, concurrency });
  const server = current;
  const reader = await environmentReader(server);
  console.log(`slipway pid ${server.child.pid} on ${server.base}; environment states from ${reader.via}`);
  const cpuStart = cpuMark(server.child.pid);

  const samples = [];
  const every = []; // warm-up included, to compare with slipway's own metric
  let before = origin.sha;
  for (let i = 1; i <= warmup + pushes; i++) {
    const sha = await commitToMain(origin.dir, i);
    const ack = await sendWebhook(server.base, secret, 'push', pushPayload(before, sha, i));
    if (ack.status !== 202) throw new Error(`push ${i}: slipway answered HTTP ${ack.status}, expected 202`);
    const start = await starts.waitFor('staging', sha, STEP_TIMEOUT_MS);
    const readyAt = await waitUntil(async () => {
      const env = (await reader.read()).find((e) => e.name === 'staging');
      return env?.state === 'ready' && env.sha === sha;
    }, STEP_TIMEOUT_MS, 2, `staging ready at ${sha.slice(0, 12)} (push ${i})`);
    const sample = { i, sha, id: ack.id, ackMs: ack.ackAt - ack.sentAt, ackAt: ack.ackAt, startAt: start, readyAt, latency: start - ack.ackAt };
    if (i === 1) console.log(`cold first push (environment created, mirror cloned): ${sample.latency.toFixed(1)} ms to deploy start`);
    every.push(sample.latency);
    if (i > warmup) samples.push(sample);
    if (i > warmup && (i - warmup) % 50 === 0) {
      console.log(`  ${i - warmup}/${pushes}: p50 so far ${pct(samples.map((s) => s.latency), 50).toFixed(1)} ms`);
    }
    before = sha;
    // After ready, slipway still removes the previous worktree: let it finish, so that
    // each push starts on an idle slipway (pushes seconds apart, as people make them).
    if (gapMs > 0) await sleep(gapMs);
  }
  const cpu = cpuSince(cpuStart, server.child.pid);
  reader.close();
  const metric = await histogram(server.base, 'slipway_webhook_to_deploy_start_seconds', server.headers);
  await stopServer(server.child);
  current = null;
  const starts2 = starts.all();
  starts.close();

  // Where the time went, from slipway's own timestamps (integer ms).
  const { byId, deploymentStates, unsuccessful } = storeTimes(server.db);
  const stages = { resolve: [], checkout: [] };
  for (const s of samples) {
    const t = byId.get(s.id);
    if (!t || t.startedAt == null) continue;
    stages.resolve.push(t.startedAt - s.ackAt); // dispatch, reconciler pickup, lease, git ls-remote
    stages.checkout.push(s.startAt - t.startedAt); // fetch into the mirror, worktree, spawn
  }
  const extraStarts = starts2.filter((r) => r.env === 'staging').length - (warmup + pushes);
  return {
    latencies: samples.map((s) => s.latency), ack: samples.map((s) => s.ackMs), toReady: samples.map((s) => s.readyAt - s.ackAt),
    stages, cpu, deploymentStates, unsuccessful, extraStarts,
    metric, everyMean: every.reduce((a, b) => a + b, 0) / every.length, everyCount: every.length,
  };
}

/** N branches at once, N create webhooks, until N environments are ready. */
async function measureEnvironments() {
  console.log(`\n== 2. ${envCount} branch environments from nothing to ready (no-op deploy)`);
  const dir = join(tmp, 'envs');
  mkdirSync(dir);
  const sha = await git(origin.dir, ['rev-parse', 'HEAD']);
  const made = nowMs();
  if (opts.distinct) await createDistinctBranches(origin.dir, 'b/', envCount, sha);
  else await createBranches(origin.dir, 'b/', envCount, sha);
  console.log(`created branches b/0..b/${envCount - 1} ${opts.distinct ? `each with its own commit on ${sha.slice(0, 12)}` : `at ${sha.slice(0, 12)}`} ` +
    `in ${(nowMs() - made).toFixed(0)} ms`);
  const starts = startsLog(join(dir, 'starts.log'));
  current = await startSlipway({ dir, secret, originUrl: origin.url, startsFile: starts.file, concurrency });
  const server = current;
  const reader = await environmentReader(server);
  console.log(`slipway pid ${server.child.pid} on ${server.base}; environment states from ${reader.via}`);
  const cpuStart = cpuMark(server.child.pid);

  const t0 = nowMs();
  let next = 0;
  const acks = [];
  const sending = Array.from({ length: senders }, async () => {
    while (next < envCount) {
      const n = next++;
      const ack = await sendWebhook(server.base, secret, 'create', createPayload(`b/${n}`));
      if (ack.status !== 202) throw new Error(`create b/${n}: slipway answered HTTP ${ack.status}, expected 202`);
      acks.push(ack);
    }
  });
  const sent = Promise.all(sending).then(() => nowMs());

  const milestones = {}; // ready count reached -> seconds since t0
  const marks = [1, Math.ceil(envCount / 4), Math.ceil(envCount / 2), Math.ceil((3 * envCount) / 4), envCount];
  let last = { ready: 0, failed: 0, other: 0 };
  let lastPrint = 0;
  let settled = { key: '', since: 0 };
  const deadline = t0 + limitS * 1000;
  let allSentAt = null;
  let sendError = null;
  sent.then((at) => { allSentAt = at; }, (err) => { sendError = err; });
  for (;;) {
    const envs = (await reader.read()).filter((e) => e.name.startsWith('br-'));
    const ready = envs.filter((e) => e.state === 'ready').length;
    const failed = envs.filter((e) => e.state === 'failed').length;
    last = { ready, failed, other: envs.length - ready - failed };
    const elapsed = (nowMs() - t0) / 1000;
    for (const m of marks) if (ready >= m && milestones[m] === undefined) milestones[m] = elapsed;
    if (elapsed - lastPrint >= 5) {
      lastPrint = elapsed;
      console.log(`  ${elapsed.toFixed(0).padStart(3)} s: ${envs.length} environments, ${ready} ready, ${failed} failed, ${acks.length} webhooks answered`);
    }
    if (ready >= envCount || nowMs() > deadline || sendError) break;
    // Every environment is ready or failed and nothing moved for 10 s: slipway is done trying.
    const key = `${ready}/${failed}/${envs.length}`;
    if (key !== settled.key) settled = { key, since: nowMs() };
    else if (ready + failed >= envCount && allSentAt !== null && nowMs() - settled.since > 10_000) break;
    await sleep(100);
  }
  await sent; // surfaces a sender's error
  const total = milestones[envCount] ?? null;
  const cpu = cpuSince(cpuStart, server.child.pid);
  reader.close();
  await stopServer(server.child);
  current = null;
  const { deploymentStates, unsuccessful } = storeTimes(server.db);
  const deployStarts = starts.all().filter((r) => r.env.startsWith('br-'));
  starts.close();
  const firstStart = Math.min(...deployStarts.map((r) => r.at));
  const lastStart = Math.max(...deployStarts.map((r) => r.at));
  return {
    total, milestones, last, cpu, deploymentStates, unsuccessful,
    sendS: allSentAt === null ? null : (allSentAt - t0) / 1000,
    ackMs: acks.map((a) => a.ackAt - a.sentAt),
    deployStarts: deployStarts.length,
    uniqueEnvs: new Set(deployStarts.map((r) => r.env)).size,
    firstStartS: deployStarts.length ? (firstStart - t0) / 1000 : null,
    lastStartS: deployStarts.length ? (lastStart - t0) / 1000 : null,
  };
}

// ---------------------------------------------------------------------------------------

/** The deploy command's record file: "<epoch ns> <env> <sha>" per line, read as it grows. */
function startsLog(file) {
  writeFileSync(file, '');
  chmodSync(file, 0o666); // the deploy command may run as another user (nobody, when slipway runs as root)
  const fd = openSync(file, 'r');
  let offset = 0;
  let partial = '';
  const seen = [];
  const buf = Buffer.alloc(64 * 1024);
  const pull = () => {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n === 0) break;
      offset += n;
      const lines = (partial + buf.toString('utf8', 0, n)).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        const [ns, env, sha] = line.trim().split(' ');
        if (sha) seen.push({ at: Number(BigInt(ns) / 1000n) / 1000, env, sha });
      }
    }
  };
  return {
    file,
    /** Epoch ms at which the deploy command of `env` at `sha` started. */
    async waitFor(env, sha, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        pull();
        const hit = seen.find((r) => r.env === env && r.sha === sha);
        if (hit) return hit.at;
        if (Date.now() > deadline) throw new Error(`the deploy command for ${env} at ${sha.slice(0, 12)} did not start within ${timeoutMs / 1000} s`);
        await sleep(POLL_MS);
      }
    },
    all() {
      pull();
      return seen;
    },
    close() {
      closeSync(fd);
    },
  };
}

/** Count and mean (ms) of a Prometheus histogram on GET /metrics; null when it is not there. */
async function histogram(base, name, headers) {
  try {
    const res = await fetch(`${base}/metrics`, { headers, signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    const text = await res.text();
    const value = (suffix) => Number(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    const count = value('count');
    return count > 0 ? { count, mean: (value('sum') / count) * 1000 } : null;
  } catch {
    return null;
  }
}

async function waitUntil(check, timeoutMs, everyMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return nowMs();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}


function cpuMark(pid) {
  return { slipway: procTicks(pid), host: hostTicks(), self: process.cpuUsage(), at: Date.now() };
}

/**
 * CPU since `start` in % of one core: slipway (with its reaped git and sh children), this
 * script, and `other`: the rest of the host (other processes, kernel work), to flag noise.
 */
function cpuSince(start, pid) {
  const ticks = procTicks(pid);
  const host = hostTicks();
  const seconds = (Date.now() - start.at) / 1000;
  const self = process.cpuUsage(start.self);
  const percent = ticks === null || start.slipway === null ? null : ((ticks - start.slipway) / 100 / seconds) * 100;
  const share = (key) => ((host[key] - start.host[key]) / (host.total - start.host.total || 1)) * cpus().length * 100;
  const hostPct = share('busy');
  const bench = ((self.user + self.system) / 1e6 / seconds) * 100;
  return { seconds, percent, bench, host: hostPct, steal: share('steal'), other: Math.max(0, hostPct - (percent ?? 0) - bench) };
}

function cpuLine(cpu) {
  const f = (v) => (v === null ? '-' : v.toFixed(0));
  const noisy = cpu.other + cpu.steal > NOISY_OTHER_CPU ? `  !!! NOISY: ${f(cpu.other + cpu.steal)} % went elsewhere; rerun` : '';
  return `CPU over ${cpu.seconds.toFixed(1)} s, % of one core: slipway with its git and sh children ${f(cpu.percent)}, ` +
    `this script ${f(cpu.bench)}, other ${f(cpu.other)}, host ${f(cpu.host)}, stolen by the hypervisor ${f(cpu.steal)}${noisy}`;
}

function pct(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const [n, r] of rows.entries()) {
    console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Deployments that did not succeed (the first few in full), so a failure can be explained. */
function printUnsuccessful(rows) {
  if (rows.length === 0) return;
  console.log(`!!! ${rows.length} deployment(s) did not succeed:`);
  for (const r of rows.slice(0, 5)) {
    const took = r.finishedAt && r.startedAt ? ` after ${r.finishedAt - r.startedAt} ms` : '';
    console.log(`  #${r.id} ${r.env} ${r.state}${took} at ${r.sha?.slice(0, 12) ?? '(unresolved)'}: ${r.error ?? '(no error)'}`);
    if (r.log) console.log(r.log.trim().split('\n').slice(-10).map((l) => `    | ${l}`).join('\n'));
  }
  if (rows.length > 5) console.log(`  ... and ${rows.length - 5} more`);
}

function report({ pushes: p, envs: e }) {
  const f = (v, d = 1) => {
    if (v === null || v === undefined || !Number.isFinite(v)) return '-';
    const text = v.toFixed(d);
    return Number(text) === 0 ? text.replace('-', '') : text;
  };
  const row = (name, values) => [name, values.length, f(pct(values, 50)), f(pct(values, 90)), f(pct(values, 99)), f(Math.max(...values))];
  if (p) {
    console.log(`\n== 1. results over ${p.latencies.length} pushes (ms)\n`);
    table([
      ['measure', 'n', 'p50', 'p90', 'p99', 'max'],
      row('202 -> deploy command start', p.latencies),
      row('  send -> 202 (ack)', p.ack),
      row('  202 -> deployment row', p.stages.resolve),
      row('  deployment row -> command start', p.stages.checkout),
      row('202 -> staging ready (seen)', p.toReady),
    ]);
    console.log('202 -> deployment row: dispatcher, reconciler pickup, lease, git ls-remote; deployment row -> command start:');
    console.log('fetch into the mirror, worktree, spawn. These two use slipway\'s integer-ms timestamps (+-1 ms each).');
    if (p.metric) {
      console.log(`slipway's own slipway_webhook_to_deploy_start_seconds: mean ${f(p.metric.mean)} ms over ${p.metric.count} ` +
        `(this bench, 202 -> command start: mean ${f(p.everyMean)} ms over the same ${p.everyCount} pushes, warm-up included)`);
    }
    console.log(cpuLine(p.cpu));
    console.log(`deployments: ${JSON.stringify(p.deploymentStates)}; deploy commands started beyond one per push: ${p.extraStarts}`);
    printUnsuccessful(p.unsuccessful);
  }
  if (e) {
    console.log(`\n== 2. results for ${envCount} environments (s since the first create webhook was sent)\n`);
    table([
      ['milestone', 'seconds'],
      ...Object.entries(e.milestones).map(([n, s]) => [`${n} ready`, f(s, 2)]),
      ['all create webhooks answered', f(e.sendS, 2)],
      ['first deploy command started', f(e.firstStartS, 2)],
      ['last deploy command started', f(e.lastStartS, 2)],
    ]);
    console.log(`at the end: ${e.last.ready} ready, ${e.last.failed} failed, ${e.last.other} in other states; ` +
      `${e.deployStarts} deploy commands for ${e.uniqueEnvs} environments; deployments: ${JSON.stringify(e.deploymentStates)}`);
    console.log(`create webhook ack p50 ${f(pct(e.ackMs, 50), 2)} ms, p99 ${f(pct(e.ackMs, 99), 2)} ms (${senders} in flight)` +
      (e.total ? `; ${f(envCount / e.total, 1)} environments/s` : ''));
    console.log(cpuLine(e.cpu));
    printUnsuccessful(e.unsuccessful);
  }
  console.log('\n== goals\n');
  const goal = (text, met, detail) => console.log(`${met === null ? 'n/a    ' : met ? 'MET    ' : 'NOT MET'}  ${text}: ${detail}`);
  if (p) {
    const p50 = pct(p.latencies, 50);
    goal(`webhook -> deploy start p50 < ${GOAL_P50_MS} ms`, p.latencies.length ? p50 < GOAL_P50_MS : null,
      `p50 ${f(p50)} ms, p99 ${f(pct(p.latencies, 99))} ms over ${p.latencies.length} pushes`);
  } else goal(`webhook -> deploy start p50 < ${GOAL_P50_MS} ms`, null, 'not measured');
  if (e) {
    goal(`${envCount} environments ready in < ${GOAL_ENVS_S} s`, e.total !== null && e.total < GOAL_ENVS_S,
      e.total !== null ? `${f(e.total, 2)} s` : `${e.last.ready}/${envCount} ready when the ${limitS} s limit ran out`);
  } else goal(`environments ready in < ${GOAL_ENVS_S} s`, null, 'not measured');

  // Checks fail the run (exit 1); goals never do.
  console.log('\n== checks\n');
  const check = (text, ok) => {
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
    if (!ok) process.exitCode = 1;
  };
  if (p) {
    check('pushes: every deployment succeeded', p.unsuccessful.length === 0);
    check('pushes: one deploy command per push', p.extraStarts === 0);
  }
  if (e) {
    check('environments: every deployment succeeded', e.unsuccessful.length === 0);
    check('environments: one deploy command per environment', e.deployStarts === envCount && e.uniqueEnvs === envCount);
  }
  if (!p && !e) console.log('nothing measured');
}
