// CPU readings from /proc shared by the benchmarks.
import { readdirSync, readFileSync } from 'node:fs';

/** utime+stime of a process and of its reaped children (git, sh), in ticks; null when it is gone. */
export function procTicks(pid) {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return null;
  }
}

/** Whole-host ticks: `busy` leaves out idle, iowait and what the hypervisor stole. */
export function hostTicks() {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const v = lines[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const cores = lines.filter((l) => /^cpu\d/.test(l)).length;
  return { total, busy: total - v[3] - v[4] - v[7], steal: v[7], cores };
}

/**
 * utime+stime of the PostgreSQL server on this host, in ticks: every `postgres` process, with
 * the backends it reaped (the postmaster's children); 0 when none runs here. The server's
 * work for every client, not only the benchmark's.
 */
export function postgresTicks() {
  let ticks = 0;
  // Newest first, so the postmaster (oldest) is read last: a backend that ends meanwhile may be
  // counted twice (itself, then among the postmaster's reaped children), never in neither.
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => b - a);
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // gone meanwhile
    }
    ticks += procTicks(pid) ?? 0;
  }
  return ticks;
}
