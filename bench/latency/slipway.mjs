// slipway under test: its config, its replicas, signed webhooks to them, and what it records.
import { Agent, request } from 'node:http';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { query } from '../postgres.mjs';
import { startReplicas, stopReplicas } from '../serve.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name) => JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/payloads', name), 'utf8'));

export const APP = 'app';
export const REPO = 'acme/app';

/**
 * Starts `replicas` x `slipway serve` under `dir` on one store: `storeUrl` (PostgreSQL), or
 * null for SQLite in the data folder (one replica). The deploy command appends
 * "<epoch ns> <env> <sha> <HOME>" to `startsFile` as its first action (HOME lies in the work
 * folder of the replica that ran it); destroy does nothing. Resolves with the running setup:
 * { replicas, base (the first replica's), headers (its API), pids, next() (the replicas' bases
 * in turn), replicaOf(home) (index of the replica a record came from), storeUrl, db, stop() }.
 */
export async function startSlipway({ dir, secret, originUrl, startsFile, concurrency, replicas: count = 1, storeUrl = null }) {
  // No "${" anywhere: slipway expands ${VAR} in its config. $(...) and $VAR are left to sh.
  const record = `echo "$(date +%s%N) $SLIPWAY_ENV $SLIPWAY_SHA $HOME" >> ${shellQuote(startsFile)}`;
  const config = [
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
  ].join('\n');
  const apiToken = randomUUID();
  const replicas = await startReplicas({ dir, count, storeUrl, config, env: { SLIPWAY_WEBHOOK_SECRET: secret, SLIPWAY_API_TOKEN: apiToken } });
  let turn = 0;
  return {
    replicas,
    base: replicas[0].base,
    headers: { authorization: `Bearer ${apiToken}` },
    pids: replicas.map((replica) => replica.child.pid),
    next: () => replicas[turn++ % replicas.length].base,
    replicaOf: (home) => replicas.findIndex((replica) => home.startsWith(`${replica.workDir}/`)),
    storeUrl,
    db: join(replicas[0].dataDir, 'slipway.db'),
    stop: () => stopReplicas(replicas),
  };
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

/** Environment states of the app, from `GET /api/environments` of the first replica: [{ name, state, sha }]. */
export async function readEnvironments(server) {
  const res = await fetch(`${server.base}/api/environments`, { headers: server.headers, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /api/environments: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  const { environments } = await res.json();
  return environments.filter((e) => e.app === APP).map((e) => ({ name: e.name, state: e.state, sha: e.sha }));
}

/**
 * From slipway's own records, read after it stopped: when each delivery's deployment row
 * was created (after `git ls-remote`; integer ms), deployments counted by state, and those
 * that did not succeed. Resolves with { byId: Map<deliveryId, {startedAt}>, deploymentStates:
 * {state: count}, unsuccessful: [...] }.
 */
export async function storeTimes(server) {
  const rows = storeReader(server);
  const started = await rows(`SELECT delivery_id AS id, started_at AS "startedAt" FROM deployments
    WHERE sha IS NOT NULL AND delivery_id IS NOT NULL ORDER BY id`);
  const byId = new Map();
  for (const row of started) if (!byId.has(row.id)) byId.set(row.id, { startedAt: Number(row.startedAt) });
  const counts = await rows('SELECT state, count(*) AS n FROM deployments GROUP BY state');
  const unsuccessful = await rows(`SELECT p.id, e.name AS env, p.state, p.sha, p.error, p.log,
      p.started_at AS "startedAt", p.finished_at AS "finishedAt"
    FROM deployments p JOIN environments e ON e.id = p.environment_id
    WHERE p.state <> 'success' ORDER BY p.id`);
  const ms = (value) => (value === null ? null : Number(value)); // PostgreSQL's BIGINT arrives as text
  return {
    byId,
    deploymentStates: Object.fromEntries(counts.map((c) => [c.state, Number(c.n)])),
    unsuccessful: unsuccessful.map((r) => ({ ...r, startedAt: ms(r.startedAt), finishedAt: ms(r.finishedAt) })),
  };
}

/** A function from a query to its rows, on the setup's store. */
function storeReader(server) {
  if (server.storeUrl !== null) return (text) => query(server.storeUrl, text);
  return (text) => {
    const db = new Database(server.db, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(text).all();
    } finally {
      db.close();
    }
  };
}
