// A store grown to 1,000,000 deliveries over 120 days, pruned to the default retention, then
// cycles of one simulated day each (a day's deliveries ingested through the store, then the
// retention job at that day's end): the file size after each cycle, beside the same store with
// no retention job. See bench/README.md.
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../../dist/config/load.js';
import { Retention } from '../../dist/engine/retention.js';
import { createLogger } from '../../dist/logger.js';
import { DATABASE_FILE, SqliteStore } from '../../dist/store/sqlite/sqlite-store.js';
import { mb, seed, storeBytes } from './seed.mjs';

const { values } = parseArgs({ options: {
  rows: { type: 'string', default: '1000000' },
  days: { type: 'string', default: '120' },
  cycles: { type: 'string', default: '8' },
  'payload-bytes': { type: 'string', default: '1000' },
} });
const rows = Number(values.rows);
const days = Number(values.days);
const payloadBytes = Number(values['payload-bytes']);
const perDay = Math.round(rows / days);
const DAY = 86_400_000;
const policy = parseConfig('', 'slipway.yaml', {}, '/').retention;
const log = createLogger({ level: 'silent', pretty: false });

const root = mkdtempSync(join(tmpdir(), 'slipway-bench-retention-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
const dirs = { pruned: join(root, 'pruned'), kept: join(root, 'kept') };
const files = { pruned: join(dirs.pruned, DATABASE_FILE), kept: join(dirs.kept, DATABASE_FILE) };
for (const dir of Object.values(dirs)) (await import('node:fs')).mkdirSync(dir);

let now = Date.now();
let started = performance.now();
seed(files.pruned, { rows, days, now, payloadBytes });
console.log(`seeded ${rows} deliveries over ${days} days (${payloadBytes} B payloads) in ${((performance.now() - started) / 1000).toFixed(1)} s: ${mb(storeBytes(statSync, files.pruned))} MB`);
copyFileSync(files.pruned, files.kept);

started = performance.now();
const pruned = await SqliteStore.open(dirs.pruned);
console.log(`first open: one VACUUM to incremental auto-vacuum took ${((performance.now() - started) / 1000).toFixed(1)} s (${mb(storeBytes(statSync, files.pruned))} MB after)`);
const kept = await SqliteStore.open(dirs.kept);
const retention = new Retention(pruned, policy, log);

started = performance.now();
const first = await retention.run(now);
console.log(`first retention run: ${first.deliveries} rows and ${first.payloads} more payloads removed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log('\nMB: the database file + its write-ahead log');
console.log(`cycle  ingested  retention MB (db + wal)  no retention MB  run s`);
const parts = (file) => `${mb(storeBytes(statSync, file))} (${mb(statSync(file).size)} + ${mb(storeBytes(statSync, file) - statSync(file).size)})`;
const report = (cycle, seconds) => console.log(`${String(cycle).padStart(5)}  ${String(perDay * cycle).padStart(8)}  ${parts(files.pruned).padStart(23)}  ${mb(storeBytes(statSync, files.kept)).padStart(15)}  ${seconds.padStart(5)}`);
await pruned.ping();
report(0, '');
for (let cycle = 1; cycle <= Number(values.cycles); cycle++) {
  // 100 at a time, as concurrent webhooks share a commit.
  for (let from = 0; from < perDay; from += 100) {
    const inserts = [];
    for (let i = from; i < Math.min(perDay, from + 100); i++) {
      const delivery = { id: `c${cycle}-${i}`, event: 'pull_request', action: 'opened', hookId: '1', targetType: 'repository', targetId: '2', repository: 'acme/web', receivedAt: now + Math.floor((i * DAY) / perDay) };
      // Random bytes, so compression keeps them about `payloadBytes` long, as the seeded ones.
      const payload = randomBytes(payloadBytes);
      inserts.push(pruned.insertDelivery({ ...delivery, payload }), kept.insertDelivery({ ...delivery, payload }));
    }
    await Promise.all(inserts);
  }
  now += DAY;
  started = performance.now();
  await retention.run(now);
  report(cycle, ((performance.now() - started) / 1000).toFixed(1));
}
await pruned.close();
await kept.close();
console.log(`\nafter close (WAL checkpointed): retention ${mb(storeBytes(statSync, files.pruned))} MB, no retention ${mb(storeBytes(statSync, files.kept))} MB`);
