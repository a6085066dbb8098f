// The two parts of the latency benchmark, on any setup `startSlipway` can start (SQLite, or
// PostgreSQL with one replica or several): webhook 202 -> deploy command start over pushes to
// main one at a time, and N branch environments from nothing to ready.
import { chmodSync, closeSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commitToMain, createBranches, createDistinctBranches, git } from './origin.mjs';
import { cpuMark, cpuSince, pct } from './figures.mjs';
import { createPayload, nowMs, pushPayload, readEnvironments, sendWebhook, startSlipway, storeTimes } from './slipway.mjs';

const STEP_TIMEOUT_MS = 30_000; // one push: its deploy must start, and finish, within this
const POLL_MS = 1; // how often the deploy record file is read while waiting (the time is the command's own)
const WARMUP_MAX_EXTRA = 20; // pushes per replica beyond --warmup, at most, waiting for every replica's first deploy

/**
 * What both parts need: `dir` (their folders go in it), `origin`, `secret`, `concurrency`,
 * `replicas`, `storeUrl()` (resolves with a fresh store's URL, or null for SQLite), and
 * `running`, whose `current` holds the setup running now (so a signal handler can stop it).
 */
async function start(ctx, name) {
  const dir = join(ctx.dir, name);
  mkdirSync(dir, { recursive: true });
  const starts = startsLog(join(dir, 'starts.log'));
  const server = await startSlipway({
    dir, secret: ctx.secret, originUrl: ctx.origin.url, startsFile: starts.file, concurrency: ctx.concurrency,
    replicas: ctx.replicas, storeUrl: await ctx.storeUrl(),
  });
  ctx.running.current = server;
  return { server, starts };
}

async function stop(ctx, server) {
  await server.stop();
  ctx.running.current = null;
}

/**
 * Pushes to main one at a time (`pushes`, after `warmup`, `gapMs` apart); each waits for its
 * deploy to start and staging to be ready at it. The warm-up lasts until every replica has run
 * a deploy (its git mirror made), so no measured push meets a cold replica.
 */
export async function measurePushes(ctx, { pushes, warmup, gapMs }) {
  const { server, starts } = await start(ctx, 'pushes');
  const cpuStart = cpuMark(server.pids);
  const samples = [];
  const every = []; // warm-up included, to compare with slipway's own metric
  const warmed = new Set(); // replicas that ran a deploy
  const lastWarmup = warmup + WARMUP_MAX_EXTRA * server.replicas.length;
  let cold = null;
  let before = ctx.origin.sha;
  let i = 0;
  while (samples.length < pushes) {
    i += 1;
    const measured = i > warmup && (warmed.size === server.replicas.length || i > lastWarmup);
    const sha = await commitToMain(ctx.origin.dir, i);
    const ack = await sendWebhook(server.next(), ctx.secret, 'push', pushPayload(before, sha, i));
    if (ack.status !== 202) throw new Error(`push ${i}: slipway answered HTTP ${ack.status}, expected 202`);
    const run = await starts.waitFor('staging', sha, STEP_TIMEOUT_MS);
    const readyAt = await waitUntil(async () => {
      const env = (await readEnvironments(server)).find((e) => e.name === 'staging');
      return env?.state === 'ready' && env.sha === sha;
    }, STEP_TIMEOUT_MS, 2, `staging ready at ${sha.slice(0, 12)} (push ${i})`);
    const replica = server.replicaOf(run.home);
    const sample = { i, sha, id: ack.id, ackMs: ack.ackAt - ack.sentAt, ackAt: ack.ackAt, startAt: run.at, readyAt, latency: run.at - ack.ackAt, replica };
    if (i === 1) cold = sample.latency;
    warmed.add(replica);
    every.push(sample.latency);
    if (measured) samples.push(sample);
    if (measured && samples.length % 50 === 0) {
      console.log(`  ${samples.length}/${pushes}: p50 so far ${pct(samples.map((s) => s.latency), 50).toFixed(1)} ms`);
    }
    before = sha;
    // After ready, slipway still removes the previous worktree: let it finish, so that
    // each push starts on an idle slipway (pushes seconds apart, as people make them).
    if (gapMs > 0) await sleep(gapMs);
  }
  const cpu = cpuSince(cpuStart, server.pids);
  const metric = await histogram(server, 'slipway_webhook_to_deploy_start_seconds');
  await stop(ctx, server);
  const records = starts.all();
  starts.close();

  // Where the time went, from slipway's own timestamps (integer ms).
  const { byId, deploymentStates, unsuccessful } = await storeTimes(server);
  const stages = { resolve: [], checkout: [] };
  for (const s of samples) {
    const t = byId.get(s.id);
    if (!t || t.startedAt == null) continue;
    stages.resolve.push(t.startedAt - s.ackAt); // dispatch, reconciler pickup, lease, git ls-remote
    stages.checkout.push(s.startAt - t.startedAt); // fetch into the mirror, worktree, spawn
  }
  const perReplica = server.replicas.map((_, index) => samples.filter((s) => s.replica === index).length);
  return {
    latencies: samples.map((s) => s.latency), ack: samples.map((s) => s.ackMs), toReady: samples.map((s) => s.readyAt - s.ackAt),
    stages, cpu, deploymentStates, unsuccessful, extraStarts: records.filter((r) => r.env === 'staging').length - i,
    metric, everyMean: every.reduce((a, b) => a + b, 0) / every.length, everyCount: every.length,
    cold, warmupPushes: i - samples.length, coldReplicas: server.replicas.length - warmed.size, perReplica,
  };
}

