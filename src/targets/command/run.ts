import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { SlipwayError } from '../../errors.js';
import { TARGET_CANCELLED } from '../target.js';
import { BoundedOutput } from './output.js';
import { stopGroup } from './process-group.js';

/** The longest delay setTimeout accepts. */
const MAX_TIMER = 2 ** 31 - 1;

export interface RunOptions {
  /** Which command this is, for messages: `deploy`, `destroy`. */
  label: string;
  argv: readonly string[];
  cwd: string;
  /** The whole environment of the command (nothing is inherited). */
  env: Record<string, string>;
  /** Stop the command after this long; 0 (or less) means never. */
  timeoutMs: number;
  signal: AbortSignal;
  log: (text: string) => void;
  maxOutputBytes: number;
  /** Between SIGTERM and SIGKILL when stopping, and the wait for output after exit. */
  graceMs: number;
  /** The user and group to run as (slipway runs as root); absent: slipway's own. */
  ids?: { uid?: number; gid?: number };
  /** Told the process group as soon as the command started. */
  onSpawn?: (pgid: number) => Promise<void>;
}

/** Durations as configured: `10m`, `90s`, `1h`, `250ms`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))}s` : `${ms}ms`;
}

function failure(code: string, message: string, cause?: unknown): SlipwayError {
  return new SlipwayError(`target_command_${code}`, message, cause === undefined ? {} : { cause });
}

export function cancelled(label: string): SlipwayError {
  return new SlipwayError(TARGET_CANCELLED, `${label} command was cancelled`);
}

async function executable(path: string): Promise<'ok' | 'missing' | 'directory' | 'denied'> {
  try {
    if ((await stat(path)).isDirectory()) return 'directory';
  } catch {
    return 'missing';
  }
  try {
    await access(path, constants.X_OK);
    return 'ok';
  } catch {
    return 'denied';
  }
}

/**
 * The file to run for `name`: a path with a `/` is taken relative to `cwd` (the worktree),
 * a bare name is looked up on the command's own PATH.
 */
async function resolveCommand(label: string, name: string, cwd: string, path: string | undefined): Promise<string> {
  if (name.includes('/')) {
    const file = isAbsolute(name) ? name : resolve(cwd, name);
    const found = await executable(file);
    if (found === 'ok') return file;
    if (found === 'missing') throw failure('not_found', `${label} command not found: ${name}`);
    if (found === 'directory') throw failure('not_found', `${label} command is a directory: ${name}`);
    throw failure(
      'not_executable',
      `${label} command is not executable: ${name}; mark it executable (chmod +x) or run it with an interpreter, e.g. [sh, ${name}]`,
    );
  }
  for (const dir of (path ?? '').split(delimiter)) {
    if (name === '' || dir === '' || !isAbsolute(dir)) continue;
    const file = join(dir, name);
    if ((await executable(file)) === 'ok') return file;
  }
  throw failure('not_found', `${label} command not found: ${name === '' ? '(empty)' : name} (not a path, and not on PATH)`);
}

/**
 * Runs one command without a shell, in its own process group, and resolves when it exits
 * with code 0. A timeout or the abort signal stops the whole group (SIGTERM, then SIGKILL
 * after `graceMs`) before the promise rejects.
 */
export async function runCommand(options: RunOptions): Promise<void> {
  const { label, argv, signal } = options;
  const note = (text: string) => `slipway: ${text}\n`;
  if (signal.aborted) throw cancelled(label);
  const name = argv[0] ?? '';
  if (!(await stat(options.cwd).then((info) => info.isDirectory(), () => false))) {
    throw failure('no_worktree', `${label} command cannot run: its working folder ${options.cwd} does not exist`);
  }
  const file = await resolveCommand(label, name, options.cwd, options.env.PATH);
  if (signal.aborted) throw cancelled(label);

  options.log(note(`running ${label} command ${name}`));
  const started = Date.now();
  let child;
  try {
    child = spawn(file, argv.slice(1), {
      argv0: name,
      cwd: options.cwd,
      env: options.env,
      shell: false,
      detached: true,
      ...options.ids,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw failure('start', `${label} command could not start: ${name}: ${(error as Error).message}`, error);
  }
  const output = new BoundedOutput(options.log, options.maxOutputBytes, note);
  child.stdout.on('data', (chunk: Buffer) => output.write('stdout', chunk));
  child.stderr.on('data', (chunk: Buffer) => output.write('stderr', chunk));
  const drained = Promise.all(
    [child.stdout, child.stderr].map((stream) => new Promise<void>((done) => stream.once('close', () => done()))),
  );

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: Error }>((done) => {
    child.on('error', (error) => done({ error }));
    child.once('exit', (code, exitSignal) => done({ code, signal: exitSignal }));
  });

  let stopping: Promise<void> | null = null;
  let reason: 'timeout' | 'cancel' | null = null;
  const stop = (why: 'timeout' | 'cancel') => {
    if (stopping !== null || child.pid === undefined) return;
    reason = why;
    stopping = stopGroup(child.pid, options.graceMs);
  };
  const onAbort = () => stop('cancel');
  signal.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.timeoutMs > 0 ? setTimeout(() => stop('timeout'), Math.min(options.timeoutMs, MAX_TIMER)) : undefined;

  // Listeners are in place: waiting here cannot miss the exit or any output.
  if (child.pid !== undefined && options.onSpawn !== undefined) {
    await options.onSpawn(child.pid).catch((error: Error) => options.log(note(`could not record the running command: ${error.message}`)));
  }
  const result = await exited;
  clearTimeout(timer);
  signal.removeEventListener('abort', onAbort);
  if (stopping !== null) await stopping;
  // A process the command left running may hold its output open: read until it closes,
  // but not forever.
  let drainTimer: NodeJS.Timeout | undefined;
  const open = await Promise.race([
    drained.then(() => false),
    new Promise<boolean>((done) => {
      drainTimer = setTimeout(() => done(true), options.graceMs);
    }),
  ]);
  clearTimeout(drainTimer);
  if (open) {
    child.stdout.destroy();
    child.stderr.destroy();
  }
  output.end();
  if (open) options.log(note(`the ${label} command exited but a process it started still holds its output open; no longer reading it`));

  const took = formatDuration(Math.max(1, Date.now() - started));
  if ('error' in result) {
    const error = result.error as NodeJS.ErrnoException;
    const hint = error.code === 'ENOENT' ? ': its interpreter was not found (check the #! line)' : `: ${error.message}`;
    throw failure('start', `${label} command could not start: ${name}${hint}`, error);
  }
  if (reason === 'timeout') {
    options.log(note(`${label} command stopped after ${took}: timed out`));
    throw failure('timeout', `${label} command timed out after ${formatDuration(options.timeoutMs)}`);
  }
  if (reason === 'cancel') {
    options.log(note(`${label} command stopped after ${took}: cancelled`));
    throw cancelled(label);
  }
  if (result.signal !== null) {
    options.log(note(`${label} command was killed by ${result.signal} after ${took}`));
    throw failure('killed', `${label} command was killed by ${result.signal}`);
  }
  options.log(note(`${label} command exited with code ${result.code} after ${took}`));
  if (result.code !== 0) throw failure('exit', `${label} command exited with code ${result.code}`);
}
