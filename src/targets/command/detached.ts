import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { recordedGroupAlive, startTime } from './process-group.js';
import type { RunnerOutcome, RunnerSpec } from './runner.js';

const RUNNER = fileURLToPath(new URL('./runner.js', import.meta.url));
/** How often a command we are not the parent of is looked at. */
const POLL_MS = 100;

/** How a run ended: the runner's outcome, or `unknown` when its group is gone without one. */
export type Ended = RunnerOutcome | { unknown: true };

/** A command running under the runner, started by us or by an earlier slipway. */
export interface Detached {
  pgid: number;
  ended: Promise<Ended>;
}

function outcome(status: string): RunnerOutcome | null {
  try {
    return JSON.parse(readFileSync(status, 'utf8')) as RunnerOutcome;
  } catch {
    return null;
  }
}

/**
 * Starts the runner in a group of its own, its output appended to `outputFd`; `record` is
 * told the group before the runner is told what to run (so a slipway killed at any point
 * leaves either nothing running or a recorded group). Rejects when it cannot start.
 */
export async function startDetached(spec: RunnerSpec, outputFd: number, record: (pgid: number, started: string | null) => void): Promise<Detached> {
  const child = spawn(process.execPath, [RUNNER], { cwd: '/', env: {}, detached: true, stdio: ['pipe', outputFd, outputFd] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pgid = child.pid ?? 0;
  const exited = new Promise<Ended>((resolve) =>
    child.once('exit', (code, signal) => resolve(outcome(spec.status) ?? { code, signal })),
  );
  try {
    record(pgid, startTime(pgid));
  } catch (error) {
    child.stdin?.end();
    throw error;
  }
  child.stdin?.end(JSON.stringify(spec));
  return { pgid, ended: exited };
}

/** Follows a run an earlier slipway started: its outcome once written, or `unknown` once its group is gone without one. */
export function adoptDetached(pgid: number, started: string | null, status: string): Detached {
  const ended = (async (): Promise<Ended> => {
    for (;;) {
      const done = outcome(status);
      if (done !== null) return done;
      if (!recordedGroupAlive(pgid, started)) return outcome(status) ?? { unknown: true };
      await sleep(POLL_MS);
    }
  })();
  return { pgid, ended };
}
