import { resolve } from 'node:path';
import * as z from 'zod';
import { duration, MAX_TIMER_MS } from './duration.js';
import { environmentsSchema } from './environments.js';
import type { Env } from './expand.js';
import { always, isRecord, optionalText, strict, uniqueNames, wholeNumber } from './fields.js';
import { githubAppSchema } from './github-app.js';
import { listenerKeys, withListener } from './listener.js';
import { checkReceiverApps, notificationsSchema } from './notifications.js';
import { defaultRemote, remoteProblem } from './remote.js';
import { retentionSchema } from './retention.js';
import { size } from './size.js';
import { storeUrlProblem } from './store-url.js';
import { DEFAULT_TARGET, targetSchema } from './targets.js';
import { variablesSchema } from './variables.js';
import { defaultWorkDir } from './work-dir.js';

export type { EnvironmentConfig, ForkPolicy, Track, TrackKind } from './environments.js';
export type { GateConfig } from './gates.js';
export type { GitHubAppConfig } from './github-app.js';
export type { NotificationFormat, ReceiverConfig } from './notifications.js';
export type { RollbackConfig, RollbackState } from './rollback.js';
export type { CommandTargetConfig, ProcessTargetConfig, TargetConfig, TargetType } from './targets.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Keys whose values are never printed, in messages or logs. */
export const SECRET_KEYS = ['apiToken', 'webhookSecret', 'token', 'privateKey'] as const;

const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const REPO = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

/** A secret that guards access: when given it must not be empty (fail closed). */
const guardSecret = z
  .string()
  .min(1, 'must not be empty; remove the key to leave it unset');

const PORT = 'expected a port number from 1 to 65535';
const port = wholeNumber(1, 65535, PORT);

/** `value` as a URL when it is an absolute http(s) URL; else null. */
function httpUrl(value: string): URL | null {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? url : null;
  } catch {
    return null;
  }
}

const dropTrailingSlash = (value: string) => value.replace(/\/+$/, '');

const HTTP_URL = 'expected an absolute http(s) URL such as https://slipway.example.com';
const publicUrl = z.string().refine((value) => httpUrl(value) !== null, HTTP_URL).transform(dropTrailingSlash);

const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

const API_URL = 'expected an absolute http(s) URL such as https://api.github.com, or https://github.example.com/api/v3 for GitHub Enterprise Server';
const apiUrl = z
  .string()
  .superRefine((value, ctx) => {
    const url = httpUrl(value);
    if (url === null) ctx.addIssue({ code: 'custom', message: API_URL });
    else if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials; remove them from the URL and set github.token' });
    }
  })
  .transform(dropTrailingSlash);

/** GitHub's documented cap on a webhook payload: it drops larger events instead of sending them. */
export const GITHUB_MAX_PAYLOAD_BYTES = 25_000_000;
const DEFAULT_UNVERIFIED_BYTES = 64 * 1024 ** 2;

const server = strict({
  host: z.string().min(1).default('0.0.0.0'),
  port: port.default(8080),
  publicUrl: optionalText(publicUrl),
  apiToken: guardSecret.optional(),
  ...listenerKeys,
  /** The largest webhook body taken (kept as `maxBodyBytes`). */
  maxBodySize: size().default(GITHUB_MAX_PAYLOAD_BYTES),
  /** Bytes of webhook bodies not yet verified held at once, across all connections. */
  maxUnverifiedBytes: size().default(DEFAULT_UNVERIFIED_BYTES),
}).superRefine((value, ctx) => {
  if (value.maxUnverifiedBytes < value.maxBodySize) {
    const now = `${value.maxUnverifiedBytes} bytes${value.maxUnverifiedBytes === DEFAULT_UNVERIFIED_BYTES ? ', the default' : ''}`;
    const message = `must be at least server.maxBodySize (${value.maxBodySize} bytes), so that one body the limit allows fits; it is ${now}`;
    ctx.addIssue({ code: 'custom', path: ['maxUnverifiedBytes'], message });
  }
}).transform(({ maxBodySize, ...rest }) => withListener({ ...rest, maxBodyBytes: maxBodySize }));

/** The dashboard at `/`. */
const ui = strict({
  /** The read-only pages need no session (actions always do). */
  public: z.boolean().default(false),
});

