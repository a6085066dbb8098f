import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';

/** Octokit with the throttling (rate limits honoured) and retry (5xx, network) plugins. */
const SlipwayOctokit = Octokit.plugin(throttling, retry);
export type GitHub = InstanceType<typeof SlipwayOctokit>;

export type GitHubAuth = { kind: 'token'; token: string };

export interface GitHubClientOptions {
  /** `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  apiUrl: string;
  auth: GitHubAuth;
  log: Logger;
  /** The longest wait for a rate limit to reset that slipway sits out; longer fails the call. Default 60 s. */
  maxRateLimitWaitMs?: number;
}

/** Octokit clients for what slipway calls: one per repository (a token, or the App's installation there). */
export interface GitHubClients {
  readonly auth: GitHubAuth['kind'];
  /** A client that may act on `owner/name`. */
  forRepo(repo: string): Promise<GitHub>;
  /** The GitHub App itself (its JWT), for `/app/...` endpoints; null with a token. */
  forApp(): GitHub | null;
}

const RATE_LIMIT_RETRIES = 2;

export function createGitHubClients(options: GitHubClientOptions): GitHubClients {
  const maxWaitS = (options.maxRateLimitWaitMs ?? 60_000) / 1000;
  const log = options.log;
  const octokit = new SlipwayOctokit({
    auth: options.auth.token,
    baseUrl: options.apiUrl,
    userAgent: 'slipway',
    log: { debug: () => undefined, info: () => undefined, warn: (message: string) => log.warn(message), error: (message: string) => log.error(message) },
    throttle: {
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        log.warn({ method: request.method, url: request.url, retryAfter }, 'GitHub rate limit reached');
        return retryCount < RATE_LIMIT_RETRIES && retryAfter <= maxWaitS;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        log.warn({ method: request.method, url: request.url, retryAfter }, 'GitHub secondary rate limit reached');
        return retryCount < RATE_LIMIT_RETRIES && retryAfter <= maxWaitS;
      },
    },
  });
  return { auth: options.auth.kind, forRepo: () => Promise.resolve(octokit), forApp: () => null };
}

/** The clients the configured credentials allow, or null without credentials (nothing is reported to GitHub). */
export function clientsFromConfig(config: Config, log: Logger): GitHubClients | null {
  const token = config.github.token;
  if (token === undefined) return null;
  return createGitHubClients({ apiUrl: config.github.apiUrl, auth: { kind: 'token', token }, log: log.child({ component: 'github' }) });
}
