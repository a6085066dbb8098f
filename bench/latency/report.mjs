// The end of a latency run: the setups side by side with ratios against SQLite (when there are
// several), the goals, and the checks, which set exit status 1 when one fails.
import { fmt, noise, pct, table } from './figures.mjs';

const GOAL_P50_MS = 50;
const GOAL_ENVS_S = 60;

/**
 * `results`: per setup { setup: { name, label }, pushes, envs, failed } (a part not measured is
 * null; `failed` the error that ended the setup, or null). `limitS`: the environments' limit.
 */
export function report(results, { limitS }) {
  const several = results.length > 1;
  if (several) sideBySide(results);

  console.log('\n== goals\n');
  for (const { setup, pushes: p, envs: e } of results) {
    const who = several ? `${setup.label}: ` : '';
    const goal = (text, met, detail) => console.log(`${met === null ? 'n/a    ' : met ? 'MET    ' : 'NOT MET'}  ${who}${text}: ${detail}`);
    if (p) {
      const p50 = pct(p.latencies, 50);
      goal(`webhook -> deploy start p50 < ${GOAL_P50_MS} ms`, p.latencies.length ? p50 < GOAL_P50_MS : null,
        `p50 ${fmt(p50)} ms, p99 ${fmt(pct(p.latencies, 99))} ms over ${p.latencies.length} pushes`);
    } else goal(`webhook -> deploy start p50 < ${GOAL_P50_MS} ms`, null, 'not measured');
    if (e) {
      goal(`${e.count} environments ready in < ${GOAL_ENVS_S} s`, e.total !== null && e.total < GOAL_ENVS_S,
        e.total !== null ? `${fmt(e.total, 2)} s` : `${e.last.ready}/${e.count} ready when the ${limitS} s limit ran out`);
    } else goal(`environments ready in < ${GOAL_ENVS_S} s`, null, 'not measured');
  }

  // Checks fail the run (exit 1); goals never do.
  console.log('\n== checks\n');
  for (const { setup, pushes: p, envs: e, failed } of results) {
    const who = several ? `${setup.label}: ` : '';
    if (failed) check(`${who}${failed}`, false);
    checks(p, e, who);
    if (!p && !e && !failed) console.log(`${who}nothing measured`);
  }
}

function sideBySide(results) {
  console.log('\n######## side by side\n');
  const count = results.find((r) => r.envs)?.envs.count;
  const cpu = (c) => (c ? `${fmt(c.percent, 0)} / ${fmt(c.postgres, 0)} / ${fmt(c.other, 0)}${noise(c) === null ? '' : ' NOISY'}` : '-');
  const p50 = (r) => r.pushes && pct(r.pushes.latencies, 50);
  const p99 = (r) => r.pushes && pct(r.pushes.latencies, 99);
  const ready = (r) => r.pushes && pct(r.pushes.toReady, 50);
  table([
    ['setup', 'p50 ms', 'p90 ms', 'p99 ms', 'ready p50 ms', `${count ?? '-'} envs s`, 'envs/s', 'CPU % pushes', 'CPU % envs'],
    ...results.map((r) => [
      r.setup.label + (r.failed ? ' (FAILED)' : ''),
      fmt(p50(r)), fmt(r.pushes && pct(r.pushes.latencies, 90)), fmt(p99(r)), fmt(ready(r)),
      fmt(r.envs?.total, 2), fmt(r.envs?.total && r.envs.count / r.envs.total), cpu(r.pushes?.cpu), cpu(r.envs?.cpu),
    ]),
  ]);
  console.log('p50/p90/p99: webhook 202 -> deploy command start; ready: 202 -> staging ready as the API shows it;');
  console.log('envs: from the first create webhook to all ready. CPU: slipway (all replicas, with git and sh) / PostgreSQL server / other.');

  const base = results.find((r) => r.setup.name === 'sqlite' && !r.failed);
  if (!base) return;
  console.log('\n== against SQLite (this setup\'s figure / SQLite\'s: above 1 is slower)\n');
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
  table([
    ['setup', 'p50', 'p99', 'ready p50', 'envs ready'],
    ...results.filter((r) => r !== base && !r.failed).map((r) => [
      r.setup.label, ratio(p50(r), p50(base)), ratio(p99(r), p99(base)), ratio(ready(r), ready(base)), ratio(r.envs?.total, base.envs?.total),
    ]),
  ]);
}

/** Prints a check and sets exit status 1 when it fails (goals never do). */
function check(text, ok) {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  if (!ok) process.exitCode = 1;
}

/** The checks of one setup's parts (either may be missing). */
function checks(p, e, prefix = '') {
  if (p) {
    check(`${prefix}pushes: every deployment succeeded`, p.unsuccessful.length === 0);
    check(`${prefix}pushes: one deploy command per push`, p.extraStarts === 0);
  }
  if (e) {
    check(`${prefix}environments: every deployment succeeded`, e.unsuccessful.length === 0);
    check(`${prefix}environments: one deploy command per environment`, e.deployStarts === e.count && e.uniqueEnvs === e.count);
  }
}
