import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { callApi, type Api } from './api.js';
import { processesIn } from './processes.js';

/** The built CLI, as `npx slipway` runs it after `npm ci`. */
export const CLI = resolve('dist/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, SLIPWAY_LOG_FORMAT: 'json', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input);
  });
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  /** A call to its API with its token: $SLIPWAY_API_TOKEN given to it, else the file it logged. */
  api: Api;
}

/**
 * Starts `slipway serve` and waits for its "listening" log line. It listens on 127.0.0.1, on
 * any free port, unless `fromConfig`: then where the config's `server:` says. `openFiles`
 * limits the files the process may open.
 */
export function startServer(
  t: TestContext,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; fromConfig?: boolean; openFiles?: number } = {},
): Promise<RunningServer> {
  const listen = options.fromConfig === true ? [] : ['--host', '127.0.0.1', '--port', '0'];
  const argv = [CLI, 'serve', ...listen, ...args];
  // `ulimit -n` lowers both limits (node raises its soft limit to the hard one); exec keeps the pid.
  const [command, commandArgs] = options.openFiles === undefined
    ? [process.execPath, argv]
    : ['/bin/sh', ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, process.execPath, ...argv]];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd,
    env: { ...process.env, SLIPWAY_LOG_FORMAT: 'json', ...options.env },
  });
  let output = '';
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => rejectStart(new Error(`server did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.includes('"slipway is listening"'));
      if (line === undefined) return;
      clearTimeout(timer);
      const { url } = JSON.parse(line) as { url: string };
      const token = () => options.env?.SLIPWAY_API_TOKEN || readFileSync(apiTokenFile(output), 'utf8').trim();
      const api: Api = (method, path, body) => callApi(url, token(), method, path, body);
      resolveStart({ child, url, output: () => output, exited, api });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      rejectStart(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}

/** The file the server said it keeps its generated API token in. */
export function apiTokenFile(output: string): string {
  const line = output.split('\n').find((text) => text.includes('"apiTokenFile"'));
  assert.ok(line !== undefined, `the server logged no API token file:\n${output}`);
  return (JSON.parse(line) as { apiTokenFile: string }).apiTokenFile;
}

/** The command succeeded; its standard output. */
export function ok(result: CliResult): string {
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** The command failed with `code`, saying `message` on standard error. */
export function fails(result: CliResult, code: number, message: RegExp): void {
  assert.equal(result.code, code, `exit ${result.code}: ${result.stderr}${result.stdout}`);
  assert.match(result.stderr, message);
}

/**
 * A fresh folder for a slipway whose apps run as local processes, removed after the test once
 * nothing runs there: the server given to `track` is stopped first (SIGTERM stops its apps,
 * SIGKILL leaves them behind), then whatever still runs in the folder is killed.
 */
export function processFolder(t: TestContext, prefix: string, stop: 'SIGTERM' | 'SIGKILL') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o777);
  let server: RunningServer | undefined;
  t.after(async () => {
    if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill(stop);
      await server.exited;
    }
    for (const found of processesIn(root)) {
      try {
        process.kill(found.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    rmSync(root, { recursive: true, force: true });
  });
  return { root, track: (started: RunningServer) => void (server = started) };
}
