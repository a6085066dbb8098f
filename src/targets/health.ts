import { request } from 'node:http';
import { connect } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../config/duration.js';
import { plainLine } from './plain-text.js';

/** How a release shows it is ready. */
export interface Health {
  /** `GET` this path for a 2xx; null: a TCP connect to the port is enough. */
  path: string | null;
  timeoutMs: number;
}

/**
 * The probing schedule (see probePause), never past the health timeout:
 * - While nothing takes the connection: every FAST_RETRY_MS for the first FAST_FOR_MS, then
 *   every RETRY_MS. Most apps are up within a second or two, and a probe that just missed one
 *   should not add 100 ms to every deployment; one that takes longer is not asked 100 times a
 *   second for long.
 * - Once the app takes connections but is not healthy yet (it answers other than 2xx, or not at
 *   all): BACKOFF_FIRST_MS after the first such probe, doubling after each, up to BACKOFF_MAX_MS.
 *   It is starting, and each unhealthy answer may cost it work (a log line, a stack trace, a
 *   query); capped, it is seen healthy at most a second late. When it stops taking connections
 *   again (it restarted), the fast schedule starts over.
 */
const FAST_RETRY_MS = 10;
const FAST_FOR_MS = 2000;
const RETRY_MS = 100;
const BACKOFF_FIRST_MS = 50;
const BACKOFF_MAX_MS = 1000;
/** One probe never waits longer than this, so a hanging answer does not eat the whole timeout. */
const PROBE_MS = 2000;
/** Of an unhealthy answer's body, at most this much is read (the rest is not waited for), and this much shown. */
const BODY_BYTES = 4096;
const BODY_CHARS = 200;
/** Behind a publishing proxy, a TCP health check counts a connection that stays open this long (see probeTcp). */
const PROXIED_HOLD_MS = 200;

/**
 * What one probe saw: `healthy`; `refused` (nothing took the connection; behind a proxy, also
 * a connection it closed at once); `closed` (taken, then closed with no answer); `silent`
 * (taken, no answer within PROBE_MS); `answered` (an HTTP status other than 2xx, and the start
 * of its body as one plain line).
 */
export type Probe =
  | { kind: 'healthy' | 'refused' | 'closed' | 'silent' }
  | { kind: 'answered'; status: number; body: string };

const HEALTHY: Probe = { kind: 'healthy' };
const REFUSED: Probe = { kind: 'refused' };

/**
 * The pause before the next probe, `sinceStartMs` after waiting began, when the last
 * `unhealthyAnswers` probes in a row found the app taking connections but not healthy.
 */
export function probePause(sinceStartMs: number, unhealthyAnswers: number): number {
  if (unhealthyAnswers > 0) return Math.min(BACKOFF_FIRST_MS * 2 ** (unhealthyAnswers - 1), BACKOFF_MAX_MS);
  return sinceStartMs < FAST_FOR_MS ? FAST_RETRY_MS : RETRY_MS;
}

/** The start of a body as one plain line; reading stops after BODY_BYTES. */
function readSnippet(stream: NodeJS.ReadableStream & { destroy(): void }): Promise<string> {
  return new Promise((resolve) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    let bytes = 0;
    const done = () => {
      stream.destroy();
      resolve(plainLine(text, BODY_CHARS));
    };
    stream.on('data', (chunk: Buffer) => {
      const part = chunk.subarray(0, BODY_BYTES - bytes);
      bytes += part.length;
      text += decoder.write(part);
      if (bytes >= BODY_BYTES) done();
    });
    stream.once('end', done);
    stream.once('error', done);
    stream.once('close', done);
  });
}

/** `GET path`; behind a proxy a connection closed without an answer means nothing listens behind it. */
function probeHttp(host: string, port: number, path: string, timeoutMs: number, proxied: boolean): Promise<Probe> {
  return new Promise((resolve) => {
    let connected = false;
    let answered = false;
    let timedOut = false;
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        res.destroy();
        resolve(HEALTHY);
        return;
      }
      void readSnippet(res).then((body) => resolve({ kind: 'answered', status, body }));
    });
    req.once('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.once('timeout', () => {
      timedOut = true;
      req.destroy();
    });
    req.on('error', () => {
      if (answered) return;
      if (!connected) resolve(REFUSED);
      else resolve({ kind: timedOut ? 'silent' : proxied ? 'refused' : 'closed' });
    });
    req.end();
  });
}

