// One wrk run (-t1 -cN -dD --latency, deliveries.lua) plus CPU use of the server,
// of wrk and of the whole host while it runs, read from /proc.
import { spawn } from 'node:child_process';
import { hostTicks, procTicks } from '../cpu.mjs';
import { randomUUID } from 'node:crypto';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const LUA = fileURLToPath(new URL('./deliveries.lua', import.meta.url));
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * @returns {Promise<{ok, non2xx, requests, durationUs, p50Us, p99Us, maxUs, errors,
 *   reqPerSec, cpu: {server, wrk, host, other}}>} cpu figures in % of one core
 */
export async function runWrk({ url, connections, duration, bodyFile, headers, serverPid, track }) {
  const prefix = randomUUID().slice(0, 24); // "xxxxxxxx-xxxx-xxxx-xxxx-": ids look like GitHub's
  const headerArgs = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--timeout', '10s', '--latency',
    '-s', LUA, url, '--', bodyFile, prefix, ...headerArgs];
  const wrk = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(wrk);
  let out = '';
  wrk.stdout.on('data', (d) => { out += d; });
  wrk.stderr.on('data', (d) => { out += d; });

  const start = { host: hostTicks(), server: procTicks(serverPid), at: Date.now() };
  let last = { server: start.server, wrk: procTicks(wrk.pid), host: start.host, at: start.at };
  const wrkStart = last.wrk;
  const sampler = setInterval(() => {
    const w = procTicks(wrk.pid);
    if (w !== null) last = { server: procTicks(serverPid), wrk: w, host: hostTicks(), at: Date.now() };
  }, 200);
  // wrk stops by itself after -d; this only guards against a hung wrk.
  const guard = setTimeout(() => wrk.kill('SIGKILL'), (duration + 30) * 1000);

  const code = await new Promise((resolve) => wrk.on('close', resolve));
  clearInterval(sampler);
  clearTimeout(guard);
  const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}`);
  const result = JSON.parse(line.slice('BENCH_RESULT '.length));

  const seconds = (last.at - start.at) / 1000 || 1;
  const pct = (a, b) => (a === null || b === null ? null : ((b - a) / TICKS_PER_SECOND / seconds) * 100);
  const busyShare = (last.host.busy - start.host.busy) / (last.host.total - start.host.total || 1);
  const cpu = {
    server: pct(start.server, last.server),
    wrk: pct(wrkStart, last.wrk),
    host: busyShare * start.host.cores * 100,
  };
  // Everything else busy on the host: other processes (a build next door) and kernel work.
  cpu.other = Math.max(0, cpu.host - (cpu.server ?? 0) - (cpu.wrk ?? 0));
  return { ...result, reqPerSec: result.ok / (result.durationUs / 1e6), cpu };
}

