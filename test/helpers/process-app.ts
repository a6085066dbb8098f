import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Deployment } from '../../src/domain/environments.js';
import { pullRequestWebhook, pushWebhook, type Webhook } from '../../src/demo/payloads.js';
import { Origin } from './git.js';
import { startTestService, type TestService } from './service.js';
import { deliver, eventually } from './webhook.js';

// The app the process-target end-to-end tests deploy: a tiny Node HTTP server committed into
// the Origin repository, run by slipway as a real process on 127.0.0.1 behind its router.

/**
 * `GET /` answers JSON: version.txt, SLIPWAY_ENV, SLIPWAY_SHA, its pid, PORT and host name
 * (in a container: the container's). It listens on 127.0.0.1 (LISTEN_HOST in a container). `/healthz`
 * answers 200 (never answers at all with HEALTHZ=hang). `/crash` answers, then exits with 3.
 * `/hold` answers like `/` only once `/release` is asked (a slow request, held open at will);
 * `/held` says how many wait.
 */
const SERVER_JS = `'use strict';
const http = require('node:http');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const version = readFileSync(join(__dirname, 'version.txt'), 'utf8').trim();
const port = Number(process.env.PORT);
const host = require('node:os').hostname();
const answer = () => JSON.stringify({ version, env: process.env.SLIPWAY_ENV, sha: process.env.SLIPWAY_SHA, pid: process.pid, port, host });
let held = [];
const server = http.createServer((req, res) => {
  const path = new URL(req.url || '/', 'http://localhost').pathname;
  if (path === '/hold') {
    held.push(res);
  } else if (path === '/held') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(String(held.length));
  } else if (path === '/release') {
    for (const waiting of held) waiting.writeHead(200, { 'content-type': 'application/json' }).end(answer());
    res.writeHead(200, { 'content-type': 'text/plain' }).end('released ' + held.length + '\\n');
    held = [];
  } else if (path === '/healthz') {
    if (process.env.HEALTHZ === 'hang') return;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\\n');
  } else if (path === '/crash') {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('exiting with 3\\n', () => process.exit(3));
  } else {
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer());
  }
});
setTimeout(() => server.listen(port, process.env.LISTEN_HOST || '127.0.0.1'), Number(process.env.START_DELAY_MS || 0));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
`;

export const MANIFEST = 'start: node server.js\nhealth: { path: /healthz, timeout: 10s }\n';

/** The files of one commit of the app: `version` goes to version.txt. */
export function appFiles(version: string, manifest = MANIFEST): Record<string, string> {
  return { 'server.js': SERVER_JS, 'slipway.app.yaml': manifest, 'version.txt': `${version}\n` };
}

/** What the app says at `GET /`. */
export interface AppAnswer {
  version: string;
  env: string;
  sha: string;
  pid: number;
  port: number;
  host: string;
}

export interface Reply {
  status: number;
  body: string;
}

