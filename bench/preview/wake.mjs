#!/usr/bin/env node
// Wake benchmark: a preview that slept (sleepAfter) is asked for its page through slipway's
// router; the clock runs from sending that request to its 200 with the page, the request
// held by the router while the release starts again. Side by side, the baseline: the same
// commit's app started by hand (`node server.js`) and polled until it answers. See bench/README.md.
//
//   node bench/preview/wake.mjs [--runs N] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { killAll } from '../ingest/procs.mjs';
import { checkout, coldStart, removeCheckout } from './baseline.mjs';
import { pullRequest } from './pull-request.mjs';
import { APP, BUILT, histogram, nowMs, startSlipway } from './slipway.mjs';

const SLEEP_AFTER = '1s'; // the preview's sleepAfter: short, so each run waits little for the next sleep
const TIMEOUT_MS = 30_000; // a wake (or a sleep) must happen within this, or the run fails
const POLL_MS = 5; // how often the bare app is asked for its page
const GOAL_MS = 1000; // the goal for the median wake of the sample app

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node bench/preview/wake.mjs [--runs N] [--json]
  --runs N    wake-ups to time, each after the preview went to sleep again (default 10)
  --json      print the result as JSON only`);
  process.exit(0);
}
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs must be a whole number >= 1');
  process.exit(2);
}
if (!BUILT) {
  console.error('dist/ not found: build slipway first (npm run build)');
  process.exit(1);
}
const say = opts.json ? () => {} : (line = '') => console.log(line);

const tmp = mkdtempSync(join(tmpdir(), 'slipway-wake-'));
let slipway = null;
process.on('exit', () => {
  killAll('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    await slipway?.close().catch(() => {});
    process.exit(130);
  });
}

/** One GET through the router on a fresh connection, as curl sends it (no text/html: the router holds it until awake). */
function getPage(port, host) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: TIMEOUT_MS, headers: { host, accept: '*/*' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body, at: nowMs() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

async function untilState(env, state) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const found = await slipway.store.getEnvironment(APP, env);
    if (found?.state === state) return found;
    if (Date.now() > deadline) throw new Error(`${APP}/${env} was not ${state} within ${TIMEOUT_MS / 1000} s: it is ${found?.state ?? 'missing'}`);
    await sleep(20);
  }
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0], max: sorted.at(-1) };
};

let result;
try {
  slipway = await startSlipway(join(tmp, 'process'), { previewKeys: `sleepAfter: ${SLEEP_AFTER}` });
  const metric = await histogram(slipway.service.url, 'slipway_webhook_to_deploy_start_seconds', slipway.apiHeaders);
  const pr = pullRequest(slipway, 1, { pollMs: POLL_MS, timeoutMs: TIMEOUT_MS, split: async () => ({}), metric });
  const head = await pr.commit('open');
  await pr.send('opened', head);
  const host = `${pr.env}.${APP}.localhost:${slipway.routerPort}`;
  say(`slipway wake bench: ${runs} wake-ups of a sleeping preview (process target, sleepAfter ${SLEEP_AFTER}), each beside the bare app started by hand; ` +
    `${cpus().length} cores, node ${process.version}`);
  const wake = [];
  const bare = [];
  const dir = join(tmp, 'bare');
  await checkout(slipway.repo.dir, head.sha, dir);
  for (let i = 1; i <= runs; i++) {
    await untilState(pr.env, 'sleeping');
    const t0 = nowMs();
    const answer = await getPage(slipway.routerPort, host);
    if (answer.status !== 200 || !answer.body.includes(`version ${head.version} at commit`)) {
      throw new Error(`the woken preview answered HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
    }
    wake.push(answer.at - t0);
    bare.push((await coldStart(dir, head.version, POLL_MS)).ms);
    say(`wake #${String(i).padStart(2)}: ${wake.at(-1).toFixed(0).padStart(5)} ms through the router, bare app ${bare.at(-1).toFixed(0).padStart(5)} ms`);
  }
  await removeCheckout(slipway.repo.dir, dir);
  const env = await slipway.store.getEnvironment(APP, pr.env);
  result = { runs, sleepAfter: SLEEP_AFTER, wakesCounted: env?.wakes ?? null, wakeMs: stats(wake), bareMs: stats(bare) };
  result.wakeToBare = result.wakeMs.median / result.bareMs.median;
  result.goal = { medianUnderMs: GOAL_MS, met: result.wakeMs.median < GOAL_MS };
} catch (error) {
  console.error(`FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  await slipway?.close().catch((error) => console.error(`closing slipway: ${error.message}`));
}
if (result !== undefined) {
  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else {
    const line = (name, s) => `${name.padEnd(22)} median ${s.median.toFixed(0).padStart(5)} ms  p90 ${s.p90.toFixed(0).padStart(5)} ms  min ${s.min.toFixed(0).padStart(5)}  max ${s.max.toFixed(0).padStart(5)}`;
    say();
    say(line('wake (via the router)', result.wakeMs));
    say(line('bare app cold start', result.bareMs));
    say(`wake / bare (medians)  ${result.wakeToBare.toFixed(2)}x; wake-ups slipway counted: ${result.wakesCounted}`);
    say(`goal: median wake under ${GOAL_MS} ms: ${result.goal.met ? 'MET' : 'NOT MET'}`);
  }
}
process.exit();
