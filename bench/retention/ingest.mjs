// Ingest latency while the retention job removes a large backlog, beside the same load with
// no removal running: a store seeded with old deliveries, a slipway serving webhooks on it,
// and signed deliveries sent at a steady rate by a separate process. See bench/README.md.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { parseConfig } from '../../dist/config/load.js';
import { Retention } from '../../dist/engine/retention.js';
import { createLogger } from '../../dist/logger.js';
import { startService } from '../../dist/service.js';
import { DATABASE_FILE, SqliteStore } from '../../dist/store/sqlite/sqlite-store.js';
import { seed } from './seed.mjs';

const { values } = parseArgs({ options: {
  rows: { type: 'string', default: '300000' },
  rate: { type: 'string', default: '200' },
  seconds: { type: 'string', default: '10' },
  'payload-bytes': { type: 'string', default: '4000' },
  batch: { type: 'string', default: '100' },
} });
const DAY = 86_400_000;
const root = mkdtempSync(join(tmpdir(), 'slipway-bench-retention-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
const dataDir = join(root, 'data');
mkdirSync(dataDir);
const now = Date.now();
// Old enough that every row goes: all of them are removed while the load runs.
seed(join(dataDir, DATABASE_FILE), { rows: Number(values.rows), days: 20, now: now - 100 * DAY, payloadBytes: Number(values['payload-bytes']) });

const config = parseConfig('', join(root, 'slipway.yaml'), {}, root);
config.store.dataDir = dataDir;
config.store.workDir = join(root, 'work');
const store = await SqliteStore.open(dataDir);
const log = createLogger({ level: 'silent', pretty: false });
const secret = 'bench-secret';
const service = await startService({ config, store, log, secrets: [secret], apiToken: 'bench-token', port: 0, host: '127.0.0.1', routerPort: 0 });

const load = async () => {
  const script = new URL('./load.mjs', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, [script, service.url, secret, values.rate, values.seconds]);
  return JSON.parse(stdout);
};

await load(); // warm-up, not counted
const quiet = await load();
const started = performance.now();
const retention = new Retention(store, config.retention, log, undefined, Number(values.batch));
let pruneSeconds = null;
const pruning = retention.run(now).then((run) => {
  pruneSeconds = (performance.now() - started) / 1000;
  return run;
});
const busy = await load();
const run = await pruning;
await service.close(2000);
await store.close();

const ms = (value) => value.toFixed(1).padStart(8);
console.log(`${values.rows} deliveries removed (${run.deliveries} rows) in ${pruneSeconds?.toFixed(1)} s, batches of ${values.batch}; load: ${values.rate}/s for ${values.seconds} s, 21 KB signed pull_request deliveries`);
console.log(`\n                     ok  fail     p50      p99      max  (ms)`);
for (const [name, r] of [['no removal', quiet], ['removal running', busy]]) {
  console.log(`${name.padEnd(16)} ${String(r.ok).padStart(6)} ${String(r.failures).padStart(5)} ${ms(r.p50)} ${ms(r.p99)} ${ms(r.max)}`);
}
console.log(`\np99 ratio removal/no removal: ${(busy.p99 / quiet.p99).toFixed(2)}`);
if (pruneSeconds !== null && pruneSeconds < Number(values.seconds)) console.log(`(the removal ended after ${pruneSeconds.toFixed(1)} s of the ${values.seconds} s window: the rest ran without it)`);
