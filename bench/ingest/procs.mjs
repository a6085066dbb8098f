// Child processes for the benchmark: every one is tracked so that exit, Ctrl-C or a
// failure stops it; servers are waited for with a timeout and stopped TERM-then-KILL.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const children = new Set();

export function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Synchronous last resort, safe to call from process.on('exit'). */
export function killAll(signal = 'SIGKILL') {
  for (const child of children) child.kill(signal);
}

/**
 * Spawn a server; its output is kept (last 8 KB) to explain a failure. `env` is added to this
 * process's environment, or is the whole environment with `inheritEnv: false`.
 */
export function startServer(command, args, { env, cwd, inheritEnv = true } = {}) {
  const child = track(spawn(command, args, { cwd, env: inheritEnv ? { ...process.env, ...env } : env, stdio: ['ignore', 'pipe', 'pipe'] }));
  child.output = '';
  const keep = (d) => { child.output = (child.output + d).slice(-8192); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', (err) => keep(`spawn error: ${err.message}\n`));
  return child;
}

/** SIGTERM, then SIGKILL after graceMs; resolves true when the server stopped by itself. */
export async function stopServer(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  child.kill('SIGTERM');
  const done = await Promise.race([child.exited, sleep(graceMs, null)]);
  if (done !== null) return true;
  child.kill('SIGKILL');
  await child.exited;
  return false;
}

/** Poll until GET url answers 2xx; fail (and kill the child) if it exits or the timeout passes. */
export async function waitReady(child, url, timeoutMs = 30_000) {
  try {
    await poll(child, url, timeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

async function poll(child, url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${child.output}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await sleep(100);
  }
  throw new Error(`not ready at ${url} after ${timeoutMs / 1000} s (last: ${last}):\n${child.output}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Run a command to completion (installers); resolves with its exit code. */
export function runCommand(command, args, { cwd } = {}) {
  return new Promise((resolve) => {
    const child = track(spawn(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] }));
    child.on('error', () => resolve(-1));
    child.on('exit', (code) => resolve(code ?? -1));
  });
}
