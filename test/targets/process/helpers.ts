import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { createLogger } from '../../../src/logger.js';
import type { ProcessStatus } from '../../../src/targets/process/config.js';
import { ProcessTarget } from '../../../src/targets/process/process-target.js';
import type { CrashLoop, FailedDeploy, Route } from '../../../src/domain/routes.js';
import type { RouteSwitch } from '../../../src/targets/process/routes.js';
import type { DeployRequest } from '../../../src/targets/target.js';
import { Workspace } from '../../../src/targets/workspace.js';
import { Origin } from '../../helpers/git.js';
import { deployRequest, getJson } from '../helpers.js';

// FakeRoutes stands in for the router (src/router/), recording what the target asks of it, so
// these tests need no proxy (test/e2e/ drives the real one). Everything else is real: the app is a small Node HTTP server
// written into a temp worktree, started as a real process on a real port of 127.0.0.1.

export const SHA1 = '1111111111111111111111111111111111111111';
export const SHA2 = '2222222222222222222222222222222222222222';

export class FakeRoutes implements RouteSwitch {
  readonly calls: string[] = [];
  readonly ports = new Map<string, number>();

  /** The address each environment's route goes to, when not 127.0.0.1. */
  readonly hosts = new Map<string, string>();

  set(app: string, env: string, port: number, host = '127.0.0.1'): void {
    this.calls.push(`set ${app}/${env} ${port}`);
    this.ports.set(env, port);
    if (host === '127.0.0.1') this.hosts.delete(env);
    else this.hosts.set(env, host);
  }
  starting(app: string, env: string): void {
    this.calls.push(`starting ${app}/${env}`);
  }
  failed(app: string, env: string, info: FailedDeploy): void {
    this.calls.push(`failed ${app}/${env} deployment ${info.deploymentId}`);
    this.ports.delete(env);
  }
  crashed(app: string, env: string, info: CrashLoop): void {
    this.calls.push(`crashed ${app}/${env} code ${info.exitCode} signal ${info.signal} restarts ${info.restarts}`);
  }
  sleeping(app: string, env: string): void {
    this.calls.push(`sleeping ${app}/${env}`);
    this.ports.delete(env);
  }
  remove(app: string, env: string): void {
    this.calls.push(`remove ${app}/${env}`);
    this.ports.delete(env);
  }
  urlFor(app: string, env: string): string {
    return `http://${env}.${app}.slipway.test`;
  }
  /** Routes as another replica set them, by environment (what `lookup` answers). */
  readonly others = new Map<string, Route>();
  private readonly followers = new Set<(app: string, env: string, route: Route | null) => void>();
  lookup(_app: string, env: string): Route | undefined {
    return this.others.get(env);
  }
  followed(listener: (app: string, env: string, route: Route | null) => void): () => void {
    this.followers.add(listener);
    return () => void this.followers.delete(listener);
  }
  /** Another replica set the environment's route (null: removed it). */
  follow(app: string, env: string, route: Route | null): void {
    if (route === null) this.others.delete(env);
    else this.others.set(env, route);
    for (const listener of this.followers) listener(app, env, route);
  }
  async drained(port: number): Promise<boolean> {
    this.calls.push(`drained ${port}`);
    return true;
  }
}

/**
 * The app: answers `GET /` with its pid and environment, and `/healthz` with 200 once
 * HEALTHY_AFTER_MS passed (never when HEALTHY=never). EXIT_AT_START=n exits with n at once,
 * CRASH_AFTER_MS=n exits with 3 after n ms. It writes its pid to `pids` in its folder.
 */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const env = process.env;
