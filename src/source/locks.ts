import { createHash, randomUUID } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError } from './errors.js';

/**
 * Runs tasks one at a time per key, in the order they were queued; different keys run in
 * parallel. Each GitSource owns one (no module state), keyed by mirror or worktree folder.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/**
 * Per key, in this process: any number of shared holders at once, or one exclusive holder.
 * An exclusive request waits for the shared holders there are and holds new ones back until
 * it is done, so a stream of shared work cannot starve it.
 */
export class SharedExclusive {
  private readonly holders = new Map<string, number>();
  private readonly closed = new Map<string, Promise<void>>();
  private readonly drained = new Map<string, () => void>();

  async shared<T>(key: string, task: () => Promise<T>): Promise<T> {
    for (let held = this.closed.get(key); held !== undefined; held = this.closed.get(key)) await held;
    this.holders.set(key, (this.holders.get(key) ?? 0) + 1);
    try {
      return await task();
    } finally {
      const left = (this.holders.get(key) ?? 1) - 1;
      if (left > 0) this.holders.set(key, left);
      else {
        this.holders.delete(key);
        this.drained.get(key)?.();
      }
    }
  }

  async exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    for (let held = this.closed.get(key); held !== undefined; held = this.closed.get(key)) await held;
    let release = () => {};
    this.closed.set(key, new Promise((resolve) => (release = resolve)));
    try {
      if (this.holders.has(key)) await new Promise<void>((resolve) => this.drained.set(key, resolve));
      return await task();
    } finally {
      this.drained.delete(key);
      this.closed.delete(key);
      release();
    }
  }
}

export interface FileLockOptions {
  /** How long to wait for another live holder before giving up with `timeout`. */
  waitMs: number;
  /** A lock older than this is taken over even if its holder seems alive (a hung process, a reused pid). */
  staleMs: number;
  signal?: AbortSignal;
  /** Told when a lock left by a dead process is taken over. */
  onStale?: (holder: string) => void;
}

interface Holder {
  pid: number;
  host: string;
  token: string;
  at: number;
}

/**
 * Holds `path` as a lock file across processes (slipway replicas sharing a cache folder, a
 * CLI next to the server) while `task` runs. A lock left by a process that died (same host,
 * pid gone) or older than `staleMs` is taken over, so a crash never wedges a mirror; of
 * several contenders that find the same stale lock, exactly one takes it over (see `reap`).
 */
export async function withFileLock<T>(path: string, options: FileLockOptions, task: () => Promise<T>): Promise<T> {
  const me: Holder = { pid: process.pid, host: hostname(), token: randomUUID(), at: Date.now() };
  await acquire(path, me, options);
  try {
    return await task();
  } finally {
    const holder = await readHolder(path);
    if (holder?.token === me.token) await rm(path, { force: true });
  }
}

async function acquire(path: string, me: Holder, options: FileLockOptions): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    if (await create(path, me)) return;
    const holder = await readHolder(path);
    if (holder === null) continue;
    if (isStale(holder, options.staleMs)) {
      if (await reap(path, holder, me, options.staleMs)) options.onStale?.(`pid ${holder.pid} on ${holder.host || 'an unknown host'}`);
      continue;
    }
    if (options.signal?.aborted) throw new SourceError('aborted', `cancelled while waiting for the lock ${path}`);
    if (Date.now() > deadline) {
      const seconds = Math.round(options.waitMs / 1000);
      throw new SourceError(
        'timeout',
        `waited ${seconds}s for the lock ${path}, held by pid ${holder.pid} on ${holder.host}; if no slipway process runs there, delete that file`,
      );
    }
    await sleep(delay);
  }
}

/** Creates `path` holding `me` unless it exists; false when it does. */
async function create(path: string, me: Holder): Promise<boolean> {
  try {
    await writeFile(path, JSON.stringify({ ...me, at: Date.now() }), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new SourceError('git_failed', `cannot create the lock file ${path} (${(error as Error).message}); check that the cache folder is writable`, { cause: error });
  }
}

/**
 * Removes the stale lock `seen` holds, unless another contender does: removing is claimed
 * first by creating `<path>.reap.<token of seen>` (only one contender can), and the claimant
 * removes the lock only if it still holds `seen` (only a claimant of the holder it finds
 * there can change it). A claim left by a claimant that died is itself stale. True when
 * this call removed the lock.
 */
async function reap(path: string, seen: Holder, me: Holder, staleMs: number): Promise<boolean> {
  const claim = `${path}.reap.${createHash('sha256').update(seen.token).digest('hex').slice(0, 16)}`;
  if (!(await create(claim, me))) {
    const claimant = await readHolder(claim);
    if (claimant !== null && isStale(claimant, staleMs)) await rm(claim, { force: true });
    return false;
  }
  try {
    const now = await readHolder(path);
    if (now === null || now.token !== seen.token) return false;
    await rm(path, { force: true });
    return true;
  } finally {
    await rm(claim, { force: true });
  }
}

/** The lock's holder; a file still being written counts as held since its mtime. Null when gone. */
async function readHolder(path: string): Promise<Holder | null> {
  try {
    const text = await readFile(path, 'utf8');
    try {
      const parsed = JSON.parse(text) as Partial<Holder>;
      if (typeof parsed.pid === 'number' && typeof parsed.at === 'number') {
        return { pid: parsed.pid, host: String(parsed.host ?? ''), token: String(parsed.token ?? ''), at: parsed.at };
      }
    } catch {
      // fall through: half-written or foreign content
    }
    const info = await stat(path);
    return { pid: 0, host: '', token: `file-${info.ino}-${info.mtimeMs}`, at: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function isStale(holder: Holder, staleMs: number): boolean {
  const age = Date.now() - holder.at;
  if (holder.pid === 0) return age > Math.min(staleMs, 5000);
  if (holder.host === hostname() && !alive(holder.pid)) return true;
  return age > staleMs;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
