import { constants } from 'node:fs';
import { access, open, rm, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { SlipwayError } from '../../errors.js';
import { TARGET_CANCELLED } from '../target.js';
import { BoundedOutput } from './output.js';
import { adoptDetached, startDetached, type Detached, type Ended } from './detached.js';
import { FileFollower } from './follow.js';
import { groupAlive, stopGroup } from './process-group.js';

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
  /** Where the runner writes the command's output and how it ended. */
  files: RunFiles;
  /**
   * Told the process group once the runner runs, before the command starts; synchronous, so
   * a slipway killed a moment later still finds the group written down.
   */
  record?: (pgid: number, started: string | null) => void;
  /** A run an earlier slipway started (its group, its leader's start time, when it started): wait for it instead. */
  adopt?: { pgid: number; started: string | null; startedAt: number };
}

export interface RunFiles {
  output: string;
  status: string;
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

/** How a command's end reads in messages, or an error for how it failed. */
function verdict(label: string, name: string, ended: Ended): { error: SlipwayError | null; how: string } {
  if ('unknown' in ended) {
    return { error: failure('lost', `${label} command ended while no slipway watched, and how is unknown; deploy again`), how: 'ended (how is unknown)' };
  }
  if ('error' in ended) {
    const hint = ended.error === 'ENOENT' ? ': its interpreter was not found (check the #! line)' : `: ${ended.message}`;
    return { error: failure('start', `${label} command could not start: ${name}${hint}`), how: 'could not start' };
  }
  if (ended.signal !== null) return { error: failure('killed', `${label} command was killed by ${ended.signal}`), how: `was killed by ${ended.signal}` };
  const how = `exited with code ${ended.code}`;
  return { error: ended.code === 0 ? null : failure('exit', `${label} command ${how}`), how };
}

/**
 * Runs one command without a shell, in its own process group under the runner (runner.ts),
 * and resolves when it exits with code 0. Its output goes to `files.output` and is passed
 * to the log from there; it outlives a killed slipway. With `adopt`, a run an earlier
 * slipway started is waited for instead. A timeout or the abort signal stops the whole
 * group (SIGTERM, then SIGKILL after `graceMs`) before the promise rejects.
 */
export async function runCommand(options: RunOptions): Promise<void> {
  const { label, argv, signal, files } = options;
  const note = (text: string) => `slipway: ${text}\n`;
  if (signal.aborted) throw cancelled(label);
  const name = argv[0] ?? '';
  let run: Detached;
  let started = Date.now();
  const output = new BoundedOutput(options.log, options.maxOutputBytes, note);
  if (options.adopt === undefined) {
    if (!(await stat(options.cwd).then((info) => info.isDirectory(), () => false))) {
      throw failure('no_worktree', `${label} command cannot run: its working folder ${options.cwd} does not exist`);
    }
    const file = await resolveCommand(label, name, options.cwd, options.env.PATH);
    if (signal.aborted) throw cancelled(label);
    options.log(note(`running ${label} command ${name}`));
    await rm(files.status, { force: true });
    const handle = await open(files.output, 'w', 0o600);
    try {
      const spec = { file, argv0: name, args: argv.slice(1), cwd: options.cwd, env: options.env, ...options.ids, status: files.status };
      run = await startDetached(spec, handle.fd, (pgid, leader) => options.record?.(pgid, leader));
    } catch (error) {
      throw failure('start', `${label} command could not start: ${name}: ${(error as Error).message}`, error);
    } finally {
      await handle.close();
    }
  } else {
    started = options.adopt.startedAt;
    run = adoptDetached(options.adopt.pgid, options.adopt.started, files.status);
  }
  const follower = new FileFollower(files.output, (chunk) => output.write('stdout', chunk));

  let stopping: Promise<void> | null = null;
  let reason: 'timeout' | 'cancel' | null = null;
  const stop = (why: 'timeout' | 'cancel') => {
    if (stopping !== null) return;
    reason = why;
    stopping = stopGroup(run.pgid, options.graceMs);
  };
  const onAbort = () => stop('cancel');
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop('cancel');
  const left = options.timeoutMs - (Date.now() - started);
  const timer = options.timeoutMs > 0 ? setTimeout(() => stop('timeout'), Math.min(Math.max(left, 0), MAX_TIMER)) : undefined;

  const ended = await run.ended;
  clearTimeout(timer);
  signal.removeEventListener('abort', onAbort);
  if (stopping !== null) await stopping;
  await follower.stop();
  output.end();
  if (reason === null && groupAlive(run.pgid)) {
    options.log(note(`the ${label} command exited but a process it started still runs (process group ${run.pgid}); its further output is not kept`));
  }

  const took = formatDuration(Math.max(1, Date.now() - started));
  if (reason === 'timeout') {
    options.log(note(`${label} command stopped after ${took}: timed out`));
    throw failure('timeout', `${label} command timed out after ${formatDuration(options.timeoutMs)}`);
  }
  if (reason === 'cancel') {
    options.log(note(`${label} command stopped after ${took}: cancelled`));
    throw cancelled(label);
  }
  const { error, how } = verdict(label, name, ended);
  options.log(note(`${label} command ${how} after ${took}`));
  if (error !== null) throw error;
}