/**
 * `count` branches at once, `count` create webhooks (`senders` in flight, to the replicas in
 * turn), until `count` environments are ready or `limitS` runs out.
 */
export async function measureEnvironments(ctx, { count, senders, limitS, distinct }) {
  const sha = await git(ctx.origin.dir, ['rev-parse', 'HEAD']);
  const made = nowMs();
  const prefix = 'b/';
  if (distinct) await createDistinctBranches(ctx.origin.dir, prefix, count, sha);
  else await createBranches(ctx.origin.dir, prefix, count, sha);
  console.log(`created branches ${prefix}0..${prefix}${count - 1} ${distinct ? `each with its own commit on ${sha.slice(0, 12)}` : `at ${sha.slice(0, 12)}`} ` +
    `in ${(nowMs() - made).toFixed(0)} ms`);
  const { server, starts } = await start(ctx, 'envs');
  const cpuStart = cpuMark(server.pids);

  const t0 = nowMs();
  let next = 0;
  const acks = [];
  const sending = Array.from({ length: senders }, async () => {
    while (next < count) {
      const n = next++;
      const ack = await sendWebhook(server.next(), ctx.secret, 'create', createPayload(`${prefix}${n}`));
      if (ack.status !== 202) throw new Error(`create ${prefix}${n}: slipway answered HTTP ${ack.status}, expected 202`);
      acks.push(ack);
    }
  });
  const sent = Promise.all(sending).then(() => nowMs());

  const milestones = {}; // ready count reached -> seconds since t0
  const marks = [1, Math.ceil(count / 4), Math.ceil(count / 2), Math.ceil((3 * count) / 4), count];
  let last = { ready: 0, failed: 0, other: 0 };
  let lastPrint = 0;
  let settled = { key: '', since: 0 };
  const deadline = t0 + limitS * 1000;
  let allSentAt = null;
  let sendError = null;
  sent.then((at) => { allSentAt = at; }, (err) => { sendError = err; });
  for (;;) {
    const envs = (await readEnvironments(server)).filter((e) => e.name.startsWith('br-'));
    const ready = envs.filter((e) => e.state === 'ready').length;
    const failed = envs.filter((e) => e.state === 'failed').length;
    last = { ready, failed, other: envs.length - ready - failed };
    const elapsed = (nowMs() - t0) / 1000;
    for (const m of marks) if (ready >= m && milestones[m] === undefined) milestones[m] = elapsed;
    if (elapsed - lastPrint >= 5) {
      lastPrint = elapsed;
      console.log(`  ${elapsed.toFixed(0).padStart(3)} s: ${envs.length} environments, ${ready} ready, ${failed} failed, ${acks.length} webhooks answered`);
    }
    if (ready >= count || nowMs() > deadline || sendError) break;
    // Every environment is ready or failed and nothing moved for 10 s: slipway is done trying.
    const key = `${ready}/${failed}/${envs.length}`;
    if (key !== settled.key) settled = { key, since: nowMs() };
    else if (ready + failed >= count && allSentAt !== null && nowMs() - settled.since > 10_000) break;
    await sleep(100);
  }
  await sent; // surfaces a sender's error
  const total = milestones[count] ?? null;
  const cpu = cpuSince(cpuStart, server.pids);
  await stop(ctx, server);
  const { deploymentStates, unsuccessful } = await storeTimes(server);
  const deployStarts = starts.all().filter((r) => r.env.startsWith('br-'));
  starts.close();
  const firstStart = Math.min(...deployStarts.map((r) => r.at));
  const lastStart = Math.max(...deployStarts.map((r) => r.at));
  return {
    count, senders, total, milestones, last, cpu, deploymentStates, unsuccessful,
    sendS: allSentAt === null ? null : (allSentAt - t0) / 1000,
    ackMs: acks.map((a) => a.ackAt - a.sentAt),
    deployStarts: deployStarts.length,
    uniqueEnvs: new Set(deployStarts.map((r) => r.env)).size,
    firstStartS: deployStarts.length ? (firstStart - t0) / 1000 : null,
    lastStartS: deployStarts.length ? (lastStart - t0) / 1000 : null,
    perReplica: server.replicas.map((_, index) => deployStarts.filter((r) => server.replicaOf(r.home) === index).length),
  };
}

/** The deploy command's record file: "<epoch ns> <env> <sha> <HOME>" per line, read as it grows. */
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
        const [ns, env, sha, home] = line.trim().split(' ');
        if (sha) seen.push({ at: Number(BigInt(ns) / 1000n) / 1000, env, sha, home: home ?? '' });
      }
    }
  };
  return {
    file,
    /** The record of the deploy command of `env` at `sha`: { at (epoch ms it started), home }. */
    async waitFor(env, sha, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        pull();
        const hit = seen.find((r) => r.env === env && r.sha === sha);
        if (hit) return hit;
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

/** Count and mean (ms) of a Prometheus histogram, summed over the replicas' GET /metrics; null when it is not there. */
async function histogram(server, name) {
  let count = 0;
  let sum = 0;
  for (const replica of server.replicas) {
    try {
      const res = await fetch(`${replica.base}/metrics`, { headers: server.headers, signal: AbortSignal.timeout(5000) });
      if (!res.ok) continue;
      const text = await res.text();
      const value = (suffix) => Number(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
      if (value('count') > 0) {
        count += value('count');
        sum += value('sum');
      }
    } catch {
      // a replica that does not answer adds nothing
    }
  }
  return count > 0 ? { count, mean: (sum / count) * 1000 } : null;
}

async function waitUntil(check, timeoutMs, everyMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return nowMs();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}
