#!/usr/bin/env node
// Latency benchmark: webhook 202 -> deploy command start over sequential pushes to main,
// and the time to bring N branch environments from nothing to ready, on SQLite, or on each
// of several setups side by side (SQLite, PostgreSQL with one replica, three replicas on one
// PostgreSQL with webhooks round-robin across them). See bench/README.md.
//
//   node bench/latency/run.mjs [--pushes 200] [--environments 500] [--warmup 3]
//                              [--senders 4] [--concurrency 16] [--limit 300] [--gap 100] [--distinct]
//                              [--setups sqlite,pg-1,pg-3] [--admin postgres://postgres@127.0.0.1:5432/postgres]
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killAll } from '../ingest/procs.mjs';
import { ADMIN_URL, benchDatabases, query } from '../postgres.mjs';
import { CLI } from '../serve.mjs';
import { printEnvironments, printPushes } from './figures.mjs';
import { measureEnvironments, measurePushes } from './measure.mjs';
import { createOrigin, git, gitBaseline } from './origin.mjs';
import { report } from './report.mjs';
import { closeConnections } from './slipway.mjs';

/** What `--setups` names. The command target in every one: the process target refuses to run beside another replica. */
const SETUPS = [
  { name: 'sqlite', label: 'SQLite, 1 replica', count: 1, postgres: false },
  { name: 'pg-1', label: 'PostgreSQL, 1 replica', count: 1, postgres: true },
  { name: 'pg-3', label: 'PostgreSQL, 3 replicas', count: 3, postgres: true },
];