/** Missed webhooks: failed deliveries are redelivered, open pull requests and branches re-read. */
const recovery = strict({
  /** Time between runs, the first at start (kept as `intervalMs`). */
  interval: duration({ max: MAX_TIMER_MS }).default(10 * 60_000),
}).transform(({ interval }) => ({ intervalMs: interval }));

/** `github`; a relative `app.privateKeyPath` is read from `baseDir` (the config file's folder). */
const github = (baseDir: string) => strict({
  webhookSecret: z
    .union([guardSecret, z.array(guardSecret).min(1)], {
      error: 'expected a non-empty string, or a non-empty list of them (remove the key to leave it unset)',
    })
    .optional(),
  token: optionalText(z.string()),
  /** A GitHub App instead of a token: slipway acts with each repository's installation token. */
  app: githubAppSchema(baseDir).optional(),
  /** The REST API's base URL; GitHub Enterprise Server's is `https://<host>/api/v3`. */
  apiUrl: optionalText(apiUrl),
  recovery: recovery.prefault({}),
}).superRefine((value, ctx) => {
  if (isRecord(value) && value.token !== undefined && value.app !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['app'], message: 'github.token and github.app are both set; keep one: the App (installation tokens per repository) or the token' });
  }
}, { when: always }).transform(({ apiUrl, ...rest }) => ({ ...rest, apiUrl: apiUrl ?? DEFAULT_GITHUB_API_URL }));

