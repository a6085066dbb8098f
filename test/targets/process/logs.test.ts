import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { request, setup, worktree } from './helpers.js';

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
  const files = sizes();
  const base = files.map((file) => file.name).find((name) => name.endsWith('.log')) ?? '';
  assert.deepEqual(files.map((file) => file.name).sort(), [base, `${base}.1`, `${base}.2`], 'the live log and two rotated ones');
  const total = files.reduce((sum, file) => sum + file.size, 0);
  assert.ok(total < 3 * (cap + 40 * 1024), `bounded: ${total} bytes in all`);
  await target.close();
});
