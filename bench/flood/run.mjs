// A flood of idle connections to slipway's router, with slipway limited to --open-files.
// Prints how many the router held and refused, and how /healthz and signed deliveries on the
// webhook port answered before the flood (the baseline) and during it, side by side.
//
//   npm run build && node bench/flood/run.mjs [--open-files 1024] [--flood 2048] [--main dist/cli/main.js]
//
// Only 127.0.0.1; slipway and every connection are closed at the end, Ctrl-C included.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, killAll, startServer, stopServer, waitReady } from '../ingest/procs.mjs';

const { values } = parseArgs({ options: { 'open-files': { type: 'string' }, flood: { type: 'string' }, main: { type: 'string' } } });
const openFiles = Number(values['open-files'] ?? 1024);
const floodSize = Number(values.flood ?? 2 * openFiles);
const main = resolve(values.main ?? 'dist/cli/main.js');
const PROBES = 50;
const secret = randomUUID();

/** One GET or signed POST on a fresh connection: its status (0 when none came) and milliseconds. */
function probe(url, init = {}) {
  const started = process.hrtime.bigint();
  return new Promise((done) => {
    const finish = (status) => done({ status, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => finish(0));
    req.end(init.body);
  });
}

function signedPing(base) {
  const body = JSON.stringify({ zen: 'Half measures are as bad as nothing at all.', hook_id: 1 });
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const headers = { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature };
  return probe(`${base}/webhooks/github`, { method: 'POST', headers, body });
}

async function measure(base) {
  const health = [];
  for (let i = 0; i < PROBES; i += 1) health.push(await probe(`${base}/healthz`));
  const pings = [];
  for (let i = 0; i < 10; i += 1) pings.push(await signedPing(base));
  const times = health.filter((r) => r.status === 200).map((r) => r.ms).sort((a, b) => a - b);
  return {
    healthOk: times.length,
    medianMs: times.length === 0 ? NaN : times[Math.floor(times.length / 2)],
    pingsAccepted: pings.filter((r) => r.status === 202).length,
  };
}

async function flood(port, count) {
  const sockets = [];
  for (let opened = 0; opened < count; opened += 64) {
    const batch = Array.from({ length: Math.min(64, count - opened) }, () => connect(port, '127.0.0.1'));
    sockets.push(...batch);
    await Promise.all(batch.map((s) => new Promise((ok) => s.once('connect', ok).once('close', ok).on('error', () => {}))));
  }
  await new Promise((ok) => setTimeout(ok, 500));
  return sockets;
}

const dir = mkdtempSync(join(tmpdir(), 'slipway-flood-bench-'));
let sockets = [];
const cleanup = () => {
  for (const s of sockets) s.destroy();
  killAll();
  rmSync(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => (cleanup(), process.exit(130)));
try {
  const [apiPort, routerPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'slipway.yaml'), [
    `github: { webhookSecret: ${secret} }`,
    `server: { host: 127.0.0.1, port: ${apiPort} }`,
    `router: { host: 127.0.0.1, port: ${routerPort} }`,
    `store: { dataDir: ${JSON.stringify(join(dir, 'data'))} }`,
    'log: { level: info }',
    'apps: [{ name: web, repo: acme/web }]',
  ].join('\n'));
  const child = startServer('/bin/sh', ['-c', `ulimit -n ${openFiles} && exec "$0" "$@"`, process.execPath, main, 'serve', '--config', join(dir, 'slipway.yaml')], { env: { SLIPWAY_LOG_FORMAT: 'json' } });
  const base = `http://127.0.0.1:${apiPort}`;
  await waitReady(child, `${base}/healthz`);
  const limitsLine = () => child.output.split('\n').find((line) => line.includes('"connection limits'));
  for (let waited = 0; limitsLine() === undefined && waited < 5000; waited += 100) await new Promise((ok) => setTimeout(ok, 100));
  const limits = limitsLine() === undefined ? null : JSON.parse(limitsLine());
  console.log(`slipway ${main} with ${openFiles} open files: ${limits === null ? 'no connection limits logged' : `caps server ${limits.server}, router ${limits.router}, headroom ${limits.headroom}`}`);

  await measure(base); // warm-up
  const before = await measure(base);
  sockets = await flood(routerPort, floodSize);
  const held = sockets.filter((s) => !s.destroyed).length;
  const during = await measure(base);
  console.log(`flood: ${floodSize} idle router connections, ${held} held open, ${floodSize - held} closed by slipway`);
  console.log('                      before flood   during flood');
  console.log(`/healthz 200 of ${PROBES}      ${String(before.healthOk).padStart(12)}   ${String(during.healthOk).padStart(12)}`);
  console.log(`/healthz median ms   ${before.medianMs.toFixed(2).padStart(12)}   ${during.medianMs.toFixed(2).padStart(12)}`);
  console.log(`signed pings 202/10  ${String(before.pingsAccepted).padStart(12)}   ${String(during.pingsAccepted).padStart(12)}`);
  console.log(`ratio during/before (median /healthz): ${(during.medianMs / before.medianMs).toFixed(2)}`);
  for (const s of sockets) s.destroy();
  await stopServer(child);
} finally {
  cleanup();
}
