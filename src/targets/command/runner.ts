/**
 * The runner: a tiny detached process that runs one command and writes how it ended to a
 * file. slipway starts it (in a process group of its own) instead of the command, so a
 * command outlives a killed slipway and the next slipway still learns its outcome: a
 * non-child's exit status is otherwise unknowable.
 *
 * It reads what to run as JSON on stdin (never from its own environment or arguments, which
 * the command's environment must not touch) and starts nothing when stdin ends without it:
 * slipway records the group before it sends the JSON.
 */
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';

/** What slipway sends. */
export interface RunnerSpec {
  file: string;
  argv0: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  /** Where the outcome is written (atomically). */
  status: string;
}

/** What the runner writes: how the command ended, or why it could not start. */
export type RunnerOutcome = { code: number | null; signal: NodeJS.Signals | null } | { error: string; message: string };

function finish(status: string, outcome: RunnerOutcome): void {
  writeFileSync(`${status}.tmp`, JSON.stringify(outcome), { mode: 0o600 });
  renameSync(`${status}.tmp`, status);
}

function run(spec: RunnerSpec): void {
  // The group's SIGTERM reaches the command too: the runner stays to write how it ended.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => undefined);
  const ids = spec.uid === undefined ? {} : { uid: spec.uid, gid: spec.gid ?? spec.uid };
  const child = spawn(spec.file, spec.args, { argv0: spec.argv0, cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'inherit', 'inherit'], ...ids });
  child.once('error', (error: NodeJS.ErrnoException) => {
    finish(spec.status, { error: error.code ?? 'unknown', message: error.message });
    process.exit(71);
  });
  child.once('exit', (code, signal) => {
    finish(spec.status, { code, signal });
    process.exit(code ?? 1);
  });
}

let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => (text += chunk));
process.stdin.on('end', () => {
  let spec: RunnerSpec;
  try {
    spec = JSON.parse(text) as RunnerSpec;
  } catch {
    process.exit(70); // slipway ended before saying what to run: run nothing
  }
  run(spec);
});
