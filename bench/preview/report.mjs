// What the preview bench prints: per target the figures of opened, synchronize and the bare
// app, side by side, their ratios, where the time went, CPU, and the goals.
import { readdirSync, readFileSync } from 'node:fs';
import { hostTicks, procTicks } from '../cpu.mjs';
import { METRIC } from './pull-request.mjs';

export const GOALS = { process: 1000, docker: 3000 };
const NOISY_OTHER_CPU = 40; // % of a core used by other processes on the host during the run: a busy neighbour
const ENGINE = new Set(['dockerd', 'containerd']);

/** The pids of the Docker Engine's daemons (dockerd, containerd) visible here. */
function enginePids() {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (ENGINE.has(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const engineTicks = (pids) => pids.reduce((sum, pid) => sum + (procTicks(pid) ?? 0), 0);

/** Starts a CPU reading; `engine`: also count the Docker Engine's daemons. */
export function cpuStart(engine = false) {
  const pids = engine ? enginePids() : [];
  return { self: procTicks(process.pid), host: hostTicks(), at: Date.now(), pids, engine: engineTicks(pids) };
}

/**
 * CPU since `start` in % of one core: this process with its reaped children (slipway runs in
 * it; git, the previews and the bare app are its children), `engine` (dockerd and containerd
 * with their reaped children, when counted) and `other`, the rest of the host (with the
 * docker target: the containers and their shims too, which no reading here can tell apart).
 */
export function cpuSince(start) {
  const host = hostTicks();
  const seconds = (Date.now() - start.at) / 1000;
  const share = (ticks) => (ticks / 100 / seconds) * 100;
  const ours = share(procTicks(process.pid) - start.self);
  const engine = start.pids.length === 0 ? null : share(engineTicks(start.pids) - start.engine);
  const busy = ((host.busy - start.host.busy) / (host.total - start.host.total || 1)) * host.cores * 100;
  const other = Math.max(0, busy - ours - (engine ?? 0));
  return { seconds, ours, engine, other, noisy: engine === null && other > NOISY_OTHER_CPU };
}

function pct(values, p) {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function stats(list, key = 'ms') {
  const values = list.map((s) => s[key]);
  return { n: values.filter((v) => v !== null && v !== undefined).length, median: pct(values, 50), p90: pct(values, 90), max: pct(values, 100) };
}

const SPLIT_KEYS = { process: ['toApply', 'toSpawn', 'spawnToPage'], docker: ['toApply', 'toImage', 'toStart', 'startToPage'] };

/** The figures of one target's measurement (`measured`: { runs, samples, cpu, ... } from run.mjs). */
export function summarize(target, measured) {
  const { samples } = measured;
  const opened = stats(samples.opened);
  const synchronize = stats(samples.synchronize);
  const baseline = stats(samples.baseline);
  const split = (list, keys) => Object.fromEntries(keys.map((key) => [key, stats(list, key).median]));
  const baselineKeys = target === 'process' ? ['spawnToPage'] : ['toImage', 'toStart', 'startToPage'];
  return {
    ...measured, opened, synchronize, baseline,
    ratio: { opened: opened.median / baseline.median, synchronize: synchronize.median / baseline.median },
    overheadMs: { opened: opened.median - baseline.median, synchronize: synchronize.median - baseline.median },
    split: { opened: split(samples.opened, SPLIT_KEYS[target]), synchronize: split(samples.synchronize, SPLIT_KEYS[target]), baseline: split(samples.baseline, baselineKeys) },
    goal: { ms: GOALS[target], met: opened.median < GOALS[target] && synchronize.median < GOALS[target] },
    ...(target === 'docker' ? { dependencyCache: dependencyCache(samples) } : {}),
  };
}

/** How many of the docker builds found the dependency step in the build cache. */
function dependencyCache(samples) {
  const builds = [...samples.opened, ...samples.synchronize];
  return {
    cached: builds.filter((s) => s.depsCached === true).length, builds: builds.length,
    bare: samples.baseline.filter((s) => s.depsCached === true).length, bareBuilds: samples.baseline.length,
  };
}

const f = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(1));
const x = (v) => (v === null || !Number.isFinite(v) ? '-' : `${v.toFixed(2)}x`);

function table(rows, say) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const [n, r] of rows.entries()) {
    say(r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ').trimEnd());
    if (n === 0) say(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Prints the result (`result.targets`: summaries by target; `result.skipped`: why a target was not measured). */
export function print(result, say, pollMs) {
  const { targets, skipped } = result;
  const names = Object.keys(targets);
  const rows = [['measure (ms)', ...names.flatMap((t) => [`${t} n`, 'median', 'p90', 'max']), ...(names.length === 2 ? ['docker/process'] : [])]];
  const measures = [['opened: 202 -> preview 200', 'opened'], ['synchronize: 202 -> new page 200', 'synchronize'], ['bare app: by hand -> 200', 'baseline']];
  for (const [label, key] of measures) {
    const cells = names.flatMap((t) => { const s = targets[t][key]; return [s.n, f(s.median), f(s.p90), f(s.max)]; });
    const ratio = names.length === 2 ? [x(targets.docker[key].median / targets.process[key].median)] : [];
    rows.push([label, ...cells, ...ratio]);
  }
  say();
  table(rows, say);
  say(`\nbare app, by hand, from a checkout of the opened commit, polled every ${pollMs} ms like the preview:`);
  if (targets.process) say('  process: `node server.js` spawned in it');
  if (targets.docker) say('  docker: `docker build` of it with a version of its own (same engine, same build cache), then `docker run -p 127.0.0.1::8080`');
  for (const t of names) {
    const s = targets[t];
    say(`${t}: opened ${x(s.ratio.opened)} its bare app, overhead ${f(s.overheadMs.opened)} ms; synchronize ${x(s.ratio.synchronize)}, overhead ${f(s.overheadMs.synchronize)} ms (median - median)`);
  }
  if (targets.process) say(`process: first opened (slipway's git mirror created) ${f(targets.process.firstOpenedMs)} ms`);
  if (targets.docker) {
    say(`docker: warm-up, not in the figures (PR #${targets.docker.warmUp.number} opened on a cold build cache: dependency layer built, git mirror created) ${f(targets.docker.warmUp.ms)} ms;`);
    say('        it stays open to the end, so its image keeps the dependency layer in the build cache for every measured build');
    const { cached, builds, bare, bareBuilds } = targets.docker.dependencyCache;
    say(`docker: the dependency step came from the build cache in ${cached} of ${builds} measured slipway builds and ${bare} of ${bareBuilds} bare builds` +
      `${targets.docker.warmUp.depsCached ? '; the warm-up found it cached already (a layer of an earlier run, or of another user of the engine)' : ''}`);
  }
  say('\nwhere the time goes (medians, ms):');
  if (targets.process) {
    const sp = targets.process.split;
    for (const key of ['opened', 'synchronize']) {
      say(`  process ${key.padEnd(11)}  202 -> app spawned ${f(sp[key].toSpawn)} (slipway's ${METRIC}: ${f(sp[key].toApply)}), app spawned -> page 200 ${f(sp[key].spawnToPage)}`);
    }
    say(`  process bare         spawn() -> 'spawn' event ${f(targets.process.baseline.median - sp.baseline.spawnToPage)}, app spawned -> page 200 ${f(sp.baseline.spawnToPage)}`);
  }
  if (targets.docker) {
    const sd = targets.docker.split;
    for (const key of ['opened', 'synchronize']) {
      say(`  docker  ${key.padEnd(11)}  202 -> target starts ${f(sd[key].toApply)} (the metric), -> image built ${f(sd[key].toImage)}, -> container started ${f(sd[key].toStart)};` +
        ` container started -> page 200 ${f(sd[key].startToPage)}`);
    }
    say(`  docker  bare         build -> image built ${f(sd.baseline.toImage)}, -> container started ${f(sd.baseline.toStart)}; container started -> page 200 ${f(sd.baseline.startToPage)}`);
    say('  "image built" is the image\'s Created and "container started" its State.StartedAt, from the engine. The build between');
    say('  "target starts" and "image built" includes packing the context and the legacy builder\'s steps (a container per step).');
  }
  if (targets.process) {
    say('  process: "app spawned" is the process target\'s record of the release (startedAt, integer ms). Before it: dispatch, reconciler,');
    say('  git ls-remote, fetch and worktree add, manifest, free port. After it: the app starting, the health checks, the route');
    say(`  switch and this script's ${pollMs} ms poll. The metric runs from the delivery's receipt (before its 202) to the target's start.`);
  }
  say('\nCPU, % of one core:');
  for (const t of names) {
    const c = targets[t].cpu;
    const engine = c.engine === null ? '' : `, Docker Engine (dockerd, containerd) ${c.engine.toFixed(0)}`;
    const other = c.engine === null ? 'other processes' : 'other processes (with the containers and their shims)';
    say(`  ${t} over ${c.seconds.toFixed(1)} s: this script with slipway, git and the apps ${c.ours.toFixed(0)}${engine}, ${other} ${c.other.toFixed(0)}` +
      `${c.noisy ? '  !!! NOISY: something else was running; rerun' : ''}`);
  }
  say();
  for (const t of names) {
    const s = targets[t];
    const cache = s.dependencyCache;
    const when = t === 'docker' ? ` when only application files changed (dependency layer cached in ${cache.cached} of ${cache.builds} builds)` : '';
    say(`${s.goal.met ? 'MET    ' : 'NOT MET'}  ${t}: preview answers in < ${s.goal.ms} ms (median)${when}: opened ${f(s.opened.median)} ms, synchronize ${f(s.synchronize.median)} ms`);
  }
  for (const [t, reason] of Object.entries(skipped)) say(`SKIPPED  ${t}: ${reason}`);
}
