import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { CLI } from './cli.js';

export interface RunningDemo {
  child: ChildProcess;
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Ctrl-C: sends SIGINT and resolves to the exit code; rejects when it has not exited within a minute. */
  interrupt(): Promise<number | null>;
}

/**
 * Starts `slipway demo` with `args` (the built CLI, as a user runs it) and resolves once its
 * standard output says `until` (the story is over); rejects when it exits or `timeoutMs` passes
 * first. It is killed after the test.
 */
export async function startDemo(t: TestContext, args: string[], until: string, timeoutMs: number): Promise<RunningDemo> {
  const child = spawn(process.execPath, [CLI, 'demo', ...args], { env: { ...process.env, SLIPWAY_LOG_FORMAT: 'json' } });
  t.after(() => void child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the story did not end within ${timeoutMs / 1000} s:\n${stdout}${stderr}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes(until)) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then((code) => reject(new Error(`slipway demo exited with ${code}:\n${stdout}${stderr}`)));
  });
  const interrupt = async () => {
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`slipway demo did not exit within 60 s of SIGINT:\n${stdout}${stderr}`)), 60_000);
    });
    try {
      return await Promise.race([exited, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { child, stdout: () => stdout, stderr: () => stderr, exited, interrupt };
}
