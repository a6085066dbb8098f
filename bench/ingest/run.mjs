#!/usr/bin/env node
// Ingest benchmark: acknowledged deliveries per second and ack latency for slipway and
// three peers, measured with wrk in one run. See bench/README.md.
//
//   node bench/ingest/run.mjs [--duration 10] [--connections 16,64] [--warmup 2]
//                             [--only webhook,probot,plain,slipway]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPayload, sign, staticHeaders } from './payload.mjs';
import { runWrk } from './load.mjs';
import { PEERS } from './peers.mjs';
import { freePort, killAll, stopServer, track, runCommand } from './procs.mjs';
import { printResults } from './report.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16,64' },
    warmup: { type: 'string', default: '2' },
    only: { type: 'string', default: PEERS.map((p) => p.name).join(',') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log('usage: node bench/ingest/run.mjs [--duration S] [--connections 16,64] [--warmup S] [--only webhook,probot,plain,slipway]');
  process.exit(0);
}
const duration = Number(opts.duration);
const warmup = Number(opts.warmup);
const connections = opts.connections.split(',').map(Number);
const only = opts.only.split(',');
const unknown = only.filter((n) => !PEERS.some((p) => p.name === n));
if (unknown.length || !(duration > 0) || !(warmup >= 0) || connections.some((c) => !(c > 0))) {
  console.error(`bad flags${unknown.length ? `: unknown peer "${unknown}"; expected one of: ${PEERS.map((p) => p.name).join(', ')}` : ''}`);
  process.exit(2);
}

// Cleanup on every way out: normal exit, error, Ctrl-C, kill.
const tmp = mkdtempSync(join(tmpdir(), 'slipway-bench-'));
process.on('exit', () => {
  killAll('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping servers and wrk, removing ${tmp}`);
    process.exit(130);
  });
}

if ((await runCommand('sh', ['-c', 'command -v wrk >/dev/null'])) !== 0) {
  console.error('wrk is not installed: `sudo apt-get install -y wrk`');
  process.exit(1);
}

const secret = randomBytes(20).toString('hex');
const body = buildPayload();
const bodyFile = join(tmp, 'payload.json');
writeFileSync(bodyFile, body);
const headers = staticHeaders(sign(secret, body));

console.log(`slipway ingest bench: pull_request.opened, ${body.length} bytes, signed; ` +
  `wrk -t1, ${duration} s per run (+${warmup} s warm-up), connections ${connections.join(', ')}`);
console.log(`machine: ${cpus().length} cores, node ${process.version}; wrk runs on the same cores\n`);

const results = []; // { peer, connections, ...wrk result }
const checks = []; // { peer, badSignatureStatus, acked (2xx answers), rows? }

for (const peer of PEERS.filter((p) => only.includes(p.name))) {
  const skip = await peer.prepare({ repoRoot });
  if (skip) {
    console.log(`${peer.name}: SKIPPED, ${skip}`);
    continue;
  }
  const dir = mkdtempSync(join(tmp, `${peer.name}-`));
  let server;
  try {
    server = await peer.start({ secret, dir, port: await freePort(), repoRoot });
    console.log(`${peer.name}: ${peer.label}, pid ${server.child.pid}, ${server.url}`);
    const check = { peer: peer.name, acked: 0 };
    checks.push(check);

    check.badSignatureStatus = await post(server.url, sign('wrong secret', body));
    const status = await post(server.url, headers['X-Hub-Signature-256']);
    if (status < 200 || status >= 300) throw new Error(`a correctly signed delivery got HTTP ${status}`);
    check.acked += 1;

    const load = (c, d) => runWrk({ url: server.url, connections: c, duration: d, bodyFile, headers, serverPid: server.child.pid, track });
    if (warmup > 0) check.acked += (await load(connections[0], warmup)).ok;
    for (const c of connections) {
      const r = await load(c, duration);
      check.acked += r.ok;
      results.push({ peer: peer.name, connections: c, ...r });
      console.log(`  ${c} connections: ${Math.round(r.reqPerSec)} req/s, p99 ${(r.p99Us / 1000).toFixed(2)} ms`);
    }
    if (!(await stopServer(server.child))) console.log(`  ${peer.name} ignored SIGTERM for 5 s; killed`);
    if (server.countRows) check.rows = server.countRows();
  } catch (err) {
    console.log(`${peer.name}: FAILED, ${err.message}`);
    process.exitCode = 1;
  } finally {
    if (server) await stopServer(server.child);
    rmSync(dir, { recursive: true, force: true }); // stored deliveries run to gigabytes
  }
}

if (!printResults({ results, checks, connections })) process.exitCode = 1;

/** One delivery outside the load (fresh delivery id); returns the HTTP status. */
async function post(url, signature) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'X-Hub-Signature-256': signature, 'X-GitHub-Delivery': randomUUID() },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}
