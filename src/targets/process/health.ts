import { request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../config/duration.js';
import type { Health } from './manifest.js';

/**
 * Probes come FAST_RETRY_MS apart for the first FAST_FOR_MS, then RETRY_MS apart: most apps
 * are up within a second or two, and a probe that just missed one should not add 100 ms to
 * every deployment; one that takes longer is not asked 100 times a second for long.
 */
const FAST_RETRY_MS = 10;
const FAST_FOR_MS = 2000;
const RETRY_MS = 100;
/** One probe never waits longer than this, so a hanging answer does not eat the whole timeout. */
const PROBE_MS = 2000;

function probeHttp(port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function probeTcp(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** What was waited for, for messages: `answer GET /healthz with 2xx within 60s`. */
export function describeHealth(health: Health, port: number): string {
  const what = health.path === null ? `accept a TCP connection on port ${port}` : `answer GET ${health.path} with 2xx`;
  return `${what} within ${formatDuration(health.timeoutMs)}`;
}

/** How waiting for health ended: `foreign` when the last answer came from a process not the release's (it holds the port). */
export type HealthResult = 'healthy' | 'unhealthy' | 'foreign';

/**
 * Probes `127.0.0.1:port` (every 10 ms for 2 s, then every 100 ms) until it is healthy, the
 * health timeout passes or `signal` fires (the caller tells why from the signal). An answer
 * counts only when `owns()` does not say another process holds the port.
 */
export async function waitHealthy(port: number, health: Health, signal: AbortSignal, owns: () => boolean | null = () => null): Promise<HealthResult> {
  let result: HealthResult = 'unhealthy';
  const started = Date.now();
  const deadline = started + health.timeoutMs;
  for (;;) {
    if (signal.aborted) return result;
    const left = deadline - Date.now();
    if (left <= 0) return result;
    const limit = Math.min(PROBE_MS, left);
    const ok = health.path === null ? await probeTcp(port, limit) : await probeHttp(port, health.path, limit);
    result = ok && owns() === false ? 'foreign' : 'unhealthy';
    if (ok && result !== 'foreign') return signal.aborted ? 'unhealthy' : 'healthy';
    const pause = Math.min(Date.now() - started < FAST_FOR_MS ? FAST_RETRY_MS : RETRY_MS, deadline - Date.now());
    if (pause > 0) await sleep(pause, undefined, { signal }).catch(() => undefined);
  }
}
