import { spawn } from 'node:child_process';
import { SourceError } from './errors.js';

export interface GitCall {
  /** The argv after `git`: built from validated names, never from a shell string. */
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** What this command does, for messages (`git fetch of refs/heads/main from …`); no secrets. */
  what: string;
  signal?: AbortSignal;
  /** Written to git's stdin (`update-ref --stdin`, `cat-file --batch-check`); stdin is empty without it. */
  input?: string;
}

export interface GitResult {
  /** Exit code; a command killed by a signal we did not send reports 128. */
  code: number;
  stdout: string;
  /** The last 64 KiB of stderr, unscrubbed: scrub before it goes anywhere. */
  stderr: string;
}

const MAX_STDOUT = 16 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;

/**
 * Runs one git command without a shell, in its own process group so that a timeout or an
 * abort kills git and its helpers (remote-https, index-pack, ssh) together. Resolves with the
 * exit code (non-zero is the caller's to interpret); rejects with `SourceError` `timeout`,
 * `aborted`, or `git_failed` when git cannot be started.
 */
export function runGit(call: GitCall): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    if (call.signal?.aborted) return reject(aborted(call.what));
    const child = spawn('git', call.args, {
      cwd: call.cwd,
      env: call.env,
      stdio: 'pipe',
      detached: true,
      windowsHide: true,
    });
    // git may exit before reading all of it (a bad line): the pipe's EPIPE is not the outcome.
    child.stdin.on('error', () => undefined);
    child.stdin.end(call.input ?? '');
    let stdout = '';
    let stderr = '';
    let stopped: SourceError | null = null;
    let settled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < MAX_STDOUT) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_STDERR);
    });
    const stop = (error: SourceError) => {
      if (stopped !== null) return;
      stopped = error;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const seconds = Math.round(call.timeoutMs / 100) / 10;
    const timer = setTimeout(() => {
      stop(new SourceError('timeout', `${call.what} did not finish within ${seconds}s and was stopped; check that the remote answers, or raise the git timeout`));
    }, call.timeoutMs);
    const onAbort = () => stop(aborted(call.what));
    call.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
      settle();
    };
    child.on('error', (error) => {
      finish(() => reject(new SourceError('git_failed', `could not run git for ${call.what} (${error.message}); is git installed and on PATH?`, { cause: error })));
    });
    child.on('close', (code) => {
      finish(() => (stopped === null ? resolve({ code: code ?? 128, stdout, stderr }) : reject(stopped)));
    });
  });
}

function aborted(what: string): SourceError {
  return new SourceError('aborted', `${what} was cancelled before it finished`);
}
