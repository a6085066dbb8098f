import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type Docker from 'dockerode';
import { createLogger } from '../../../src/logger.js';
import type { DockerTargetConfig } from '../../../src/config/targets.js';
import { DockerTarget } from '../../../src/targets/docker/docker-target.js';
import { LABELS } from '../../../src/targets/docker/labels.js';
import type { DeployRequest, RuntimeReport } from '../../../src/targets/target.js';
import { baseImage, testEngine } from '../../fixtures/docker-base.js';
import { deployRequest, getJson } from '../helpers.js';
import { FakeRoutes } from '../process/helpers.js';

// A real Docker Engine runs the containers (.ci/run starts one); FakeRoutes stands in for the
// router, recording what the target asks of it (test/e2e/ drives the real one). The app is a
// small Node HTTP server built into an image FROM the base image made on this machine.

export const SHA1 = '1111111111111111111111111111111111111111';
export const SHA2 = '2222222222222222222222222222222222222222';

/**
 * The app: answers `GET /` with its environment and VERSION, `/healthz` with 200 (never when
 * HEALTHY=never). EXIT_AT_START=n exits with n at once, CRASH_AFTER_MS=n exits with 3 after n ms.
 */
const SERVER = `
const http = require('node:http');
const env = process.env;
console.log('app starting on ' + env.PORT);
if (env.EXIT_AT_START) { console.error('fatal: cannot start'); process.exit(Number(env.EXIT_AT_START)); }
if (env.CRASH_AFTER_MS) setTimeout(() => { console.log('crashing'); process.exit(3); }, Number(env.CRASH_AFTER_MS));
const version = require('fs').readFileSync('/app/VERSION', 'utf8').split('\\n')[0].trim();
http.createServer((req, res) => {
  if (req.url === '/healthz') {
    const ok = env.HEALTHY !== 'never';
    res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : 'not yet');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version, env }));
}).listen(Number(env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

export interface Setup {
  /** The app's name, its own per test: images are named by app and sha, and tests run side by side. */
  app: string;
  root: string;
  stateDir: string;
  docker: Docker;
  base: string;
  routes: FakeRoutes;
  statuses: RuntimeReport[];
  logged: string[];
  target: DockerTarget;
  /** Another target on the same state folder, as a restarted slipway would make (or on `stateDir`, as another replica would). */
  another(stateDir?: string): DockerTarget;
}

export type ConfigOverrides = Partial<Omit<DockerTargetConfig, 'type'>>;

export function dockerConfig(overrides: ConfigOverrides = {}): DockerTargetConfig {
  return {
    type: 'docker',
    dockerfile: 'Dockerfile',
    context: '.',
    buildArgs: {},
    port: 8080,
    publish: '127.0.0.1',
    health: { path: '/healthz', timeoutMs: 15_000 },
    resources: { memoryBytes: null, cpus: null, pids: 4096 },
    stopGraceMs: 2000,
    buildTimeoutMs: 120_000,
    logMaxBytes: 1024 * 1024,
    logFiles: 2,
    ...overrides,
  };
}

/**
 * A temp folder with a docker target on it. After the test the targets are closed, and the
 * containers and images they made (found by this state folder's instance label) removed.
 */
export interface SetupTiming {
  backoff?: { baseMs: number; maxMs: number; stableMs: number };
  pruneEveryMs?: number;
}

export async function setup(t: TestContext, overrides: ConfigOverrides = {}, timing: SetupTiming = {}): Promise<Setup> {
  const docker = await testEngine();
  const base = await baseImage(docker);
  const root = mkdtempSync(join(tmpdir(), 'slipway-docker-'));
  const app = `web-${randomBytes(4).toString('hex')}`;
  const stateDir = join(root, 'data', 'targets', 'docker');
  const targets: DockerTarget[] = [];
  const routes = new FakeRoutes();
  const statuses: RuntimeReport[] = [];
  const logged: string[] = [];
  const log = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => logged.push(line) } });
  const make = (dir = stateDir) => {
    const target = new DockerTarget(dockerConfig(overrides), { app, stateDir: dir, routes, log, onStatus: (status) => statuses.push(status), ...timing });
    targets.push(target);
    return target;
  };
  const target = make();
  t.after(async () => {
    await Promise.all(targets.map((each) => each.close()));
    await removeMade(docker, app);
    rmSync(root, { recursive: true, force: true });
  });
  return { app, root, stateDir, docker, base, routes, statuses, logged, target, another: make };
}

/** Removes every container of the app (its name is the test's own), and its images. */
export async function removeMade(docker: Docker, app: string): Promise<void> {
  for (const container of await docker.listContainers({ all: true, filters: { label: [`${LABELS.app}=${app}`] } })) {
    await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
  }
  for (const image of await docker.listImages({ filters: { reference: [`slipway/${app}`] } })) {
    for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
  }
}

/** A worktree holding the app, its Dockerfile and a VERSION file. */
export function worktree(root: string, name: string, base: string, options: { version?: string; dockerfile?: string; files?: Record<string, string> } = {}): string {
  const dir = join(root, 'worktrees', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server.cjs'), SERVER);
  // Its second line names the test's folder: tests running at once never build the same image
  // (same id), which one test's image removal would take from under another's build.
  writeFileSync(join(dir, 'VERSION'), `${options.version ?? name}\n${root}\n`);
  writeFileSync(join(dir, 'Dockerfile'), options.dockerfile ?? `FROM ${base}\nWORKDIR /app\nCOPY server.cjs VERSION ./\nCMD ["node", "server.cjs"]\n`);
  for (const [file, text] of Object.entries(options.files ?? {})) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

export function request(app: string, workdir: string, overrides: Partial<DeployRequest> = {}): DeployRequest {
  return deployRequest(workdir, { app, sha: SHA1, ...overrides });
}

/** `GET /` of the app on `port`: its VERSION and environment. */
export function ask(port: number, host = '127.0.0.1'): Promise<{ version: string; env: Record<string, string> }> {
  return getJson(port, host);
}

/** Polls `check` until it holds, failing with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
