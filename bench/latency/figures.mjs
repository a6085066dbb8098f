// Figures of the latency benchmark: percentiles, tables, CPU shares from /proc, each part's results.
import { cpus } from 'node:os';
import { hostTicks, postgresTicks, procTicks } from '../cpu.mjs';

const NOISY_OTHER_CPU = 40; // % of a core used outside slipway, PostgreSQL and this script: a busy neighbour

export function pct(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A number with `d` decimals, '-' when there is none; never "-0.0". */
export function fmt(v, d = 1) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const text = v.toFixed(d);
  return Number(text) === 0 ? text.replace('-', '') : text;
}

/** Prints rows (the first is the header) as columns, the first left-aligned. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const [n, r] of rows.entries()) {
    console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Where CPU time stands now, for `cpuSince`: slipway's processes (with their reaped children), PostgreSQL, the host. */
export function cpuMark(pids) {
  return { slipway: slipwayTicks(pids), postgres: postgresTicks(), host: hostTicks(), self: process.cpuUsage(), at: Date.now() };
}

function slipwayTicks(pids) {
  const each = pids.map(procTicks);
  return each.includes(null) ? null : each.reduce((a, b) => a + b, 0);
}

/**
 * CPU since `start` in % of one core: slipway (every replica, with its reaped git and sh
 * children), the PostgreSQL server, this script, and `other`: the rest of the host (other
 * processes, kernel work), to flag noise.
 */
export function cpuSince(start, pids) {
  const ticks = slipwayTicks(pids);
  const host = hostTicks();
  const seconds = (Date.now() - start.at) / 1000;
  const self = process.cpuUsage(start.self);
  const percent = ticks === null || start.slipway === null ? null : ((ticks - start.slipway) / 100 / seconds) * 100;
  const postgres = Math.max(0, ((postgresTicks() - start.postgres) / 100 / seconds) * 100);
  const share = (key) => ((host[key] - start.host[key]) / (host.total - start.host.total || 1)) * cpus().length * 100;
  const hostPct = share('busy');
  const bench = ((self.user + self.system) / 1e6 / seconds) * 100;
  return {
    seconds, percent, postgres, bench, host: hostPct, steal: share('steal'),
    other: Math.max(0, hostPct - (percent ?? 0) - postgres - bench),
  };
}

/** `other` and what the hypervisor stole, when above the noise threshold; null otherwise. */
export function noise(cpu) {
  const away = cpu.other + cpu.steal;
  return away > NOISY_OTHER_CPU ? away : null;
}

function cpuLine(cpu) {
  const f = (v) => (v === null ? '-' : v.toFixed(0));
  const noisy = noise(cpu) === null ? '' : `  !!! NOISY: ${f(noise(cpu))} % went elsewhere; rerun`;
  return `CPU over ${cpu.seconds.toFixed(1)} s, % of one core: slipway with its git and sh children ${f(cpu.percent)}, ` +
    `PostgreSQL server ${f(cpu.postgres)}, this script ${f(cpu.bench)}, other ${f(cpu.other)}, host ${f(cpu.host)}, ` +
    `stolen by the hypervisor ${f(cpu.steal)}${noisy}`;
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

const row = (name, values) => [name, values.length, fmt(pct(values, 50)), fmt(pct(values, 90)), fmt(pct(values, 99)), fmt(Math.max(...values))];

/** The figures of part 1 (`measurePushes`), in full. */
export function printPushes(p) {
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
  console.log(`cold first push (environment created, mirror cloned): ${fmt(p.cold)} ms to deploy start; ${p.warmupPushes} warm-up push(es)` +
    (p.perReplica.length > 1 ? `; measured deploys per replica: ${p.perReplica.join(', ')}` : '') +
    (p.coldReplicas > 0 ? `; !!! ${p.coldReplicas} replica(s) ran no deploy during the warm-up` : ''));
  if (p.metric) {
    console.log(`slipway's own slipway_webhook_to_deploy_start_seconds: mean ${fmt(p.metric.mean)} ms over ${p.metric.count} ` +
      `(this bench, 202 -> command start: mean ${fmt(p.everyMean)} ms over the same ${p.everyCount} pushes, warm-up included)`);
  }
  console.log(cpuLine(p.cpu));
  console.log(`deployments: ${JSON.stringify(p.deploymentStates)}; deploy commands started beyond one per push: ${p.extraStarts}`);
  printUnsuccessful(p.unsuccessful);
}

/** The figures of part 2 (`measureEnvironments`), in full. */
export function printEnvironments(e) {
  console.log(`\n== 2. results for ${e.count} environments (s since the first create webhook was sent)\n`);
  table([
    ['milestone', 'seconds'],
    ...Object.entries(e.milestones).map(([n, s]) => [`${n} ready`, fmt(s, 2)]),
    ['all create webhooks answered', fmt(e.sendS, 2)],
    ['first deploy command started', fmt(e.firstStartS, 2)],
    ['last deploy command started', fmt(e.lastStartS, 2)],
  ]);
  console.log(`at the end: ${e.last.ready} ready, ${e.last.failed} failed, ${e.last.other} in other states; ` +
    `${e.deployStarts} deploy commands for ${e.uniqueEnvs} environments` +
    (e.perReplica.length > 1 ? ` (per replica: ${e.perReplica.join(', ')})` : '') + `; deployments: ${JSON.stringify(e.deploymentStates)}`);
  console.log(`create webhook ack p50 ${fmt(pct(e.ackMs, 50), 2)} ms, p99 ${fmt(pct(e.ackMs, 99), 2)} ms (${e.senders} in flight)` +
    (e.total ? `; ${fmt(e.count / e.total, 1)} environments/s` : ''));
  console.log(cpuLine(e.cpu));
  printUnsuccessful(e.unsuccessful);
}
