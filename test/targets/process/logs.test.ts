import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { destroyRequest } from '../helpers.js';
import { MANIFEST, request, setup, SHA2, worktree } from './helpers.js';

// A release that writes a lot: its log file is rotated past target.logMaxSize, keeping the
// last target.logFiles rotated files, so the output of a long-running release stays bounded.
const CHATTY = `
const http = require('node:http');
let n = 0;
setInterval(() => console.log(String(n++).padStart(8, '0') + ' ' + 'x'.repeat(1000)), 5);
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

test('a release log is rotated past its size cap, keeping the last rotated files', async (t) => {
  const cap = 16 * 1024;
  const { root, stateDir, target } = setup(t, { logMaxBytes: cap, logCheckMs: 50 });
  const workdir = worktree(root, 'a', 'start: node chatty.cjs\nhealth: { path: /, timeout: 10s }\n');
  writeFileSync(join(workdir, 'chatty.cjs'), CHATTY);
  await target.apply(request(workdir));
  const logs = join(stateDir, 'logs');
  const sizes = () => readdirSync(logs).map((name) => ({ name, size: statSync(join(logs, name)).size }));
  // About 200 KiB a second: far past the cap many times over.
  await sleep(2500);
  // close() waits for a rotation pass under way, so the files are not seen mid-rotation.
  await target.close();
  const files = sizes();
  const base = files.map((file) => file.name).find((name) => name.endsWith('.log')) ?? '';
  assert.deepEqual(files.map((file) => file.name).sort(), [base, `${base}.1`, `${base}.2`], 'the live log and two rotated ones');
  const total = files.reduce((sum, file) => sum + file.size, 0);
  assert.ok(total < 3 * (cap + 40 * 1024), `bounded: ${total} bytes in all`);
});

async function read(output: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const part of output) text += part;
  return text;
}

const options = (lines: number, follow = false) => ({ lines, follow, signal: new AbortController().signal });

test('logs() gives the last lines of the release, topped up from its rotated copy, and says when there is none', async (t) => {
  const { root, stateDir, target } = setup(t);
  await assert.rejects(target.logs('web', 'pr-7', options(10)), { code: 'no_runtime_output', status: 404, message: /web\/pr-7 has no release running.*slipway logs web pr-7 --build/ });
  await target.apply(request(worktree(root, 'a', MANIFEST)));
  const logs = join(stateDir, 'logs');
  const file = join(logs, readdirSync(logs).find((name) => name.endsWith('.log')) ?? '');
  assert.match(await read(await target.logs('web', 'pr-7', options(10))), /^app starting on \d+\n$/);
  writeFileSync(`${file}.1`, 'older 1\nolder 2\nolder 3 (cut by the rotation)');
  const topped = await read(await target.logs('web', 'pr-7', options(3)));
  assert.match(topped, /^older 2\nolder 3 \(cut by the rotation\)\napp starting on \d+\n$/);
  assert.equal(await read(await target.logs('web', 'pr-7', options(0))), '', 'none asked for');
  await assert.rejects(target.logs('api', 'pr-7', options(1)), { code: 'target_wrong_app' });
});

test('logs() following passes on what the release writes, across restarts, and ends once it keeps crashing or is replaced', async (t) => {
  const { root, target } = setup(t, { backoff: { baseMs: 20, maxMs: 50, stableMs: 60_000 } });
  await target.apply(request(worktree(root, 'a', `${MANIFEST}env: { CRASH_AFTER_MS: 300 }\n`)));
  // From its first line: a busy machine may reach this after the first crash.
  const crashing = await read(await target.logs('web', 'pr-7', options(100, true)));
  assert.equal(crashing.match(/^crashing$/gm)?.length, 5, crashing);
  assert.equal(crashing.match(/^app starting on \d+$/gm)?.length, 5, 'started, restarted four times, then given up');

  const { target: other, root: otherRoot } = setup(t);
  await other.apply(request(worktree(otherRoot, 'a', MANIFEST)));
  const following = read(await other.logs('web', 'pr-7', options(1, true)));
  await other.apply(request(worktree(otherRoot, 'b', MANIFEST), { sha: SHA2 }));
  assert.match(await following, /^app starting on \d+\n$/, 'the old release\'s output only, ending with it');

  const controller = new AbortController();
  const stopped = read(await other.logs('web', 'pr-7', { lines: 0, follow: true, signal: controller.signal }));
  controller.abort();
  assert.equal(await stopped, '', 'the signal ends following');
});

test('a destroyed environment\'s last release log is read for keepDestroyedLogsMs, then swept at the next start', async (t) => {
  const { root, stateDir, target, another } = setup(t, { keepDestroyedLogsMs: 1000 });
  const workdir = worktree(root, 'a', MANIFEST);
  await target.apply(request(workdir));
  await target.destroy(destroyRequest(workdir));
  assert.match(await read(await target.logs('web', 'pr-7', options(10, true))), /^app starting on \d+\n$/, 'following ends at once: it runs no more');
  await sleep(1100);
  await assert.rejects(target.logs('web', 'pr-7', options(10)), { code: 'no_runtime_output' });
  assert.equal(readdirSync(join(stateDir, 'logs', 'destroyed')).length, 1, 'not swept yet');
  await another().recover();
  assert.deepEqual(readdirSync(join(stateDir, 'logs', 'destroyed')), []);
});
