import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { sign } from '../../src/ingest/signature.js';
import { startServer } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

const SECRET = 'durability-secret';
const body = Buffer.from(JSON.stringify({ zen: 'Mind your words, they are important.', hook_id: 3, hook: { type: 'Repository', id: 3, events: ['*'] } }));
const signature = sign(SECRET, body);

/** POSTs one signed ping; resolves to the status, or 0 when the connection failed. */
function post(url: string, agent: Agent, id: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/webhooks/github`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': id, 'x-hub-signature-256': signature },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Sends `total` deliveries over `connections` keep-alive connections; calls `onAck` after each 202. */
async function burst(url: string, total: number, connections: number, onAck: (acked: number) => void) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const acked: string[] = [];
  const failed: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total) {
        next += 1;
        const id = randomUUID();
        const status = await post(url, agent, id);
        if (status === 202) {
          acked.push(id);
          onAck(acked.length);
        } else failed.push(id);
      }
    }),
  );
  agent.destroy();
  return { acked, failed };
}

function rows(dataDir: string): Map<string, string> {
  const db = new Database(join(dataDir, 'slipway.db'), { readonly: true });
  try {
    return new Map(db.prepare('SELECT id, status FROM deliveries').raw().all() as [string, string][]);
  } finally {
    db.close();
  }
}

test('no acknowledged delivery is lost when slipway is SIGKILLed mid-burst', async (t) => {
  const dir = tempDir(t);
  const env = { SLIPWAY_WEBHOOK_SECRET: SECRET };
  const first = await startServer(t, [], { cwd: dir, env });
  const { acked, failed } = await burst(first.url, 3000, 32, (count) => {
    if (count === 400) first.child.kill('SIGKILL');
  });
  await first.exited;
  assert.ok(acked.length >= 400, `acked ${acked.length}`);
  assert.ok(failed.length > 0, 'the kill landed mid-burst');
  t.diagnostic(`acknowledged ${acked.length}, failed ${failed.length}`);

  const second = await startServer(t, [], { cwd: dir, env });
  await eventually(async () => {
    const response = await second.api('GET', '/api/deliveries?status=pending&limit=1');
    const page = (await response.json()) as { deliveries: unknown[] };
    return page.deliveries.length === 0 ? true : undefined;
  }, 20_000);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);

  const stored = rows(join(dir, '.slipway'));
  const lost = acked.filter((id) => !stored.has(id));
  assert.deepEqual(lost, [], 'every 202 is in the inbox');
  const unprocessed = acked.filter((id) => stored.get(id) !== 'processed');
  assert.deepEqual(unprocessed, [], 'every acknowledged delivery was processed after the restart');
});

test('SIGTERM stops taking requests, finishes those in flight, and exits 0', async (t) => {
  const dir = tempDir(t);
  const server = await startServer(t, [], { cwd: dir, env: { SLIPWAY_WEBHOOK_SECRET: SECRET } });
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const ids = Array.from({ length: 64 }, () => randomUUID());
  const inFlight = ids.map((id) => post(server.url, agent, id));
  // Signal while the requests are on their way.
  setImmediate(() => server.child.kill('SIGTERM'));
  const statuses = await Promise.all(inFlight);
  agent.destroy();
  assert.equal(await server.exited, 0);
  assert.match(server.output(), /shutting down/);
  assert.match(server.output(), /"stopped"/);
  const answered = statuses.filter((status) => status === 202).length;
  const refused = statuses.filter((status) => status === 0).length;
  assert.equal(answered + refused, statuses.length, `only 202 or no connection: ${statuses.join(',')}`);
  const stored = rows(join(dir, '.slipway'));
  assert.ok(answered > 0, 'some requests were in flight when the signal came');
  const lost = ids.filter((id, index) => statuses[index] === 202 && !stored.has(id));
  assert.deepEqual(lost, [], 'every answered delivery is stored');
});
