import { setTimeout as sleep } from 'node:timers/promises';
import type { Octokit } from '@octokit/rest';
import type { Logger } from '../logger.js';

/** GitHub's advice for a secondary rate limit that names no wait: at least a minute. */
const SECONDARY_DEFAULT_S = 60;

export interface RateLimitOptions {
  /** The longest wait slipway sits out; a longer one fails the call (`github_rate_limited`). */
  maxWaitMs: number;
  /** How many times one call waits before it fails. */
  maxWaits: number;
  log: Logger;
}

/**
 * How long GitHub asks to wait before `error`'s request may be sent again, in ms, or null when
 * it is not a rate limit: a 403 or 429 with `retry-after` (secondary limits), with
 * `x-ratelimit-remaining: 0` (until `x-ratelimit-reset`, plus a second for clock skew), or one
 * whose message names a secondary rate limit (a minute).
 */
export function rateLimitWait(error: unknown, now = Date.now()): number | null {
  const { status, response, message } = error as { status?: unknown; response?: { headers?: Record<string, unknown> }; message?: unknown };
  if ((status !== 403 && status !== 429) || response?.headers === undefined) return null;
  const headers = response.headers;
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) return Math.max(0, retryAfter) * 1000;
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    return Number.isFinite(reset) ? Math.max(0, reset - now) + 1000 : null;
  }
  if (status === 429 || /\bsecondary rate\b/i.test(String(message))) return SECONDARY_DEFAULT_S * 1000;
  return null;
}

/**
 * Waits out GitHub's rate limits on `octokit`'s calls when the wait is short (`maxWaitMs`) and
 * sends the call again; a longer wait, or more than `maxWaits`, lets the error through.
 */
export function useRateLimits(octokit: Octokit, options: RateLimitOptions): void {
  octokit.hook.wrap('request', async (request, endpoint) => {
    for (let waits = 0; ; waits += 1) {
      try {
        return await request(endpoint);
      } catch (error) {
        const waitMs = rateLimitWait(error);
        if (waitMs === null || waitMs > options.maxWaitMs || waits >= options.maxWaits) throw error;
        options.log.warn({ method: endpoint.method, url: endpoint.url, waitS: Math.ceil(waitMs / 1000) }, 'GitHub rate limit reached: waiting');
        await sleep(waitMs, undefined, { signal: endpoint.request?.signal ?? undefined });
      }
    }
  });
}