const { values: opts } = parseArgs({
  options: {
    pushes: { type: 'string', default: '200' },
    environments: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '3' },
    senders: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '16' },
    gap: { type: 'string', default: '100' },
    distinct: { type: 'boolean', default: false },
    limit: { type: 'string', default: '300' },
    setups: { type: 'string', default: 'sqlite' },
    admin: { type: 'string', default: ADMIN_URL },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node bench/latency/run.mjs [--pushes N] [--environments N] [--warmup N]
                                   [--senders N] [--concurrency N] [--limit S] [--gap MS] [--distinct]
                                   [--setups a,b] [--admin URL]
  --pushes N        measured pushes to main per setup, one at a time (default 200; 0 skips)
  --environments N  branch environments created at once per setup (default 500; 0 skips)
  --warmup N        unmeasured pushes before the measured ones (default 3; the first is cold;
                    more until every replica has run a deploy)
  --senders N       create webhooks in flight at once (default 4)
  --concurrency N   engine.concurrency of each replica (default 16)
  --limit S         give up on a setup's environments after S seconds (default 300)
  --gap MS          pause between a push's environment being ready and the next push (default 100)
  --distinct        each branch gets a commit of its own (slipway fetches per environment)
  --setups a,b      measured one after the other, then side by side: ${SETUPS.map((s) => s.name).join(', ')} (default sqlite)
  --admin URL       the PostgreSQL server: a database per part, dropped after
                    (default $SLIPWAY_TEST_POSTGRES, else ${ADMIN_URL})`);
  process.exit(0);
}
const pushes = Number(opts.pushes);
const envCount = Number(opts.environments);
const warmup = Number(opts.warmup);
const senders = Number(opts.senders);
const concurrency = Number(opts.concurrency);
const limitS = Number(opts.limit);
const gapMs = Number(opts.gap);
if (![pushes, envCount, warmup].every((n) => Number.isInteger(n) && n >= 0)
  || !(Number.isInteger(senders) && senders > 0) || !(Number.isInteger(concurrency) && concurrency > 0) || !(limitS > 0) || !(gapMs >= 0)) {
  console.error('bad flags: counts are whole numbers (pushes, environments, warmup >= 0; senders, concurrency > 0), --limit > 0, --gap >= 0');
  process.exit(2);
}
const setups = opts.setups.split(',').map((name) => SETUPS.find((s) => s.name === name.trim()) ?? name.trim());
const unknown = setups.filter((s) => typeof s === 'string');
if (unknown.length > 0) {
  console.error(`unknown setup ${unknown.map((s) => `"${s}"`).join(', ')} in --setups; expected any of: ${SETUPS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
if (!existsSync(CLI)) {
  console.error(`${CLI} not found: build slipway first (npm run build)`);
  process.exit(1);
}
const databases = benchDatabases(opts.admin);
const postgres = setups.some((s) => s.postgres);
if (postgres) {
  try {
    await databases.check();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

// Cleanup on every way out: slipway and git stopped, the databases dropped, the temp folder removed.
const tmp = mkdtempSync(join(tmpdir(), 'slipway-latency-'));
// mkdtemp makes it 0700; run as root, slipway runs the deploy command as nobody, which must
// reach the starts file and its worktree (in the work folder) through it.
chmodSync(tmp, 0o755);
const running = { current: null }; // the running slipway
let interrupted = false;
process.on('exit', () => {
  killAll('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping slipway, ${postgres ? 'dropping its databases, ' : ''}removing ${tmp}`);
    // SIGTERM lets slipway cancel its deploy commands; the exit handler kills what is left.
    await running.current?.stop().catch(() => {});
    await databases.dropAll();
    process.exit(130);
  });
}

const secret = randomBytes(20).toString('hex');
const postgresVersion = postgres ? `, PostgreSQL ${(await query(opts.admin, 'SHOW server_version'))[0].server_version}` : '';
console.log(`slipway latency bench: ${setups.map((s) => s.label).join(', ')}; per setup ${pushes} pushes (+${warmup} warm-up), ` +
  `${envCount} environments; engine.concurrency ${concurrency} per replica; ${cpus().length} cores, node ${process.version}, ` +
  `git ${(await git(tmp, ['--version'])).replace('git version ', '')}${postgresVersion}`);
const probe = await createOrigin(join(tmp, 'probe-origin'));
const baseline = await gitBaseline(probe, join(tmp, 'probe'));
console.log(`baseline: \`git cat-file -e\` ${baseline.spawnMs.toFixed(1)} ms, ` +
  `\`git worktree add\` of the app ${baseline.worktreeMs.toFixed(1)} ms (p50, run from node)`);

const results = [];
for (const setup of setups) {
  if (setups.length > 1) console.log(`\n######## ${setup.label}`);
  const dir = join(tmp, setup.name);
  mkdirSync(dir);
  // An origin per setup, made alike: the branches one setup makes are not seen by the next.
  const origin = await createOrigin(join(dir, 'origin'));
  const ctx = {
    dir, origin, secret, concurrency, replicas: setup.count, running,
    storeUrl: setup.postgres ? () => databases.create() : async () => null,
  };
  const result = { setup, pushes: null, envs: null, failed: null };
  try {
    if (pushes > 0) {
      console.log(`\n== 1. webhook 202 -> deploy command start, ${pushes} pushes to main, one at a time`);
      result.pushes = await measurePushes(ctx, { pushes, warmup, gapMs });
      printPushes(result.pushes);
    }
    if (envCount > 0) {
      console.log(`\n== 2. ${envCount} branch environments from nothing to ready (no-op deploy)`);
      result.envs = await measureEnvironments(ctx, { count: envCount, senders, limitS, distinct: opts.distinct });
      printEnvironments(result.envs);
    }
  } catch (err) {
    if (interrupted) await new Promise(() => {}); // the signal handler exits
    console.error(`FAILED: ${err.stack ?? err.message}`);
    for (const replica of running.current?.replicas ?? []) console.error(`slipway output (last 8 KB):\n${replica.child.output}`);
    result.failed = err.message;
  } finally {
    await running.current?.stop();
    running.current = null;
    await databases.dropAll();
  }
  results.push(result);
}
closeConnections();
report(results, { limitS });
