#!/usr/bin/env node
// Ingest on the stores and with replicas, side by side in one run: acknowledged deliveries per
// second (wrk, signed pull_request.opened of ~21 KB) for `slipway serve` on SQLite, on
// PostgreSQL with one replica, and with three replicas sharing one database (one wrk per
// replica, the connections split between them); then the time each setup takes to dispatch a
// backlog of deliveries seeded into its store before it starts. See bench/README.md.
//
//   node bench/ingest/replicas.mjs [--duration 10] [--connections 48] [--backlog 10000]
//                                  [--admin postgres://postgres@127.0.0.1:5432/postgres]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { ADMIN_URL, benchDatabases, query } from '../postgres.mjs';
import { dataDirOf, startReplicas as startSlipways, stopReplicas } from '../serve.mjs';
import { buildPayload, sign, staticHeaders } from './payload.mjs';
import { runWrk } from './load.mjs';
import { killAll, runCommand, track } from './procs.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const { PgStore } = await import(join(repoRoot, 'dist/store/postgres/pg-store.js'));
const { SqliteStore } = await import(join(repoRoot, 'dist/store/sqlite/sqlite-store.js'));

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '48' },
    backlog: { type: 'string', default: '10000' },
    admin: { type: 'string', default: ADMIN_URL },
  },
});
const duration = Number(opts.duration);
const warmup = Number(opts.warmup);
const connections = Number(opts.connections);
const backlog = Number(opts.backlog);
if (!(duration > 0) || !(warmup >= 0) || !(connections >= 3) || !(backlog > 0)) {
  console.error('bad flags: --duration S (>0) --warmup S (>=0) --connections N (>=3) --backlog N (>0)');
  process.exit(2);
}
if ((await runCommand('sh', ['-c', 'command -v wrk >/dev/null'])) !== 0) {
  console.error('wrk is not installed: `sudo apt-get install -y wrk`');
  process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'slipway-bench-replicas-'));
const databases = benchDatabases(opts.admin);
async function cleanUp() {
  killAll('SIGKILL');
  await databases.dropAll();
  rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => cleanUp().finally(() => process.exit(130)));

const secret = randomBytes(20).toString('hex');
const body = buildPayload();
const bodyFile = join(tmp, 'payload.json');
writeFileSync(bodyFile, body);
const headers = staticHeaders(sign(secret, body));

/** Starts `count` replicas with no apps on one store (`url` null: SQLite, one replica); resolves to them, ready. */
function startReplicas(name, count, url) {
  return startSlipways({ dir: join(tmp, name), count, storeUrl: url, config: 'log:\n  level: warn\n', env: { SLIPWAY_WEBHOOK_SECRET: secret } });
}

/** wrk against every replica at once, the connections split between them; the sums. */
async function load(replicas, seconds) {
  const share = Math.floor(connections / replicas.length);
  const runs = await Promise.all(replicas.map((replica) =>
    runWrk({ url: `${replica.base}/webhooks/github`, connections: share, duration: seconds, bodyFile, headers, serverPid: replica.child.pid, track })));
  return {
    ok: runs.reduce((sum, run) => sum + run.ok, 0),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    reqPerSec: runs.reduce((sum, run) => sum + run.reqPerSec, 0),
    p99Us: Math.max(...runs.map((run) => run.p99Us)),
    serverCpu: runs.reduce((sum, run) => sum + (run.cpu.server ?? 0), 0),
    wrkCpu: runs.reduce((sum, run) => sum + (run.cpu.wrk ?? 0), 0),
    host: Math.max(...runs.map((run) => run.cpu.host)),
  };
}

/** A delivery of one of 50 repositories (a repository's deliveries are dispatched in order, one replica at a time). */
function seeded(index) {
  const payload = JSON.stringify({ action: 'opened', number: index, repository: { full_name: `bench/repo-${index % 50}` } });
  return { id: randomUUID(), event: 'pull_request', action: 'opened', hookId: null, targetType: null, targetId: null, repository: `bench/repo-${index % 50}`, receivedAt: Date.now(), payload: Buffer.from(payload) };
}

