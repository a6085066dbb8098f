import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../helpers/cli.js';
import { freePort } from '../helpers/process-app.js';
import { SECRET } from '../helpers/service.js';
import { deliver, eventually, send } from '../helpers/webhook.js';

// The break of issue 11: idle connections to the router used up the process's open files, and
// the webhook port answered nothing. Here slipway runs with a limit of 256 open files and gets
// more idle router connections than that (a bounded flood from this process, on 127.0.0.1).

const OPEN_FILES = 256;
const FLOOD = 320;

/** Opens `count` connections that send nothing; resolves once each is connected or already closed. */
async function flood(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let opened = 0; opened < count; opened += 32) {
    const batch = Array.from({ length: Math.min(32, count - opened) }, () => connect(port, '127.0.0.1'));
    sockets.push(...batch);
    await Promise.all(batch.map((socket) => new Promise<void>((resolve) => {
      socket.once('connect', () => resolve()).once('close', () => resolve()).on('error', () => {});
    })));
  }
  return sockets;
}

test('with 256 open files, 320 idle router connections leave /healthz and signed deliveries answering', { timeout: 60_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-flood-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const [apiPort, routerPort] = [await freePort(), await freePort()];
  writeFileSync(
    join(root, 'slipway.yaml'),
    `github: { webhookSecret: ${SECRET} }
server: { host: 127.0.0.1, port: ${apiPort} }
store: { dataDir: data }
router: { host: 127.0.0.1, port: ${routerPort} }
apps: [{ name: web, repo: acme/web }]
`,
  );
  const slipway = await startServer(t, ['--config', join(root, 'slipway.yaml')], { cwd: root, fromConfig: true, openFiles: OPEN_FILES });

  const limitsLine = slipway.output().split('\n').find((line) => line.includes('"connection limits'));
  assert.ok(limitsLine !== undefined, slipway.output());
  const limits = JSON.parse(limitsLine) as { server: number; router: number; openFiles: number; headroom: number };
  assert.equal(limits.openFiles, OPEN_FILES);
  assert.ok(limits.router < limits.server && limits.server + 2 * limits.router + limits.headroom <= OPEN_FILES, limitsLine);
  t.diagnostic(`caps with ${OPEN_FILES} open files: server ${limits.server}, router ${limits.router}, headroom ${limits.headroom}`);

  const sockets = await flood(routerPort, FLOOD);
  t.after(() => sockets.forEach((socket) => socket.destroy()));
  const stillOpen = () => sockets.filter((socket) => !socket.destroyed).length;
  // The ones over the cap are closed as soon as accepted: their close arrives here a moment later.
  await eventually(async () => (stillOpen() <= limits.router ? true : undefined), 3000).catch(() => undefined);
  t.diagnostic(`${stillOpen()} of ${FLOOD} flood connections held open by the router`);
  assert.ok(stillOpen() <= limits.router, `${stillOpen()} open, over the router's cap of ${limits.router}`);

  for (let i = 0; i < 5; i += 1) {
    assert.equal((await send(`${slipway.url}/healthz`, { method: 'GET' })).status, 200);
    const answer = await deliver(slipway.url, { event: 'ping', payload: { zen: 'Anything added dilutes everything else.', hook_id: i } });
    assert.equal(answer.status, 202, answer.body);
  }
  const metrics = (await slipway.api('GET', '/metrics')).body;
  const refused = Number(/^slipway_connections_refused_total\{listener="router"\} (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(refused >= FLOOD - limits.router, `refused ${refused}`);

  sockets.forEach((socket) => socket.destroy());
  // The router learns of those closes a moment after they are sent; on Node.js 24 the next
  // connection often arrives first and is refused at the cap: ask until it answers.
  const nothing = () => send(`http://127.0.0.1:${routerPort}/`, { method: 'GET', headers: { host: 'nothing.web.localhost' } }).catch(() => undefined);
  const answer = await eventually(nothing, 3000);
  assert.equal(answer.status, 404, 'the router answers again once the flood is gone');
});