/**
 * A TCP connect; with `holdMs`, the connection must also stay open that long. A port Docker
 * publishes is accepted by its proxy even while nothing listens in the container, which then
 * closes the connection at once.
 */
function probeTcp(host: string, port: number, timeoutMs: number, holdMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (holdMs === 0) {
        socket.destroy();
        resolve(HEALTHY);
        return;
      }
      const held = setTimeout(() => {
        socket.destroy();
        resolve(HEALTHY);
      }, holdMs);
      socket.once('close', () => clearTimeout(held));
    });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => resolve(REFUSED));
    socket.once('close', () => resolve(REFUSED));
  });
}

/** What was waited for, for messages: `answer GET /healthz with 2xx within 60s`. */
export function describeHealth(health: Health, port: number): string {
  const what = health.path === null ? `accept a TCP connection on port ${port}` : `answer GET ${health.path} with 2xx`;
  return `${what} within ${formatDuration(health.timeoutMs)}`;
}

/** How waiting for health ended: `foreign` when the last answer came from a process not the release's (it holds the port). */
export type HealthResult = 'healthy' | 'unhealthy' | 'foreign';

export interface HealthOutcome {
  result: HealthResult;
  /** How many probes were made, and what the last one saw (null: none was made). */
  tries: number;
  last: Probe | null;
}

export interface WaitOptions {
  /** Whether the release holds the port: false (another process does) makes its answers not count; null: cannot tell. */
  owns?: () => boolean | null;
  /**
   * A publishing proxy (Docker's) takes connections for the release even while nothing listens
   * behind it, and closes them at once: a TCP connection counts only when it stays open, and a
   * connection closed at once counts as refused.
   */
  proxied?: boolean;
  /** Where the release answers (default 127.0.0.1). */
  host?: string;
}

/**
 * Probes `host:port` (default 127.0.0.1) on the schedule above until it is healthy, the health timeout passes
 * or `signal` fires (the caller tells why from the signal). An answer counts only when `owns()`
 * does not say another process holds the port.
 */
export async function waitHealthy(port: number, health: Health, signal: AbortSignal, options: WaitOptions = {}): Promise<HealthOutcome> {
  const { owns = () => null, proxied = false, host = '127.0.0.1' } = options;
  const outcome: HealthOutcome = { result: 'unhealthy', tries: 0, last: null };
  const started = Date.now();
  const deadline = started + health.timeoutMs;
  let unhealthyAnswers = 0;
  for (;;) {
    if (signal.aborted) return outcome;
    const left = deadline - Date.now();
    if (left <= 0) return outcome;
    const limit = Math.min(PROBE_MS, left);
    const probe = health.path === null ? await probeTcp(host, port, limit, proxied ? PROXIED_HOLD_MS : 0) : await probeHttp(host, port, health.path, limit, proxied);
    // A probe the deadline cut short and that saw no answer says less than the one before it
    // (on a loaded machine a 503 can take longer than the few ms that were left): keep that one.
    if (probe.kind === 'silent' && limit < PROBE_MS && outcome.last !== null) return outcome;
    const foreign = probe.kind !== 'refused' && owns() === false;
    outcome.tries += 1;
    outcome.last = probe;
    outcome.result = foreign ? 'foreign' : 'unhealthy';
    if (probe.kind === 'healthy' && !foreign) return { ...outcome, result: signal.aborted ? 'unhealthy' : 'healthy' };
    unhealthyAnswers = probe.kind === 'refused' || foreign ? 0 : unhealthyAnswers + 1;
    const pause = Math.min(probePause(Date.now() - started, unhealthyAnswers), deadline - Date.now());
    if (pause > 0) await sleep(pause, undefined, { signal }).catch(() => undefined);
  }
}
