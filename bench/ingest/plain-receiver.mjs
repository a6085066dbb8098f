// The ceiling for slipway's ingest design on this machine: node:http, HMAC check over
// the raw body, and a durable SQLite commit (WAL, synchronous=FULL) on a worker thread
// with group commit before answering 202.
//
//   SLIPWAY_WEBHOOK_SECRET=... node bench/ingest/plain-receiver.mjs --port 8080 --db /tmp/x.db
//
// POST /webhooks/github   GET /readyz
// Group commit: while one transaction is being committed, new deliveries queue up; as
// soon as it returns, everything queued is written in the next single transaction.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const MAX_BODY = 25 * 1024 * 1024; // GitHub caps payloads at 25 MB

if (isMainThread) main();
else storeWorker(workerData.dbPath);

function main() {
  const { values } = parseArgs({ options: { port: { type: 'string' }, db: { type: 'string' } } });
  const secret = process.env.SLIPWAY_WEBHOOK_SECRET;
  if (!values.port || !values.db || !secret) {
    console.error('usage: SLIPWAY_WEBHOOK_SECRET=... plain-receiver.mjs --port N --db FILE');
    process.exit(2);
  }
  const store = groupCommitStore(values.db);
  const server = createServer((req, res) => handle(req, res, secret, store));
  server.keepAliveTimeout = 65_000;
  server.listen(Number(values.port), '127.0.0.1');

  process.on('SIGTERM', async () => {
    server.close();
    server.closeIdleConnections();
    await store.close();
    process.exit(0);
  });
}

function handle(req, res, secret, store) {
  const reply = (status, text) => res.writeHead(status, { 'content-type': 'text/plain' }).end(`${text}\n`);
  if (req.method === 'GET' && req.url === '/readyz') return store.ready ? reply(200, 'ready') : reply(503, 'starting');
  if (req.method !== 'POST' || req.url !== '/webhooks/github') return reply(404, 'not found');
  if (!/^application\/json\s*(;|$)/.test(req.headers['content-type'] ?? '')) return reply(415, 'expected application/json');
  const id = req.headers['x-github-delivery'];
  const event = req.headers['x-github-event'];
  const signature = req.headers['x-hub-signature-256'];
  if (!id || !event) return reply(400, 'missing X-GitHub-Delivery or X-GitHub-Event');

  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      reply(413, 'payload too large');
      req.destroy();
    } else chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return;
    const body = Buffer.concat(chunks, size);
    if (!validSignature(secret, body, signature)) return reply(401, 'bad signature');
    store.insert({ id, event, hookId: req.headers['x-github-hook-id'] ?? null, body }).then(
      () => reply(202, 'accepted'),
      () => reply(503, 'store unavailable'),
    );
  });
}

function validSignature(secret, body, header) {
  if (typeof header !== 'string' || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(header.slice(7), 'hex'));
}

/** Main-thread side: queue deliveries, keep at most one batch in the worker. */
function groupCommitStore(dbPath) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { dbPath } });
  let pending = [];
  let inFlight = null;
  let onClosed = null;
  const store = { ready: false, insert, close };

  worker.on('message', (msg) => {
    if (msg.type === 'ready') store.ready = true;
    else if (msg.type === 'closed') onClosed();
    else if (msg.type === 'committed') {
      for (const item of inFlight) (msg.error ? item.reject : item.resolve)();
      inFlight = null;
      flush();
    }
  });
  worker.on('error', (err) => {
    console.error(err);
    process.exit(1);
  });

  function insert(delivery) {
    return new Promise((resolve, reject) => {
      pending.push({ delivery, resolve, reject });
      flush();
    });
  }
  function flush() {
    if (inFlight || pending.length === 0) return;
    inFlight = pending;
    pending = [];
    worker.postMessage({ type: 'commit', deliveries: inFlight.map((i) => i.delivery) });
  }
  function close() {
    return new Promise((resolve) => {
      const waitIdle = () => (inFlight || pending.length ? setTimeout(waitIdle, 10) : worker.postMessage({ type: 'close' }));
      onClosed = resolve;
      waitIdle();
    });
  }
  return store;
}

/** Worker side: one connection, one transaction per batch. */
function storeWorker(dbPath) {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    hook_id TEXT,
    received_at INTEGER NOT NULL,
    payload BLOB NOT NULL
  )`);
  const insert = db.prepare(`INSERT INTO deliveries (id, event, hook_id, received_at, payload)
    VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`);
  const commit = db.transaction((deliveries) => {
    const now = Date.now();
    for (const d of deliveries) {
      insert.run(d.id, d.event, d.hookId, now, Buffer.from(d.body.buffer, d.body.byteOffset, d.body.byteLength));
    }
  });

  parentPort.on('message', (msg) => {
    if (msg.type === 'close') {
      db.close();
      parentPort.postMessage({ type: 'closed' });
      return;
    }
    try {
      commit(msg.deliveries);
      parentPort.postMessage({ type: 'committed' });
    } catch (err) {
      console.error(err);
      parentPort.postMessage({ type: 'committed', error: String(err) });
    }
  });
  parentPort.postMessage({ type: 'ready' });
}