/** Seeds `backlog` pending deliveries into the store, starts the replicas, and times the dispatch of all of them. */
async function drain(name, count, url) {
  const dataDir = dataDirOf(join(tmp, `${name}-drain`), 0);
  const store = url === null ? await SqliteStore.open(dataDir) : await PgStore.open(url);
  const inserts = [];
  for (let index = 0; index < backlog; index += 1) inserts.push(store.insertDelivery(seeded(index)));
  await Promise.all(inserts);
  await store.close();
  const started = Date.now();
  const replicas = await startReplicas(`${name}-drain`, count, url);
  const ready = Date.now();
  const pending = url === null ? async () => pendingInSqlite(join(dataDir, 'slipway.db')) : () => pendingInPostgres(url);
  for (;;) {
    if ((await pending()) === 0) break;
    if (Date.now() - started > 300_000) throw new Error(`${name}: backlog not drained in 300 s`);
    await sleep(50);
  }
  const drained = Date.now();
  await stopReplicas(replicas);
  return { startMs: ready - started, drainMs: drained - ready };
}

/** Pending rows of the SQLite store, read beside the running slipway (WAL readers do not block it). */
function pendingInSqlite(file) {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) AS n FROM deliveries WHERE status = 'pending'`).get().n;
  } finally {
    db.close();
  }
}

async function pendingInPostgres(url) {
  return Number((await query(url, `SELECT count(*) AS n FROM deliveries WHERE status = 'pending'`))[0].n);
}

const setups = [
  { name: 'sqlite', label: 'SQLite, 1 replica', count: 1, postgres: false },
  { name: 'pg-1', label: 'PostgreSQL, 1 replica', count: 1, postgres: true },
  { name: 'pg-3', label: 'PostgreSQL, 3 replicas', count: 3, postgres: true },
];
console.log(`slipway ingest on its stores: pull_request.opened, ${body.length} bytes, signed; wrk -t1 per replica, ${connections} connections in all, ` +
  `${duration} s (+${warmup} s warm-up); backlog of ${backlog} deliveries over 50 repositories`);
console.log(`machine: ${cpus().length} cores, node ${process.version}; PostgreSQL, wrk and every replica share them\n`);

const results = [];
try {
  for (const setup of setups) {
    const url = setup.postgres ? await databases.create() : null;
    const replicas = await startReplicas(setup.name, setup.count, url);
    if (warmup > 0) await load(replicas, warmup);
    const result = await load(replicas, duration);
    await stopReplicas(replicas);
    const drained = await drain(setup.name, setup.count, setup.postgres ? await databases.create() : null);
    results.push({ ...setup, ...result, ...drained });
    console.log(`${setup.label}: ${Math.round(result.reqPerSec)} acknowledged/s (p99 ${(result.p99Us / 1000).toFixed(1)} ms, non-2xx ${result.non2xx}); ` +
      `backlog of ${backlog} dispatched in ${(drained.drainMs / 1000).toFixed(2)} s after start (start ${(drained.startMs / 1000).toFixed(1)} s)`);
    // Where the machine's CPU went (% of one core; the machine has cpus().length * 100): what is
    // left when the host is busy through is what more replicas could use.
    const rest = Math.max(0, result.host - result.serverCpu - result.wrkCpu);
    console.log(`  CPU: host ${Math.round(result.host)}% of ${cpus().length * 100}%: slipway ${Math.round(result.serverCpu)}%, wrk ${Math.round(result.wrkCpu)}%, ` +
      `the rest (PostgreSQL, kernel) ${Math.round(rest)}%; slipway ${(result.serverCpu * 10 / result.reqPerSec).toFixed(2)} CPU-ms per acknowledged delivery`);
  }
  const [sqlite, one, three] = results;
  console.log('\n== ratios');
  console.log(`PostgreSQL 1 replica / SQLite: ${(one.reqPerSec / sqlite.reqPerSec).toFixed(2)}x (goal >= 0.5x)`);
  console.log(`PostgreSQL 3 replicas / 1 replica: ${(three.reqPerSec / one.reqPerSec).toFixed(2)}x (goal >= 1.5x)`);
  console.log(`backlog drained: SQLite ${(sqlite.drainMs / 1000).toFixed(2)} s, PostgreSQL ${(one.drainMs / 1000).toFixed(2)} s, 3 replicas ${(three.drainMs / 1000).toFixed(2)} s (goal < 10 s)`);
} catch (error) {
  console.error(`FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
