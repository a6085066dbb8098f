import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { SourceError } from '../../src/source/errors.js';
import { GitSource } from '../../src/source/git-source.js';
import { KeyedQueue, withFileLock } from '../../src/source/locks.js';
import { tempDir } from '../helpers/temp.js';
import { makeOrigin } from './origin.js';

function recorder() {
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  return { lines, log: (msg: string, fields: Record<string, unknown>) => lines.push({ msg, fields }) };
}

const code = (expected: string) => (error: unknown) => error instanceof SourceError && error.code === expected;

/** A git:// server that accepts connections and never answers: git waits until it is killed. */
async function silentRemote(t: TestContext): Promise<string> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    sockets.forEach((socket) => socket.destroy());
    server.close();
  });
  return `git://127.0.0.1:${(server.address() as { port: number }).port}/acme/web.git`;
}

test('one key runs one task at a time, in order; other keys run alongside', async () => {
  const queue = new KeyedQueue();
  const running = new Map<string, number>();
  const most = new Map<string, number>();
  const order: string[] = [];
  const task = (key: string, id: string) => async () => {
    running.set(key, (running.get(key) ?? 0) + 1);
    most.set(key, Math.max(most.get(key) ?? 0, running.get(key) ?? 0));
    await sleep(5);
    order.push(id);
    running.set(key, (running.get(key) ?? 0) - 1);
    if (id === 'a2') throw new Error('a failure does not block the queue');
  };
  const all = ['a1', 'b1', 'a2', 'b2', 'a3'].map((id) => queue.run(id[0] ?? '', task(id[0] ?? '', id)).catch(() => undefined));
  await Promise.all(all);
  assert.deepEqual(order.filter((id) => id.startsWith('a')), ['a1', 'a2', 'a3']);
  assert.equal(most.get('a'), 1);
  assert.ok(order.indexOf('b1') < order.indexOf('a2'), 'b did not wait for a');
});

test('a git command that hangs is killed at the timeout with a readable error', async (t) => {
  const url = await silentRemote(t);
  const source = new GitSource({ cacheDir: join(tempDir(t), 'cache'), timeoutMs: 300 });
  const started = Date.now();
  const error = await source.resolve(url, 'refs/heads/main').catch((e: unknown) => e);
  assert.ok(code('timeout')(error), String(error));
  assert.match((error as Error).message, /^git ls-remote of "refs\/heads\/main" at git:\/\/127\.0\.0\.1:\d+\/acme\/web\.git did not finish within 0\.3s and was stopped/);
  assert.ok(Date.now() - started < 5000);
});

test("the caller's signal stops a running git command", async (t) => {
  const url = await silentRemote(t);
  const source = new GitSource({ cacheDir: join(tempDir(t), 'cache') });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(source.checkout(url, 'refs/heads/main', 'a'.repeat(40), join(tempDir(t), 'wt'), { signal: controller.signal }), code('aborted'));
});

test('locks left by a crashed process are taken over; git lock files in the mirror are cleared', async (t) => {
  const origin = makeOrigin(t);
  const root = tempDir(t);
  const { lines, log } = recorder();
  const source = new GitSource({ cacheDir: join(root, 'cache'), log });
  await source.checkout(origin.url, 'refs/heads/main', origin.sha('main'), join(root, 'a'));
  const mirrors = join(root, 'cache', 'mirrors');
  const name = readdirSync(mirrors).find((n) => n.endsWith('.git'))?.replace(/\.git$/, '') ?? '';
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  writeFileSync(join(mirrors, `${name}.lock`), JSON.stringify({ pid: dead, host: hostname(), token: 'x', at: Date.now() }));
  writeFileSync(join(mirrors, `${name}.git`, 'shallow.lock'), '');
  writeFileSync(join(mirrors, `${name}.git`, 'packed-refs.lock'), '');
  const newer = origin.commit('after the crash');
  await source.checkout(origin.url, 'refs/heads/main', newer, join(root, 'b'));
  assert.ok(lines.some((line) => line.msg === 'took over a stale mirror lock'));
  assert.deepEqual(lines.find((line) => line.msg === 'removed lock files left by an interrupted git')?.fields.files, ['shallow.lock', 'packed-refs.lock']);
  assert.deepEqual(readdirSync(mirrors).sort(), [`${name}.git`]);
});

