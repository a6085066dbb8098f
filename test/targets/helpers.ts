import { get } from 'node:http';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { DeployRequest, DestroyRequest } from '../../src/targets/target.js';
import { tempDir } from '../helpers/temp.js';
import { Workspace } from '../../src/targets/workspace.js';

/** A temp "worktree", a state folder and a work folder (commands run as this user), removed after the test. */
export function folders(t: TestContext): { workdir: string; stateDir: string; root: string; workspace: Workspace } {
  const root = tempDir(t, 'slipway-target-');
  const workdir = join(root, 'worktree');
  const stateDir = join(root, 'data', 'targets', 'command');
  mkdirSync(workdir);
  // Passable by the user commands run as when the tests run as root (nobody).
  chmodSync(root, 0o711);
  return { workdir, stateDir, root, workspace: new Workspace({ workDir: join(root, 'work'), dataDir: join(root, 'data'), runAs: null }) };
}

/** Writes an executable `#!/bin/sh` script into `dir`. */
export function script(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A log sink that keeps what it is given, with a hook to react to it. */
export function capture(onText?: (text: string, all: string) => void) {
  const chunks: string[] = [];
  const log = (text: string) => {
    chunks.push(text);
    onText?.(text, chunks.join(''));
  };
  return { log, chunks, text: () => chunks.join('') };
}

export function deployRequest(workdir: string, overrides: Partial<DeployRequest> = {}): DeployRequest {
  return {
    app: 'web',
    env: 'pr-7',
    sha: '0123456789abcdef0123456789abcdef01234567',
    ref: 'refs/pull/7/head',
    pr: 7,
    branch: 'feature/login',
    event: 'pull_request.synchronize',
    deploymentId: 42,
    workdir,
    vars: {},
    log: () => {},
    signal: new AbortController().signal,
    ...overrides,
  };
}

export function destroyRequest(workdir: string | null, overrides: Partial<DestroyRequest> = {}): DestroyRequest {
  return {
    app: 'web',
    env: 'pr-7',
    workdir,
    vars: {},
    log: () => {},
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** `NAME=value` lines (as `env` prints them) as a record. */
export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/**
 * Live (not zombie) processes in group `pgid`. Written apart from the target's own check
 * on purpose. Zombies do not count: in this container PID 1 does not reap orphans, so the
 * killed children of a killed script stay zombies, and `kill(-pgid, 0)` alone finds them.
 */
export function liveInGroup(pgid: number): number[] {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return [];
    throw error;
  }
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(pgrp) === pgid && state !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Waits (bounded) for a file the script writes. */
export async function waitForFile(file: string, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const text = readFileSync(file, 'utf8');
      if (text.endsWith('\n')) return text.trim();
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${file} was not written within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `GET /` of an app on `host` (default 127.0.0.1) at `port`, parsed as JSON. */
export function getJson<T>(port: number, host = '127.0.0.1'): Promise<T> {
  return new Promise((resolve, reject) => {
    get({ host, port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (error) {
          reject(error as Error);
        }
      });
    }).on('error', reject);
  });
}