fs.appendFileSync('pids', process.pid + '\\n');
console.log('app starting on ' + env.PORT);
if (env.EXIT_AT_START) { console.error('fatal: cannot start'); process.exit(Number(env.EXIT_AT_START)); }
if (env.CRASH_AFTER_MS) setTimeout(() => { console.log('crashing'); process.exit(3); }, Number(env.CRASH_AFTER_MS));
const up = Date.now();
http.createServer((req, res) => {
  if (req.url === '/healthz') {
    const ok = env.HEALTHY !== 'never' && Date.now() - up >= Number(env.HEALTHY_AFTER_MS || 0);
    res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : 'not yet');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pid: process.pid, env }));
}).listen(Number(env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

/** A real git repository of an app (`<root>/origin`) with `files` committed on main, and real worktrees of its commits. */
export interface GitApp {
  origin: Origin;
  /** The first commit. */
  sha: string;
  /** Adds a worktree of `sha` (default: the first commit) at `<root>/worktrees/<name>`. */
  checkout(name: string, sha?: string): string;
}

export function gitApp(root: string, files: Record<string, string>): GitApp {
  const origin = new Origin(join(root, 'origin'));
  const first = origin.commitFiles('main', files);
  return {
    origin,
    sha: first,
    checkout(name, sha = first) {
      const dir = join(root, 'worktrees', name);
      origin.git('worktree', 'add', '--detach', '-q', dir, sha);
      return dir;
    },
  };
}

/** A worktree holding the app and a manifest. */
export function worktree(root: string, name: string, manifest: string): string {
  const dir = join(root, 'worktrees', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server.cjs'), SERVER);
  writeFileSync(join(dir, 'slipway.app.yaml'), manifest);
  return dir;
}

export const MANIFEST = 'start: node server.cjs\nhealth: { path: /healthz, timeout: 10s }\n';

export interface Setup {
  root: string;
  stateDir: string;
  routes: FakeRoutes;
  statuses: ProcessStatus[];
  /** What the target logged (JSON lines). */
  logged: string[];
  target: ProcessTarget;
  /** Another target on the same state folder, as a restarted slipway would make. */
  another(): ProcessTarget;
}

export interface SetupOptions {
  backoff?: { baseMs: number; maxMs: number; stableMs: number };
  manifest?: string;
  logMaxBytes?: number;
  logCheckMs?: number;
  keepDestroyedLogsMs?: number;
  keepUnusedBuildsMs?: number;
  buildTimeoutMs?: number;
}

/**
 * A temp folder with a target on it. After the test, the targets are closed (their
 * processes stopped) before the folder is removed.
 */
export function setup(t: TestContext, options: SetupOptions = {}): Setup {
  const root = mkdtempSync(join(tmpdir(), 'slipway-process-'));
  const targets: ProcessTarget[] = [];
  t.after(async () => {
    await Promise.all(targets.map((target) => target.close()));
    rmSync(root, { recursive: true, force: true });
  });
  const stateDir = join(root, 'data', 'targets', 'process');
  const routes = new FakeRoutes();
  const statuses: ProcessStatus[] = [];
  const logged: string[] = [];
  const log = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => logged.push(line) } });
  const make = () => {
    const target = new ProcessTarget(
      { type: 'process', manifest: options.manifest ?? null, stopGraceMs: 2000, logMaxBytes: options.logMaxBytes ?? 10 * 1024 ** 2, logFiles: 2, buildTimeoutMs: options.buildTimeoutMs ?? 900_000 },
      { app: 'web', stateDir, routes, log, workspace: new Workspace({ workDir: join(root, 'work'), dataDir: join(root, 'data'), runAs: null }), onStatus: (status) => statuses.push(status), ...(options.backoff === undefined ? {} : { backoff: options.backoff }), ...(options.logCheckMs === undefined ? {} : { logCheckMs: options.logCheckMs }), ...(options.keepDestroyedLogsMs === undefined ? {} : { keepDestroyedLogsMs: options.keepDestroyedLogsMs }), ...(options.keepUnusedBuildsMs === undefined ? {} : { keepUnusedBuildsMs: options.keepUnusedBuildsMs }) },
    );
    targets.push(target);
    return target;
  };
  return { root, stateDir, routes, statuses, logged, target: make(), another: make };
}

export function request(workdir: string, overrides: Partial<DeployRequest> = {}): DeployRequest {
  return deployRequest(workdir, { sha: SHA1, ...overrides });
}

/** `GET /` of the app on `port`: its pid and environment. */
export function ask(port: number): Promise<{ pid: number; env: Record<string, string> }> {
  return getJson(port);
}

/** Whether a live (not zombie) process has this pid. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** A slipway of its own: a Node process that makes a target on `stateDir` and deploys the requests (see startDriver). */
const DRIVER = `
const [targetUrl, loggerUrl, workspaceUrl, stateDir, requests] = process.argv.slice(2);
const { ProcessTarget } = await import(targetUrl);
const { createLogger } = await import(loggerUrl);
const { Workspace } = await import(workspaceUrl);
const routes = { set() {}, starting() {}, remove() {}, urlFor: (app, env) => 'http://' + env + '.' + app + '.slipway.test', drained: async () => true };
const target = new ProcessTarget(
  { type: 'process', manifest: 'slipway.app.yaml', stopGraceMs: 2000, logMaxBytes: 1048576, logFiles: 2, buildTimeoutMs: 900_000 },
  { app: 'web', stateDir, routes, log: createLogger({ level: 'silent', pretty: false }), workspace: new Workspace({ workDir: stateDir + '/../../../work', dataDir: stateDir + '/../..', runAs: null }) },
);
for (const request of JSON.parse(requests)) await target.apply({ ...request, log: () => {}, signal: new AbortController().signal });
console.log('deployed');
setInterval(() => {}, 60_000);
`;

/**
 * Starts a separate Node process running the built target on `stateDir` (its work folder
 * `<root>/work`), which deploys `requests` one after the other, prints `deployed`, and runs
 * until killed: a slipway the test can kill with SIGKILL. It is killed after the test.
 */
export function startDriver(t: TestContext, root: string, stateDir: string, requests: DeployRequest[]): ChildProcessByStdio<null, Readable, null> {
  const driver = join(root, 'driver.mjs');
  writeFileSync(driver, DRIVER);
  const module = (path: string) => new URL(`../../../src/${path}`, import.meta.url).href;
  // `log` and `signal` do not survive JSON; the driver gives its own.
  const child = spawn(process.execPath, [driver, module('targets/process/process-target.js'), module('logger.js'), module('targets/workspace.js'), stateDir, JSON.stringify(requests)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  return child;
}
