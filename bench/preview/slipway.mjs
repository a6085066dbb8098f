// slipway in this process, wired as `slipway demo` wires it (src/cli/run-demo.ts): SqliteStore
// in a temp folder, the process target (the app has no `target:`) or the docker target, the
// router on a free port of 127.0.0.1, a LocalRepo as the app's remote. Plus signed webhooks
// and page polls over HTTP.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
export const BUILT = existsSync(join(dist, 'service.js'));
const load = (path) => import(join(dist, path));

export const APP = 'web';
export const REPO = 'bench/web';

/**
 * Starts slipway on `<dir>/data`, deploying from a LocalRepo at `<dir>/repo` with main
 * committed: the sample app, or `appFiles(release)` plus `extraFiles` when given. `target` is
 * the app's `target:` as YAML flow text; without it the app gets none (the process target).
 * `message(text)` makes each commit message (the docker bench makes its shas its own);
 * `previewKeys` are more keys of the preview template, as YAML (`sleepAfter: 1s`).
 */
export async function startSlipway(dir, { target = null, appFiles = null, extraFiles = {}, message = (text) => text, previewKeys = null } = {}) {
  const [{ parseConfig }, { createLogger }, { SqliteStore }, { startService }, { LocalRepo }, { sampleAppFiles }, { pullRequestWebhook }] =
    await Promise.all([
      load('config/load.js'), load('logger.js'), load('store/sqlite/sqlite-store.js'), load('service.js'),
      load('source/local-repo.js'), load('demo/sample-app.js'), load('demo/payloads.js'),
    ]);
  const files = appFiles ?? sampleAppFiles;
  const repo = await LocalRepo.init(join(dir, 'repo'));
  const main = await repo.commit('main', { ...files({ version: 'main', message: 'main' }), ...extraFiles }, message('main'));
  const secret = randomBytes(32).toString('hex');
  // Without `target:`, the process target is the default; its stopGrace stays the default (10 s).
  const yaml = `github: { webhookSecret: ${JSON.stringify(secret)} }
store: { dataDir: data }
log: { level: warn }
router: { host: 127.0.0.1, port: 0, domain: localhost }
apps:
  - name: ${APP}
    repo: ${REPO}
    url: ${JSON.stringify(repo.url)}
${target === null ? '' : `    target: ${target}\n`}    environments:
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
${previewKeys === null ? '' : `        ${previewKeys}\n`}`;
  const config = parseConfig(yaml, join(dir, 'slipway.yaml'), {}, dir);
  // Warnings and errors go to stderr, so that --json output stays parseable.
  const log = createLogger({ level: 'warn', pretty: false, destination: process.stderr });
  const store = await SqliteStore.open(config.store.dataDir);
  const apiToken = randomBytes(32).toString('hex');
  const service = await startService({ config, store, log, secrets: [secret], apiToken, port: 0, host: '127.0.0.1', routerPort: 0 })
    .catch(async (error) => {
      await store.close();
      throw error;
    });
  return {
    service, store, repo, main, secret, appFiles: files, message, pullRequestWebhook,
    apiHeaders: { authorization: `Bearer ${apiToken}` },
    dataDir: config.store.dataDir,
    routerPort: Number(new URL(service.routerUrl).port),
    async close() {
      await service.close();
      await store.close();
    },
  };
}

/** The process target's record of an environment: `current.startedAt` is when its process was spawned (epoch ms). */
export function processRecord(dataDir, env) {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'targets', 'process', `${APP}.${env}.json`), 'utf8'));
  } catch {
    return null;
  }
}

/** Wall-clock epoch ms with sub-ms precision. */
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

/** POSTs a signed webhook to slipway; resolves with { status, ackAt } (ackAt: the answer's head arrived). */
export async function deliver(base, secret, { event, payload }) {
  const { sign } = await load('ingest/signature.js');
  const body = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const req = request(`${base}/webhooks/github`, {
      method: 'POST',
      agent: false,
      timeout: 10_000,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'user-agent': 'GitHub-Hookshot/bench',
        'x-github-event': event,
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': sign(secret, body),
      },
    }, (res) => {
      const ackAt = nowMs();
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, ackAt, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer from slipway within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** One GET over a fresh connection to 127.0.0.1:port; { status, body }, or { status: 0, body: error code }. */
export function get(port, host, path = '/') {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 2000, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (err) => resolve({ status: 0, body: err.code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => resolve({ status: 0, body: err.code ?? err.message }));
    req.end();
  });
}

/**
 * Polls GET / every `everyMs` until it answers 200 with a page showing `version`; resolves
 * with the time that answer was complete. Rejects after `timeoutMs`, saying what it last saw,
 * or once `signal` is aborted.
 */
export async function waitForVersion(port, host, version, { everyMs = 5, timeoutMs = 30_000, what, signal }) {
  const deadline = Date.now() + timeoutMs;
  const wanted = `version ${version} at commit`;
  let last = 'no answer';
  for (;;) {
    signal?.throwIfAborted();
    const { status, body } = await get(port, host);
    if (status === 200 && body.includes(wanted)) return nowMs();
    last = status === 0 ? body : `HTTP ${status}${status === 200 ? ` (${/version (\S+) at/.exec(body)?.[1] ?? 'another page'})` : ''}`;
    if (Date.now() > deadline) throw new Error(`${what} did not answer 200 with version ${version} within ${timeoutMs / 1000} s (last answer: ${last})`);
    await sleep(everyMs);
  }
}

/** Sum (s) and count of a Prometheus histogram on GET /metrics (`headers` carry the API token). */
export async function histogram(base, name, headers) {
  const res = await fetch(`${base}/metrics`, { headers, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  const value = (suffix) => Number(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sum: value('sum'), count: value('count') };
}
