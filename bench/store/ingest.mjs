// Deliveries per second through Store.insertDelivery, acknowledged only once committed: the
// PostgreSQL store (group commit: one multi-row insert per commit), a plain one-transaction-per-
// delivery insert of the same rows (payload compressed alike) as its peer, and the SQLite store.
// See bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { compressPayload } from '../../dist/store/payloads.js';
import { PgStore } from '../../dist/store/postgres/pg-store.js';
import { SqliteStore } from '../../dist/store/sqlite/sqlite-store.js';
import { ADMIN_URL, benchDatabases, query } from '../postgres.mjs';

const { values } = parseArgs({ options: {
  deliveries: { type: 'string', default: '5000' },
  concurrency: { type: 'string', default: '64' },
  'payload-bytes': { type: 'string', default: '21504' },
  admin: { type: 'string', default: ADMIN_URL },
} });
const total = Number(values.deliveries);
const concurrency = Number(values.concurrency);
const payload = Buffer.from(JSON.stringify({ action: 'opened', body: 'x'.repeat(Number(values['payload-bytes']) - 30) }));

const root = mkdtempSync(join(tmpdir(), 'slipway-bench-store-'));
const databases = benchDatabases(values.admin);
const cleanUp = async () => {
  rmSync(root, { recursive: true, force: true });
  await databases.dropAll();
};
process.on('SIGINT', () => cleanUp().finally(() => process.exit(130)));

/** `insert(i)` for every delivery, `concurrency` at a time; deliveries per second. */
async function drive(insert) {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await insert(next++);
  }));
  return total / ((performance.now() - started) / 1000);
}

const delivery = (i) => ({ id: `bench-${i}`, event: 'pull_request', action: 'opened', hookId: '1', targetType: 'repository', targetId: '2', repository: 'acme/web', receivedAt: Date.now(), payload });

const results = [];
{
  const url = await databases.create();
  const store = await PgStore.open(url);
  const rate = await drive((i) => store.insertDelivery(delivery(i)));
  await store.close();
  // xmin: the transaction that inserted the row.
  const [{ commits }] = await query(url, 'SELECT count(DISTINCT xmin::text)::int AS commits FROM deliveries');
  results.push(['postgres, PgStore', rate, commits]);
}
{
  const url = await databases.create();
  await (await PgStore.open(url)).close();
  const pool = new pg.Pool({ connectionString: url, max: Math.min(concurrency, 10) });
  const rate = await drive(async (i) => {
    const { payload: raw, ...d } = delivery(i);
    const body = compressPayload(raw);
    await pool.query(`WITH inserted AS (INSERT INTO deliveries (id, event, action, hook_id, target_type, target_id, repository, received_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq) INSERT INTO delivery_payloads (seq, encoding, body) SELECT seq, 'br', $9 FROM inserted`,
    [d.id, d.event, d.action, d.hookId, d.targetType, d.targetId, d.repository, d.receivedAt, body]);
  });
  await pool.end();
  results.push(['postgres, a transaction each (peer)', rate, total]);
}
{
  const store = await SqliteStore.open(join(root, 'sqlite'));
  const rate = await drive((i) => store.insertDelivery(delivery(i)));
  await store.close();
  results.push(['sqlite, SqliteStore', rate, null]);
}
await cleanUp();

console.log(`${total} deliveries of ${payload.length} bytes, ${concurrency} in flight\n`);
console.log(`${'store'.padEnd(38)} ${'per s'.padStart(8)} ${'commits'.padStart(8)}`);
for (const [name, rate, commits] of results) console.log(`${name.padEnd(38)} ${rate.toFixed(0).padStart(8)} ${String(commits ?? '-').padStart(8)}`);
const [grouped, single] = results;
console.log(`\ngroup commit / a transaction each: ${(grouped[1] / single[1]).toFixed(2)}`);
