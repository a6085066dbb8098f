// slipway under test: its config, the process, signed webhooks to it, and what it reports.
import { Agent, request } from 'node:http';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { freePort, startServer, waitReady } from '../ingest/procs.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name) => JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/payloads', name), 'utf8'));

export const MAIN_JS = join(repoRoot, 'dist/cli/main.js');
export const APP = 'app';
export const REPO = 'acme/app';

/**
 * Starts `slipway serve` on a fresh data folder inside `dir`. The deploy command appends
 * "<epoch ns> <env> <sha>" to `startsFile` as its first action; destroy does nothing.
 */
export async function startSlipway({ dir, secret, originUrl, startsFile, concurrency }) {
  const dataDir = join(dir, 'data');
  const config = join(dir, 'slipway.yaml');
  // No "${" anywhere: slipway expands ${VAR} in its config. $(...) and $VAR are left to sh.
  const record = `echo "$(date +%s%N) $SLIPWAY_ENV $SLIPWAY_SHA" >> ${shellQuote(startsFile)}`;
  writeFileSync(config, [
    // The work folder in the temp folder too (its default is outside it), and outside the config's folder.
    `store: { dataDir: ${JSON.stringify(dataDir)}, workDir: ${JSON.stringify(`${dir}-work`)} }`,
    'log: { level: warn }',
    `engine: { concurrency: ${concurrency} }`,
    'apps:',
    `  - name: ${APP}`,
    `    repo: ${REPO}`,
    `    url: ${JSON.stringify(originUrl)}`,
    '    target:',
    '      type: command',
    `      deploy: ${JSON.stringify(['/bin/sh', '-c', record])}`,
    `      destroy: ${JSON.stringify(['/bin/true'])}`,
    '      timeout: 60s',
    '    environments:',
    '      - name: staging',
    '        track: { branch: main }',
    '      - name: br-{branch}',
    '        track: { branches: ["b/*"] }',
    '',
  ].join('\n'));
  const port = await freePort();
  const apiToken = randomUUID();
  const child = startServer(process.execPath, [MAIN_JS, 'serve', '--config', config, '--host', '127.0.0.1', '--port', String(port)],
    { cwd: dir, env: { SLIPWAY_WEBHOOK_SECRET: secret, SLIPWAY_API_TOKEN: apiToken } });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(child, `${base}/readyz`);
  return { child, base, port, dataDir, db: join(dataDir, 'slipway.db'), headers: { authorization: `Bearer ${apiToken}` } };
}

function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** Keep-alive connections, as GitHub's deliveries would not be, but so we measure slipway, not TCP setup. */
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/**
 * POSTs one signed delivery. Resolves with { status, sentAt, ackAt } where the times are
 * epoch milliseconds with sub-millisecond precision (ackAt: the response head arrived).
 */