test('a lock held by a live process makes a fetch wait, then fail with what to do', async (t) => {
  const origin = makeOrigin(t);
  const root = tempDir(t);
  const source = new GitSource({ cacheDir: join(root, 'cache'), timeoutMs: 400 });
  await source.checkout(origin.url, 'refs/heads/main', origin.sha('main'), join(root, 'a'));
  const mirrors = join(root, 'cache', 'mirrors');
  const lock = join(mirrors, readdirSync(mirrors).find((n) => n.endsWith('.git'))?.replace(/\.git$/, '.lock') ?? '');
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), token: 'someone-else', at: Date.now() }));
  const error = await source.checkout(origin.url, 'refs/heads/main', origin.commit('new'), join(root, 'b')).catch((e: unknown) => e);
  assert.ok(code('timeout')(error), String(error));
  assert.match((error as Error).message, new RegExp(`held by pid ${process.pid} .*delete that file`));
  // A commit the mirror already has needs no lock.
  await source.checkout(origin.url, 'refs/heads/main', origin.sha('main~1'), join(root, 'c'));
});

test('two sources sharing a cache (two processes) fetch a new commit once between them', async (t) => {
  const origin = makeOrigin(t);
  const root = tempDir(t);
  const first = recorder();
  const second = recorder();
  const a = new GitSource({ cacheDir: join(root, 'cache'), log: first.log });
  const b = new GitSource({ cacheDir: join(root, 'cache'), log: second.log });
  const sha = origin.sha('main');
  await Promise.all([
    ...[1, 2, 3].map((i) => a.checkout(origin.url, 'refs/heads/main', sha, join(root, `a${i}`))),
    ...[1, 2, 3].map((i) => b.checkout(origin.url, 'refs/heads/main', sha, join(root, `b${i}`))),
  ]);
  const fetches = [...first.lines, ...second.lines].filter((line) => line.msg === 'fetch').length;
  assert.equal(fetches, 1);
});

test('different remotes fetch in parallel', async (t) => {
  const slow = await silentRemote(t);
  const origin = makeOrigin(t);
  const root = tempDir(t);
  const source = new GitSource({ cacheDir: join(root, 'cache') });
  const controller = new AbortController();
  const stuck = source.checkout(slow, 'refs/heads/main', 'a'.repeat(40), join(root, 'stuck'), { signal: controller.signal }).catch((e: unknown) => e);
  await source.checkout(origin.url, 'refs/heads/main', origin.sha('main'), join(root, 'free'));
  assert.equal(await Promise.race([stuck.then(() => 'settled'), sleep(20).then(() => 'still fetching')]), 'still fetching');
  controller.abort();
  assert.ok(code('aborted')(await stuck));
});

test('contenders taking over one stale lock at once: exactly one wins, the others wait their turn', async (t) => {
  const root = tempDir(t);
  const path = join(root, 'mirror.lock');
  for (let round = 0; round < 5; round += 1) {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(path, JSON.stringify({ pid: dead, host: hostname(), token: `dead-${round}`, at: Date.now() }));
    let inside = 0;
    let most = 0;
    const takeovers: string[] = [];
    const options = { waitMs: 10_000, staleMs: 60_000, onStale: (holder: string) => takeovers.push(holder) };
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(path, options, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await sleep(20);
          inside -= 1;
        }),
      ),
    );
    assert.equal(most, 1, `round ${round}: one holder at a time`);
    assert.equal(takeovers.length, 1, `round ${round}: the stale lock is taken over once`);
    assert.deepEqual(readdirSync(root), [], 'nothing is left behind');
  }
});