const storeUrl = z.string().superRefine((text, ctx) => {
  const problem = storeUrlProblem(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

const store = (baseDir: string) => strict({
  /**
   * The PostgreSQL store that several replicas share; without it the store is SQLite in
   * `dataDir`. `dataDir` stays each replica's own folder (git mirrors, target state) either way.
   */
  url: optionalText(storeUrl),
  dataDir: z.string().min(1).default('.slipway'),
  /**
   * Where worktrees, artifacts and the apps' processes live (their working folders and
   * homes), outside the config and data folders; load.ts refuses one that overlaps them.
   */
  workDir: optionalText(z.string().refine((text) => !text.includes('\0'), 'must not contain a NUL character')),
}).transform(({ url, dataDir, workDir }) => ({
  ...(url === undefined ? {} : { url }),
  dataDir,
  workDir: workDir === undefined ? defaultWorkDir(resolve(baseDir, dataDir), baseDir) : resolve(baseDir, workDir),
}));

const router = strict({
  /** The address the router listens on; environments answer at http://<env>.<app>.<domain>:<port>/. */
  host: z.string().min(1).default('0.0.0.0'),
  /** 0 picks a free port (tests, the demo). */
  port: wholeNumber(0, 65535, 'expected a port number from 0 (any free port) to 65535').default(8081),
  /** `localhost` works without DNS: browsers and curl send *.localhost to 127.0.0.1. */
  domain: z
    .string()
    .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/, 'expected a lowercase domain name such as localhost or preview.example.com')
    .default('localhost'),
  ...listenerKeys,
}).transform(withListener);

const log = strict({
  level: z.enum(LOG_LEVELS).default('info'),
});

const engine = strict({
  /** Deployments running at once, across all environments. */
  concurrency: wholeNumber(1, 1000).default(4),
  /** Time between re-reads of branch heads and open pull requests (kept as `resyncIntervalMs`). */
  resyncInterval: duration({ max: MAX_TIMER_MS }).default(5 * 60_000),
  /** Time between sweeps for what targets run that the store does not know (kept as `sweepIntervalMs`). */
  sweepInterval: duration({ max: MAX_TIMER_MS }).default(10 * 60_000),
  /**
   * How long a lease lasts without renewal (kept as `leaseMs`): an environment's, a schedule's,
   * a dispatcher's claim on deliveries. A replica that stops renewing (crashed, cut off) hands its
   * work over this long after; its holder renews a third of it apart, so it must outlast a pause.
   */
  lease: duration({ min: 5_000, max: MAX_TIMER_MS }).default(60_000),
}).transform(({ concurrency, resyncInterval, sweepInterval, lease }) => ({
  concurrency,
  resyncIntervalMs: resyncInterval,
  sweepIntervalMs: sweepInterval,
  leaseMs: lease,
}));

/** Limits on a workflow artifact slipway unpacks to deploy. */
const artifacts = strict({
  /** Total unpacked size of one artifact (kept as `maxBytes`). */
  maxSize: size().default(1024 ** 3),
  /** Files in one artifact. */
  maxFiles: wholeNumber(1, 1_000_000).default(10_000),
}).transform(({ maxSize, maxFiles }) => ({ maxBytes: maxSize, maxFiles }));

const remote = z.string().superRefine((text, ctx) => {
  const problem = remoteProblem(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** Only a target that runs the release itself can stop and start it: `sleepAfter` and a preview cap need process or docker. */
function checkSleepFitsTarget(value: unknown, ctx: z.core.$RefinementCtx): void {
  if (!isRecord(value) || !Array.isArray(value.environments)) return;
  const type = isRecord(value.target) ? value.target.type : 'process';
  if (type === 'process' || type === 'docker') return;
  value.environments.forEach((env: unknown, index) => {
    if (!isRecord(env)) return;
    const why = `needs target type process or docker: a ${String(type)} target cannot stop and start an environment's release`;
    // Parsed (sleepAfterMs, a track with its kind) or, when other keys failed, as written.
    if ((env.sleepAfterMs ?? env.sleepAfter ?? null) !== null) ctx.addIssue({ code: 'custom', path: ['environments', index, 'sleepAfter'], message: why });
    const track = env.track;
    const pullRequests = isRecord(track) ? (track.kind === 'pullRequests' ? track : track.pullRequests) : undefined;
    if (isRecord(pullRequests) && pullRequests.max !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['environments', index, 'track', 'pullRequests', 'max'], message: `${why} (the least recently used preview sleeps)` });
    }
  });
}

const app = strict({
  name: z
    .string()
    .regex(APP_NAME, 'expected 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"'),
  repo: z.string().regex(REPO, 'expected "owner/name"'),
  /** The git remote; defaults to the repository on github.com. */
  url: optionalText(remote),
  /** How its environments run; local processes behind the router unless given. */
  target: targetSchema.optional(),
  /** Environment variables for every environment's processes (an environment's own `env` wins). */
  env: variablesSchema.prefault({}),
  environments: environmentsSchema.default([]),
}).superRefine(checkSleepFitsTarget, { when: always }).transform(({ url, target, env, ...rest }) => ({
  ...rest,
  env: env.values,
  /** Names in `env` that fork previews never get. */
  secretEnv: env.secret,
  target: target ?? DEFAULT_TARGET,
  url: url ?? defaultRemote(rest.repo),
}));

const apps = z.array(app).superRefine(
  uniqueNames((first) => `another app (apps[${first}]) has the same name; app names must be unique`),
  // Run even when some apps have other problems, so every problem is reported at once.
  { when: always },
);

/** The whole config; relative paths that are read while parsing resolve against `baseDir`. */
export const configSchema = (baseDir: string) => strict({
  server: server.prefault({}),
  github: github(baseDir).prefault({}),
  store: store(baseDir).prefault({}),
  log: log.prefault({}),
  engine: engine.prefault({}),
  artifacts: artifacts.prefault({}),
  router: router.prefault({}),
  ui: ui.prefault({}),
  /** How long the store keeps deliveries, deployments, destroyed environments and notifications. */
  retention: retentionSchema.prefault({}),
  apps: apps.default([]),
  /** Receivers of notifications (chat, any HTTP endpoint). */
  notifications: notificationsSchema.default([]),
}).superRefine(checkReceiverApps, { when: always });

export type Config = z.output<ReturnType<typeof configSchema>>;
export type AppConfig = Config['apps'][number];
export type EngineConfig = Config['engine'];

/**
 * The webhook secrets to accept, newest first as configured: `github.webhookSecret` (one or a
 * list, for rotation), else `SLIPWAY_WEBHOOK_SECRET` from `env`. Empty when neither is set.
 */
export function webhookSecrets(config: Config, env: Env): string[] {
  const configured = config.github.webhookSecret;
  if (configured !== undefined) return [...new Set(typeof configured === 'string' ? [configured] : configured)];
  const fromEnv = env.SLIPWAY_WEBHOOK_SECRET;
  return fromEnv ? [fromEnv] : [];
}