export function sendWebhook(base, secret, event, payload, id = randomUUID()) {
  const body = Buffer.from(JSON.stringify(payload));
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return new Promise((resolve, reject) => {
    const sentAt = nowMs();
    const req = request(`${base}/webhooks/github`, {
      method: 'POST',
      agent,
      timeout: 10_000,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'user-agent': 'GitHub-Hookshot/bench',
        'x-github-event': event,
        'x-github-delivery': id,
        'x-github-hook-id': '123456789',
        'x-github-hook-installation-target-type': 'repository',
        'x-github-hook-installation-target-id': '730114201',
        'x-hub-signature-256': signature,
      },
    }, (res) => {
      const ackAt = nowMs();
      res.resume();
      res.on('end', () => resolve({ id, status: res.statusCode, sentAt, ackAt }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer from slipway within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

export function closeConnections() {
  agent.destroy();
}

/** Wall-clock epoch ms with sub-ms precision, on the same clock as `date +%s%N`. */
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

function withRepository(payload) {
  payload.repository.name = 'app';
  payload.repository.full_name = REPO;
  return payload;
}

const pushTemplate = fixture('push-main.json');
const createTemplate = fixture('create-branch.json');

/** A push of one commit to main, shaped like GitHub's (test/fixtures/payloads/push-main.json). */
export function pushPayload(before, after, n) {
  const p = withRepository(structuredClone(pushTemplate));
  p.ref = 'refs/heads/main';
  p.before = before;
  p.after = after;
  p.compare = `https://github.com/${REPO}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`;
  p.created = false;
  p.deleted = false;
  p.forced = false;
  const commit = { ...p.head_commit, id: after, message: `push ${n}`, modified: ['counter.txt'], added: [], removed: [] };
  commit.url = `https://github.com/${REPO}/commit/${after}`;
  p.head_commit = commit;
  p.commits = [commit];
  return p;
}

/** A branch creation (test/fixtures/payloads/create-branch.json). */
export function createPayload(branch) {
  const p = withRepository(structuredClone(createTemplate));
  p.ref = branch;
  p.ref_type = 'branch';
  return p;
}

/**
 * Reads environment states: `GET /api/environments` when slipway has it, otherwise the
 * `environments` table of its SQLite file, read-only. Returns { via, read(): [{name, state, sha}] }.
 */
export async function environmentReader(server) {
  const res = await fetch(`${server.base}/api/environments`, { headers: server.headers, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  if (res.ok) {
    return {
      via: 'GET /api/environments',
      async read() {
        const r = await fetch(`${server.base}/api/environments`, { headers: server.headers, signal: AbortSignal.timeout(10_000) });
        if (!r.ok) throw new Error(`GET /api/environments: HTTP ${r.status}`);
        const { environments } = await r.json();
        return environments.filter((e) => e.app === APP).map((e) => ({ name: e.name, state: e.state, sha: e.sha }));
      },
      close() {},
    };
  }
  if (res.status !== 404) throw new Error(`GET /api/environments: HTTP ${res.status} ${text.slice(0, 200)}`);
  let db = null;
  const query = () => db.prepare(`SELECT name, state, observed_sha AS sha FROM environments
    WHERE app = ? AND present = 1`).all(APP);
  return {
    via: `${server.db} (read-only; GET /api/environments answered 404)`,
    async read() {
      if (db === null) {
        if (!existsSync(server.db)) return [];
        db = new Database(server.db, { readonly: true, fileMustExist: true });
        db.pragma('busy_timeout = 5000');
      }
      try {
        return query();
      } catch (err) {
        if (/no such table/.test(err.message)) return [];
        throw err;
      }
    },
    close() {
      db?.close();
      db = null;
    },
  };
}

/**
 * From slipway's own records, read after it stopped: when each delivery's deployment row
 * was created (after `git ls-remote`; integer ms), and deployments counted by state.
 * Returns { byId: Map<deliveryId, {startedAt}>, deploymentStates: {state: count} }.
 */
export function storeTimes(dbFile) {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT delivery_id AS id, started_at AS startedAt FROM deployments
      WHERE sha IS NOT NULL AND delivery_id IS NOT NULL ORDER BY id`).all();
    const byId = new Map();
    for (const row of rows) if (!byId.has(row.id)) byId.set(row.id, row);
    const counts = db.prepare('SELECT state, count(*) AS n FROM deployments GROUP BY state').all();
    // Deployments that did not succeed, with what slipway recorded about them.
    const unsuccessful = db.prepare(`SELECT p.id, e.name AS env, p.state, p.sha, p.error, p.log,
        p.started_at AS startedAt, p.finished_at AS finishedAt
      FROM deployments p JOIN environments e ON e.id = p.environment_id
      WHERE p.state <> 'success' ORDER BY p.id`).all();
    return { byId, deploymentStates: Object.fromEntries(counts.map((c) => [c.state, c.n])), unsuccessful };
  } finally {
    db.close();
  }
}
