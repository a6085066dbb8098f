import { createHash } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { appInstallations } from './app-auth.js';
import { toGitHubError, withoutSecrets } from './errors.js';
import { EtagCache, useEtags } from './etag.js';
import { useRateLimits } from './rate-limit.js';
import { githubFetch, type GitHubMetrics } from './request-metrics.js';

/** Octokit with the throttling (requests paced) and retry (5xx, network) plugins. */
const SlipwayOctokit = Octokit.plugin(throttling, retry);
export type GitHub = InstanceType<typeof SlipwayOctokit>;

export type GitHubAuth = { kind: 'token'; token: string } | { kind: 'app'; appId: number; privateKey: string };

export interface GitHubClientOptions {
  /** `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  apiUrl: string;
  auth: GitHubAuth;
  log: Logger;
  /** The longest wait for a rate limit to reset that slipway sits out; longer fails the call. Default 60 s. */
  maxRateLimitWaitMs?: number;
  metrics?: GitHubMetrics;
  /** One HTTP request without an answer for this long is abandoned. Default 60 s. */
  timeoutMs?: number;
  /** How often a 5xx or network failure is tried again (after 1, 4, 9 s). Default 3. */
  retries?: number;
  /** With an App: an installation token is renewed this long before it expires. Default 5 minutes. */
  tokenRenewalMs?: number;
  /**
   * slipway is stopping: every call of these clients ends at once, whether it waits in the
   * throttling queue, between the retry plugin's tries, for a rate limit, or for an answer.
   */
  stop?: AbortSignal;
}

/** Octokit clients for what slipway calls: one per repository (a token, or the App's installation there). */
export interface GitHubClients {
  readonly auth: GitHubAuth['kind'];
  /** A client that may act on `owner/name`. Throws `GitHubError` (the App is not installed there). */
  forRepo(repo: string): Promise<GitHub>;
  /** The GitHub App itself (its JWT), for `/app/...` endpoints; null with a token. */
  forApp(): GitHub | null;
  /** A token git may fetch `owner/name` with over https: github.token, or the App's installation token there. */
  gitToken(repo: string): Promise<string>;
}

/** What one Octokit is made with besides the shared options: its credentials and their identity. */
export interface Credentials {
  octokitAuth: { auth: string } | { authStrategy: typeof createAppAuth; auth: Parameters<typeof createAppAuth>[0] };
  /** Names the credentials without holding them: `token:<hash>`, `app:<id>`, `installation:<id>`. */
  identity: string;
}

/** What every client is made with: throttling, retries, ETags, rate-limit waits, metrics, errors as `GitHubError`. */
export type MakeClient = (credentials: Credentials) => GitHub;

/** The REST API version slipway is written against, sent with every request. */
const API_VERSION = '2022-11-28';

/** Retries do not repeat these: a client error, or a rate limit (waited out by `useRateLimits` instead). */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

export function createGitHubClients(options: GitHubClientOptions): GitHubClients {
  const make = clientMaker(options);
  const { auth } = options;
  if (auth.kind === 'app') return { auth: 'app', ...appInstallations(make, auth, options.tokenRenewalMs ?? 5 * 60_000) };
  const octokit = make({ octokitAuth: { auth: auth.token }, identity: `token:${createHash('sha256').update(auth.token).digest('hex').slice(0, 16)}` });
  return { auth: 'token', forRepo: () => Promise.resolve(octokit), forApp: () => null, gitToken: () => Promise.resolve(auth.token) };
}

function clientMaker(options: GitHubClientOptions): MakeClient {
  const { log } = options;
  const etags = new EtagCache();
  const fetch = githubFetch(options.timeoutMs ?? 60_000, options.metrics);
  const secrets = options.auth.kind === 'token' ? [options.auth.token] : [options.auth.privateKey];
  return ({ octokitAuth, identity }) => {
    const octokit = new SlipwayOctokit({
      ...octokitAuth,
      baseUrl: options.apiUrl,
      userAgent: 'slipway',
      request: { fetch },
      log: { debug: () => undefined, info: () => undefined, warn: (message: string) => log.warn(message), error: (message: string) => log.error(message) },
      retry: { retries: options.retries ?? 3, doNotRetry: DO_NOT_RETRY },
      // Pacing only: rate limits are waited out (or not) by useRateLimits, which also reads retry-after on a 429.
      throttle: { onRateLimit: () => false, onSecondaryRateLimit: () => false },
    });
    octokit.hook.before('request', (endpoint) => {
      endpoint.headers['x-github-api-version'] ??= API_VERSION;
    });
    useEtags(octokit, etags, identity);
    useRateLimits(octokit, { maxWaitMs: options.maxRateLimitWaitMs ?? 60_000, maxWaits: 2, log });
    // The outermost hook: the call's signal (and the clients' stop) reaches every hook inside,
    // and an abort ends the call at once instead of when the plugins' queues and waits get to it.
    octokit.hook.wrap('request', async (request, endpoint) => {
      const signal = callSignal(endpoint.request?.signal, options.stop);
      if (signal?.aborted) throw signal.reason;
      if (signal !== undefined) endpoint.request = { ...endpoint.request, signal };
      try {
        return await untilAborted(Promise.resolve(request(endpoint)), signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const { method, url } = octokit.request.endpoint.parse(endpoint);
        throw withoutSecrets(toGitHubError(error, `${method} ${new URL(url).pathname}`), secrets);
      }
    });
    return octokit;
  };
}

function callSignal(own: AbortSignal | undefined | null, stop: AbortSignal | undefined): AbortSignal | undefined {
  if (own == null) return stop;
  return stop === undefined ? own : AbortSignal.any([own, stop]);
}

/** `work`, or its signal's reason as soon as it aborts (what is left of `work` finds the signal aborted and sends nothing). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  let onAbort = () => {};
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

/** The clients the configured credentials allow, or null without credentials (nothing is reported to GitHub). */
export function clientsFromConfig(config: Config, log: Logger, metrics?: GitHubMetrics, stop?: AbortSignal): GitHubClients | null {
  const { token, app, apiUrl } = config.github;
  const auth: GitHubAuth | null = app !== undefined ? { kind: 'app', appId: app.id, privateKey: app.privateKey } : token !== undefined ? { kind: 'token', token } : null;
  if (auth === null) return null;
  return createGitHubClients({ apiUrl, auth, log: log.child({ component: 'github' }), ...(metrics ? { metrics } : {}), ...(stop ? { stop } : {}) });
}
