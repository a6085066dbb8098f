import { spawn } from 'node:child_process';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SlipwayError } from '../../errors.js';
import type { ExitInfo } from '../supervisor.js';
import { groupAlive, recordedGroupAlive, startTime, stopGroup } from '../command/process-group.js';

export interface SpawnSpec {
  argv: readonly string[];
  /** The whole environment of the process (nothing is inherited). */
  env: Record<string, string>;
  cwd: string;
  /** Output (stdout and stderr) is appended here. */
  logFile: string;
  /** The user and group to run as (slipway runs as root); absent: slipway's own. */
  ids?: { uid?: number; gid?: number };
}

/** Lines of output shown when a release fails. */
const TAIL_LINES = 20;
const TAIL_BYTES = 16 * 1024;
const LINE_CHARS = 500;

/**
 * One running process group of an environment: started by us, or adopted from an earlier
 * slipway. Its output goes straight to a log file (not through a pipe), so it keeps running
 * and writing when slipway stops or dies, and the last lines are read back from there.
 */
export class Release {
  private constructor(
    /** The leader's pid, which is also the group id. */
    readonly pid: number,
    /** The leader's start time, to tell it from a later process given the same pid. */
    readonly started: string | null,
    /** When it started (ms since the epoch): a run long enough forgives earlier crashes. */
    readonly startedAt: number,
    /** Resolves once, when it ends. */
    readonly exited: Promise<ExitInfo>,
    private readonly logFile: string,
    private readonly logOffset: number,
    private readonly forget: () => void,
  ) {}

  /** Starts `argv` in its own process group; rejects when it cannot start at all. */
  static async spawn(spec: SpawnSpec): Promise<Release> {
    const name = spec.argv[0] ?? '';
    if (!(await stat(spec.cwd).then((info) => info.isDirectory(), () => false))) {
      throw new SlipwayError('target_process_no_worktree', `cannot start: the worktree ${spec.cwd} does not exist any more; deploy again`);
    }
    await mkdir(dirname(spec.logFile), { recursive: true });
    const output = await open(spec.logFile, 'a', 0o600);
    try {
      const offset = (await output.stat()).size;
      const child = spawn(name, spec.argv.slice(1), {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', output.fd, output.fd],
        ...spec.ids,
      });
      const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      }).catch((error: Error) => {
        throw new SlipwayError('target_process_start', `start command could not start: ${name}: ${error.message}`, { cause: error });
      });
      const pid = child.pid ?? 0;
      return new Release(pid, startTime(pid), Date.now(), exited, spec.logFile, offset, () => {});
    } finally {
      await output.close();
    }
  }

  /**
   * Takes over a group an earlier slipway started, if it still runs (null otherwise). Not
   * being its parent, we learn of its end by looking every `pollMs`.
   */
  static adopt(pid: number, started: string | null, startedAt: number, logFile: string, pollMs = 1000): Release | null {
    if (!recordedGroupAlive(pid, started)) return null;
    let gone: (exit: ExitInfo) => void = () => {};
    const exited = new Promise<ExitInfo>((resolve) => {
      gone = resolve;
    });
    const timer = setInterval(() => {
      if (!groupAlive(pid)) forget();
    }, pollMs);
    function forget(): void {
      clearInterval(timer);
      gone({ code: null, signal: null });
    }
    return new Release(pid, started, startedAt, exited, logFile, 0, forget);
  }

  /** Stops the whole group: SIGTERM, SIGKILL after `graceMs`; resolves when it is gone. */
  async stop(graceMs: number): Promise<void> {
    await stopGroup(this.pid, graceMs);
    this.forget();
    await this.exited;
  }

  /** What it wrote since it started (its last TAIL_BYTES), or '' when that cannot be read. */
  async output(): Promise<string> {
    try {
      const file = await open(this.logFile, 'r');
      try {
        const size = (await file.stat()).size;
        const from = Math.max(Math.min(this.logOffset, size), size - TAIL_BYTES);
        const buffer = Buffer.alloc(size - from);
        await file.read(buffer, 0, buffer.length, from);
        return buffer.toString('utf8');
      } finally {
        await file.close();
      }
    } catch {
      return '';
    }
  }
}

/** The last lines of a release's `output`, indented, or null when it wrote nothing. */
export function tailOf(output: string): string | null {
  const lines = output.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
  if (lines.length === 0) return null;
  return lines
    .slice(-TAIL_LINES)
    .map((line) => `  ${line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line}`)
    .join('\n');
}