/** `GET path` of 127.0.0.1:`port` on a fresh connection, saying `Host: <host>` when given. */
function get(port: number, path: string, timeoutMs: number, host?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = host === undefined ? {} : { host };
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host ?? `127.0.0.1:${port}`} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * `GET path` through the router at 127.0.0.1:`routerPort` for `<env>.web.localhost` (sent
 * as the Host header: node's resolver does not map *.localhost).
 */
export function viaRouter(routerPort: number, env: string, path = '/', timeoutMs = 5000): Promise<Reply> {
  return get(routerPort, path, timeoutMs, `${env}.web.localhost:${routerPort}`);
}

/** `GET path` of the app itself, on its own port (not through the router). */
export function direct(port: number, path: string): Promise<Reply> {
  return get(port, path, 5000);
}

/** The app's answer at `GET /`, or undefined when the router answered something else. */
export function appAnswer(reply: Reply): AppAnswer | undefined {
  if (reply.status !== 200) return undefined;
  try {
    return JSON.parse(reply.body) as AppAnswer;
  } catch {
    return undefined;
  }
}

/** Waits until the environment answers through the router with `version`; its answer. */
export function serving(routerPort: number, env: string, version: string, timeoutMs = 30_000): Promise<AppAnswer> {
  return eventually(async () => {
    const answer = appAnswer(await viaRouter(routerPort, env).catch(() => ({ status: 0, body: '' })));
    return answer?.version === version ? answer : undefined;
  }, timeoutMs);
}

/**
 * A client asking the environment through the router every `intervalMs` (a new connection
 * each time, one request at a time) until `stop()`; it keeps every reply and every error.
 */
export class Poller {
  readonly replies: Reply[] = [];
  readonly errors: string[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(routerPort: number, env: string, intervalMs = 20) {
    this.done = (async () => {
      while (this.running) {
        try {
          this.replies.push(await viaRouter(routerPort, env));
        } catch (error) {
          this.errors.push((error as Error).message);
        }
        await sleep(intervalMs);
      }
    })();
  }

  /** Each reply as the version the app answered with, or `<status>: <body>` when it was not the app. */
  get seen(): string[] {
    return this.replies.map((reply) => appAnswer(reply)?.version ?? `${reply.status}: ${reply.body.slice(0, 200)}`);
  }

  /** Resolves once a reply had `version`. */
  waitFor(version: string, timeoutMs = 30_000): Promise<true> {
    return eventually(async () => (this.seen.includes(version) ? true : undefined), timeoutMs);
  }

  stop(): Promise<void> {
    this.running = false;
    return this.done;
  }
}

/**
 * Asserts what a client polling across a switch saw: no failed request, only `from` before
 * the first `to` and only `to` after it; says how many of each in the test's diagnostics.
 */
export function assertCleanSwitch(t: TestContext, poller: Poller, from: string, to: string): void {
  assert.deepEqual(poller.errors, [], 'no request failed');
  const seen = poller.seen;
  const switched = seen.indexOf(to);
  assert.ok(switched >= 0, `the new head answered: ${seen.join(', ')}`);
  assert.ok(seen.slice(0, switched).every((version) => version === from), `only the old head before the switch: ${seen.join(', ')}`);
  assert.ok(seen.slice(switched).every((version) => version === to), `only the new head after it: ${seen.join(', ')}`);
  t.diagnostic(`${seen.length} polled requests, ${switched} answered by the old head and the rest by the new one`);
}

/** The finished deployment of `sha` to the environment (waits for it). */
export function finishedDeployment(service: TestService, env: string, sha: string, timeoutMs = 30_000): Promise<Deployment> {
  return eventually(async () => {
    const environment = await service.store.getEnvironment('web', env);
    if (environment === null) return undefined;
    const deployments = await service.store.listDeployments(environment.id, 20);
    return deployments.find((deployment) => deployment.sha === sha && deployment.finishedAt !== null);
  }, timeoutMs);
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The repository in the payloads, as the config names it. */
export const REPO = 'acme/web';

/**
 * Signed webhooks for the app's repository, as GitHub would send them, each delivered through
 * slipway's real endpoint. Pull request events get a growing `updated_at`, as GitHub's do.
 */
export class Hooks {
  private updates = 0;

  constructor(
    private readonly origin: Origin,
    private readonly url: () => string,
    private readonly secret?: string,
  ) {}

  async push(branch: string, sha: string): Promise<void> {
    await this.send(pushWebhook(this.repo(), { branch, before: null, after: sha, message: 'push', at: new Date() }));
  }

  /** `opened` / `synchronize` point refs/pull/N/head at `sha` first, as GitHub does. */
  async pullRequest(action: 'opened' | 'synchronize' | 'closed', number: number, branch: string, sha: string): Promise<void> {
    if (action !== 'closed') this.origin.pullHead(number, sha);
    this.updates += 1;
    const updatedAt = new Date(Date.UTC(2025, 5, 1) + this.updates * 60_000);
    const base = { branch: 'main', sha: this.origin.git('rev-parse', 'main') };
    await this.send(pullRequestWebhook(this.repo(), { action, number, title: 'a change', head: { branch, sha }, base, updatedAt }));
  }

  private repo() {
    return { fullName: REPO, cloneUrl: this.origin.url };
  }

  private async send(webhook: Webhook): Promise<void> {
    const answer = await deliver(this.url(), { event: webhook.event, payload: webhook.payload, ...(this.secret === undefined ? {} : { secret: this.secret }) });
    if (answer.status !== 202) throw new Error(`webhook ${webhook.event} answered ${answer.status}: ${answer.body}`);
  }
}

/**
 * slipway's config: `top` (top-level keys), and the app `web` of REPO with `target` (none by
 * default, so the process target, behind the router).
 */
/** How the preview template differs: its `pullRequests` options, and more keys of its own (`sleepAfter: 2s`). */
export interface PreviewOptions {
  pullRequests?: string;
  keys?: string;
}

export function appConfig(origin: Origin, options: { top?: string; target?: string; preview?: PreviewOptions } = {}): string {
  const preview = options.preview ?? {};
  return `${options.top ?? ''}
apps:
  - name: web
    repo: ${REPO}
    url: ${origin.url}${options.target === undefined ? '' : `\n    target: ${options.target}`}
    environments:
      - name: staging
        track: { branch: main }
      - name: pr-{number}
        track: { pullRequests: { base: [main]${preview.pullRequests === undefined ? '' : `, ${preview.pullRequests}`} } }${preview.keys === undefined ? '' : `\n        ${preview.keys}`}
`;
}

/**
 * slipway in-process with the app on the process target (or `target`), its router on a free port of
 * 127.0.0.1, and an Origin. After the test slipway stops (and its processes with it) before
 * the folder is removed.
 */
export async function startAppService(t: TestContext, target?: string, preview?: PreviewOptions, top = '') {
  const root = mkdtempSync(join(tmpdir(), 'slipway-process-e2e-'));
  const origin = new Origin(join(root, 'origin'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  const yaml = appConfig(origin, { top: `router: { host: 127.0.0.1, domain: localhost }\n${top}`, ...(target === undefined ? {} : { target }), ...(preview === undefined ? {} : { preview }) });
  const service = await startTestService(t, { yaml, dataDir: join(root, 'data') }).catch((error: unknown) => {
    remove();
    throw error;
  });
  t.after(remove);
  if (service.routerUrl === null) throw new Error('the router did not start');
  const routerPort = Number(new URL(service.routerUrl).port);
  return { root, origin, service, routerPort, hooks: new Hooks(origin, () => service.url) };
}
