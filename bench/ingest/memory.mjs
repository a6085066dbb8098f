#!/usr/bin/env node
// Memory benchmark: what unauthenticated webhook requests make slipway hold. Each scenario
// runs on a fresh `slipway serve` (dist/) on 127.0.0.1, and prints the server's peak RSS
// (VmHWM) and settled RSS (VmRSS, after the load ended) next to the idle baseline. See
// bench/README.md.
//
//   node bench/ingest/memory.mjs [--connections 100] [--size 20000000] [--cli dist/cli/main.js]
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, killAll, startServer, stopServer, waitReady } from './procs.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    connections: { type: 'string', default: '100' },
    size: { type: 'string', default: '20000000' },
    cli: { type: 'string', default: join(repoRoot, 'dist/cli/main.js') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log('usage: node bench/ingest/memory.mjs [--connections 100] [--size 20000000] [--cli dist/cli/main.js]');
  process.exit(0);
}
const connections = Number(opts.connections);
const size = Number(opts.size);
if (!(connections > 0 && connections <= 500) || !(size > 0 && size <= 25_000_000)) {
  console.error('--connections must be 1 to 500 and --size 1 to 25000000 bytes');
  process.exit(2);
}
/** Each body goes out in pieces of this size with a pause between them, so the requests overlap. */
const PIECE = 64 * 1024;
const PAUSE_MS = 10;
/** After the load: time for the server to free what it held before VmRSS is read. */
const SETTLE_MS = 3000;
/** Every scenario ends within this, answered or not. */
const SCENARIO_TIMEOUT_MS = 120_000;

const tmp = mkdtempSync(join(tmpdir(), 'slipway-bench-memory-'));
process.on('exit', () => {
  killAll('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const secret = randomBytes(32).toString('hex');
const sign = (body) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** kB → MiB of one field of /proc/<pid>/status. */
function status(pid, field) {
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

async function startSlipway(name) {
  const dir = join(tmp, name);
  const config = join(tmp, `${name}.yaml`);
  writeFileSync(config, `store: { dataDir: ${JSON.stringify(dir)} }\nlog: { level: warn }\n`);
  const port = await freePort();
  const child = startServer(process.execPath, [opts.cli, 'serve', '--config', config, '--host', '127.0.0.1', '--port', String(port)], {
    env: { SLIPWAY_WEBHOOK_SECRET: secret, SLIPWAY_API_TOKEN: randomUUID() },
  });
  await waitReady(child, `http://127.0.0.1:${port}/readyz`);
  return { child, port };
}

/**
 * One POST on its own connection: the head, then `body` in paced pieces until the server
 * answers or all is sent. Resolves with the status (0: no answer) once the connection closed.
 */
function post(port, headers, body) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let done = false;
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      done = true;
      resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 0));
    });
    const head = Object.entries({ host: '127.0.0.1', 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'content-length': body.length, ...headers });
    socket.write(`POST /webhooks/github HTTP/1.1\r\n${head.map(([k, v]) => `${k}: ${v}\r\n`).join('')}connection: close\r\n\r\n`);
    (async () => {
      for (let sent = 0; sent < body.length && answer === '' && !done; sent += PIECE) {
        if (!socket.write(body.subarray(sent, sent + PIECE))) await new Promise((r) => socket.once('drain', r));
        await sleep(PAUSE_MS);
      }
      // Answered (or all sent): wait for the server to close, then make sure the socket goes.
      await Promise.race([new Promise((r) => socket.once('close', r)), sleep(10_000)]);
      socket.destroy();
    })();
  });
}

const pingOf = (bytes) => {
  const base = JSON.stringify({ zen: 'Avoid administrative distraction.', hook_id: 1, pad: '' });
  return Buffer.from(base.replace('"pad":""', `"pad":"${'a'.repeat(Math.max(0, bytes - base.length))}"`));
};
const large = pingOf(size);
const small = pingOf(2048);
const SCENARIOS = [
  { name: 'idle', what: 'started, no requests', requests: () => [] },
  { name: 'signed small', what: `${connections} concurrent signed ${small.length} B deliveries`, requests: (port) => Array.from({ length: connections }, () => post(port, { 'x-hub-signature-256': sign(small) }, small)) },
  { name: 'unsigned large', what: `${connections} concurrent unsigned ${size} B bodies`, requests: (port) => Array.from({ length: connections }, () => post(port, {}, large)) },
  { name: 'wrong-signed large', what: `${connections} concurrent ${size} B bodies, well-formed wrong signature`, requests: (port) => Array.from({ length: connections }, () => post(port, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, large)) },
];

console.log(`slipway: ${opts.cli}; ${connections} connections, bodies of ${size} B sent in ${PIECE / 1024} KiB pieces every ${PAUSE_MS} ms; settle ${SETTLE_MS / 1000} s`);
const rows = [];
for (const scenario of SCENARIOS) {
  const { child, port } = await startSlipway(scenario.name.replace(/\W/g, '-'));
  const started = Date.now();
  const statuses = await Promise.race([
    Promise.all(scenario.requests(port)),
    sleep(SCENARIO_TIMEOUT_MS).then(() => { throw new Error(`${scenario.name}: not done within ${SCENARIO_TIMEOUT_MS / 1000} s`); }),
  ]);
  const seconds = (Date.now() - started) / 1000;
  await sleep(SETTLE_MS);
  rows.push({ ...scenario, peak: status(child.pid, 'VmHWM'), settled: status(child.pid, 'VmRSS'), seconds, statuses });
  await stopServer(child);
}

const idle = rows[0];
const count = (statuses) => Object.entries(statuses.reduce((all, s) => ({ ...all, [s]: (all[s] ?? 0) + 1 }), {})).map(([s, n]) => `${n}×${s}`).join(' ') || '—';
console.log('\n| scenario | load | answers | load time | peak RSS (VmHWM) | settled RSS | peak / idle | settled / idle |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.name} | ${row.what} | ${count(row.statuses)} | ${row.seconds.toFixed(1)} s | ${row.peak.toFixed(0)} MiB | ${row.settled.toFixed(0)} MiB | ${(row.peak / idle.peak).toFixed(2)} | ${(row.settled / idle.settled).toFixed(2)} |`);
}
